"""Articles and the claims coded from them."""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .. import locking
from ..codebook import Activity, Code, Disclosure, Precision, Status, choice_check
from ..querysets import ArticleQuerySet, ClaimQuerySet
from .enterprises import Enterprise
from .sources import Source


class Article(models.Model):
    Precision = Precision

    Disclosure = Disclosure

    Status = Status

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="articles")
    # A month- or year-precise date is stored as the first day of its month or year.
    published = models.DateField()
    precision = models.CharField(max_length=5, choices=Precision.choices, default=Precision.DAY)
    page = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField("headline (English)", max_length=500, blank=True)
    title_ko = models.CharField("headline (Korean)", max_length=500, blank=True)
    summary = models.TextField(blank=True)
    full_text = models.TextField(blank=True, help_text="Restricted: never public")
    text_sha256 = models.CharField(
        "SHA-256 of full text", max_length=64, blank=True, editable=False
    )
    url = models.URLField(max_length=500, blank=True)
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    disclosure = models.CharField(
        max_length=10, choices=Disclosure.choices, default=Disclosure.PUBLIC
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField("internal notes", blank=True, help_text="Restricted: never public")
    coded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_coded",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles_reviewed",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Two coders on one article: the second save is refused, not merged (see locking.py).
    version = locking.version_field()

    history = HistoricalRecords(excluded_fields=["text_sha256"])
    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "id"]
        permissions = [
            ("view_restricted", "Can see restricted articles, full texts and internal notes"),
            ("review_article", "Can mark an article reviewed"),
        ]
        constraints = [
            choice_check("precision", Precision, "registry_article_precision_valid"),
            choice_check("disclosure", Disclosure, "registry_article_disclosure_valid"),
            choice_check("status", Status, "registry_article_status_valid"),
            # The import recognises an article by source, date and headline. Headline first:
            # import_claims looks existing articles up by title alone (title__in=...), which
            # at 500k articles was a sequential scan per chunk of 500 (837 rows/s).
            models.UniqueConstraint(
                fields=["title", "source", "published"],
                condition=~Q(title=""),
                name="registry_article_unique_headline",
            ),
            models.CheckConstraint(
                condition=~Q(title="") | ~Q(title_ko=""), name="registry_article_has_headline"
            ),
            models.CheckConstraint(
                condition=~Q(follow_up_of=models.F("id")), name="registry_article_not_own_follow_up"
            ),
        ]
        indexes = [
            # Date-range filters and the time series' period grouping.
            models.Index(fields=["published", "precision"], name="registry_art_published"),
            models.Index(fields=["disclosure", "published"], name="registry_art_public_date"),
            # Time series and enterprise evidence join each claim to its article only for
            # these columns: with them in an index the join is an index-only scan, not a heap
            # fetch per claim (time series Pyongyang vs Chongjin: 1.9 s -> 0.5 s at 1M claims).
            # Status too: what anyone may see is public *and* published (querysets.visible_articles).
            models.Index(fields=["id", "published", "disclosure", "status", "precision"], name="registry_art_id_cover"),
        ]

    def __str__(self):
        return f"{self.source.short_name} {self.published_label}: {self.title or self.title_ko}"

    @property
    def published_label(self):
        """The date as precisely as it is known: 2019-04-15, 2019-04 or 2019."""
        if self.precision == self.Precision.YEAR:
            return f"{self.published:%Y}"
        if self.precision == self.Precision.MONTH:
            return f"{self.published:%Y-%m}"
        return self.published.isoformat()

    def clean(self):
        if self.published and self.precision == self.Precision.MONTH and self.published.day != 1:
            raise ValidationError({"published": "A month-precise date is stored as the 1st of the month."})
        if self.published and self.precision == self.Precision.YEAR and (self.published.month, self.published.day) != (1, 1):
            raise ValidationError({"published": "A year-precise date is stored as 1 January."})
        if not self.title and not self.title_ko:
            raise ValidationError({"title": "Give a headline in English or Korean."})
        if self.pk is not None and self.follow_up_of_id == self.pk:
            raise ValidationError({"follow_up_of": "An article cannot follow up itself."})

    def save(self, *args, **kwargs):
        # Lets a later reader detect that the source's online copy has changed.
        self.text_sha256 = (
            hashlib.sha256(self.full_text.encode("utf-8")).hexdigest() if self.full_text else ""
        )
        with locking.next_version(self):
            super().save(*args, **kwargs)


class Claim(models.Model):
    """One coded piece of information: an article says an enterprise did something."""

    # No single-column indexes: registry_claim_one_per_activity leads with article and
    # registry_claim_ent_cover with enterprise; two more indexes only slow every insert.
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="claims", db_index=False)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="claims", db_index=False)
    activity = models.CharField(max_length=20, choices=Activity.choices)
    code = models.PositiveSmallIntegerField(choices=Code.choices)
    detail = models.CharField(max_length=500, blank=True)
    quantity = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article", "id"]
        constraints = [
            choice_check("activity", Activity, "registry_claim_activity_valid"),
            models.CheckConstraint(condition=Q(code__gte=1, code__lte=5), name="registry_claim_code_1_to_5"),
            models.UniqueConstraint(
                fields=["article", "enterprise", "activity"], name="registry_claim_one_per_activity"
            ),
        ]
        indexes = [
            # Enterprise evidence (first/last seen, counts), enterprise filters on claims, and
            # the time series by place (enterprise ids from the place, then their claims). The
            # article column makes these index-only scans.
            models.Index(fields=["enterprise", "activity", "code", "article"], name="registry_claim_ent_cover"),
            # Time series and claim lists filtered by activity and code threshold.
            models.Index(fields=["activity", "code"], name="registry_claim_activity_code"),
        ]

    def __str__(self):
        return f"{self.enterprise} — {self.activity} ({self.code})"
