"""The registry's data: places, industries, enterprises, sources, articles and claims.

Every enumeration is a CheckConstraint as well as a choice: choices alone do not stop
`.update()`, `bulk_create` or raw SQL. Names are stored with a `*_key` (see names.py)
so that lookups in any spelling stay exact, indexed matches.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from . import locking
from .codebook import TIER_GRADES, Activity, Code, Grade, Tier
from .names import name_key
from .querysets import (
    ArticleQuerySet, ClaimQuerySet, EnterpriseAliasQuerySet, EnterpriseQuerySet, IndustryQuerySet, LocationQuerySet,
    ReferenceQuerySet,
)


def _choice_check(field, choices, name):
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class LocationKind(models.TextChoices):
    PROVINCE = "province", "province (do)"
    DIRECTLY_GOVERNED_CITY = "directly_governed_city", "directly governed city (jikhalsi)"
    SPECIAL_CITY = "special_city", "special city (tukbyolsi)"
    CITY = "city", "city (si)"
    COUNTY = "county", "county (gun)"
    DISTRICT = "district", "district (guyok, gu)"
    WORKERS_DISTRICT = "workers_district", "workers' district (jigu)"


class EnterpriseKind(models.TextChoices):
    COMPLEX = "complex", "complex (ryonhap kiopso)"
    GENERAL = "general", "general enterprise (chonghap kiopso)"
    FACTORY = "factory", "factory"
    MINE = "mine", "mine"
    POWER_STATION = "power_station", "power station"
    SHIPYARD = "shipyard", "shipyard"
    OTHER = "other", "other"


class Integration(models.TextChoices):
    NONE = "", "—"
    VERTICAL = "vertical", "vertical"
    HORIZONTAL = "horizontal", "horizontal"


class SourceKind(models.TextChoices):
    STATE_MEDIA = "state_media", "official state media"
    INSIDER = "insider", "insider network"
    FOREIGN_ANALYSIS = "foreign_analysis", "foreign analysis"
    FOREIGN_GOVERNMENT = "foreign_government", "foreign government"
    ACADEMIC = "academic", "academic"


class Reliability(models.TextChoices):
    # The Admiralty scale, judged for the publication, apart from each claim's code.
    A = "A", "A completely reliable"
    B = "B", "B usually reliable"
    C = "C", "C fairly reliable"
    D = "D", "D not usually reliable"
    E = "E", "E unreliable"
    F = "F", "F reliability cannot be judged"


class Precision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


class Disclosure(models.TextChoices):
    PUBLIC = "public", "public"
    RESTRICTED = "restricted", "restricted"


class Status(models.TextChoices):
    DRAFT = "draft", "draft"
    CODED = "coded", "coded"
    REVIEWED = "reviewed", "reviewed"



class Location(models.Model):
    """A unit of North Korea's administrative tree (province, city, county, district)."""

    Kind = LocationKind

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(
        max_length=100, help_text="McCune–Reischauer without diacritics or suffix: Chongjin"
    )
    name_mr = models.CharField("McCune–Reischauer", max_length=100, blank=True)
    name_rr = models.CharField("Revised Romanization", max_length=100, blank=True)
    hangul = models.CharField(max_length=50, blank=True)
    iso_code = models.CharField("ISO 3166-2", max_length=6, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    # "/north-hamgyong/chongjin/": everything inside a place is one prefix match.
    path = models.CharField(max_length=400, unique=True, editable=False)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)

    history = HistoricalRecords()
    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            _choice_check("kind", LocationKind, "registry_location_kind_valid"),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="registry_location_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="registry_location_parent_matches_level",
            ),
        ]

    def __str__(self):
        if self.parent_id and self.level > 1:
            return f"{self.name}, {self.parent.name}"
        return self.name

    def save(self, *args, **kwargs):
        # The path is derived from the parent's and must never drift from it.
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.slug}/"
        super().save(*args, **kwargs)

    def ancestors(self):
        """This place's ancestors, outermost first (one query)."""
        slugs = [s for s in self.path.strip("/").split("/")[:-1]]
        by_slug = {loc.slug: loc for loc in Location.objects.filter(slug__in=slugs)}
        return [by_slug[s] for s in slugs if s in by_slug]

    def region(self):
        """The first-level unit this place lies in (itself at level 1)."""
        top = self.path.strip("/").split("/")[0]
        return self if top == self.slug else Location.objects.get(slug=top)


class LocationName(models.Model):
    """Every spelling under which a place is found: canonical, diacritics, Revised
    Romanization, Hangul (with and without suffix), slug, and further aliases."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=100)
    # For the place lookup: one indexed equality match per spelling tried.
    key = models.CharField(max_length=100, db_index=True, editable=False)
    is_alias = models.BooleanField(
        default=True, help_text="False for names derived from the place's own fields."
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location", "key"], name="registry_locationname_no_duplicates"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = name_key(self.name)
        super().save(*args, **kwargs)


class Industry(models.Model):
    """A node of the two-level industry taxonomy, tied to ISIC Rev.4 divisions."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    isic = models.CharField(
        "ISIC Rev.4 divisions",
        max_length=50,
        blank=True,
        help_text="Two-digit division codes, comma-separated: 10,11",
    )

    history = HistoricalRecords()
    objects = IndustryQuerySet.as_manager()

    class Meta:
        ordering = ["parent__name", "name"]
        verbose_name_plural = "industries"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="registry_industry_unique_name")
        ]

    def __str__(self):
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def isic_codes(self):
        return [code.strip() for code in self.isic.split(",") if code.strip()]

    def clean(self):
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": "The taxonomy has two levels: pick a top-level industry."})


class Enterprise(models.Model):
    Kind = EnterpriseKind

    Integration = Integration

    name = models.CharField(max_length=200, help_text="Canonical English name")
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    hangul = models.CharField(max_length=100, blank=True)
    grade = models.CharField(max_length=10, choices=Grade.choices, default=Grade.UNKNOWN)
    tier = models.GeneratedField(
        expression=Case(
            *[When(grade__in=[str(g) for g in grades], then=Value(str(tier))) for tier, grades in TIER_GRADES.items()],
            default=Value(str(Tier.UNKNOWN)),
        ),
        output_field=models.CharField(max_length=10, choices=Tier.choices),
        db_persist=True,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    integration = models.CharField(
        max_length=12, choices=Integration.choices, blank=True, help_text="For complexes only"
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text="The complex this enterprise is an affiliated unit of",
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        help_text="The lowest level known: an enterprise only known to be in a province sits on it",
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    products = models.TextField(blank=True)
    ministry = models.CharField("supervising ministry", max_length=200, blank=True)
    notes = models.TextField("internal notes", blank=True, help_text="Restricted: never public")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Two coders on one enterprise: the second save is refused, not merged (see locking.py).
    version = locking.version_field()

    history = HistoricalRecords()
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            _choice_check("grade", Grade, "registry_enterprise_grade_valid"),
            _choice_check("kind", EnterpriseKind, "registry_enterprise_kind_valid"),
            _choice_check("integration", Integration, "registry_enterprise_integration_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="registry_enterprise_not_own_parent"
            ),
        ]
        indexes = [
            # Enterprise lists filtered by grade within a place.
            models.Index(fields=["grade", "location"], name="registry_ent_grade_loc"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The public page; the admin's "View on site" on an enterprise links to it.
        from django.urls import reverse

        return reverse("enterprise", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        with locking.next_version(self):
            super().save(*args, **kwargs)

    def clean(self):
        if self.integration and self.kind not in (self.Kind.COMPLEX, self.Kind.GENERAL):
            raise ValidationError({"integration": "Only complexes and general enterprises have an integration."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "An enterprise cannot be its own parent."})


class EnterpriseAlias(models.Model):
    """Another name of an enterprise: other romanizations, Hangul, former names."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)

    history = HistoricalRecords()
    objects = EnterpriseAliasQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "enterprise aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name_key"], name="registry_enterprisealias_no_duplicates"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class Source(models.Model):
    Kind = SourceKind

    Reliability = Reliability

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    language = models.CharField(max_length=20, default="ko", help_text="ISO 639-1, e.g. ko, en")
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    url = models.URLField(blank=True)

    history = HistoricalRecords()
    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            _choice_check("kind", SourceKind, "registry_source_kind_valid"),
            _choice_check("reliability", Reliability, "registry_source_reliability_valid"),
        ]

    def __str__(self):
        return self.name


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
            _choice_check("precision", Precision, "registry_article_precision_valid"),
            _choice_check("disclosure", Disclosure, "registry_article_disclosure_valid"),
            _choice_check("status", Status, "registry_article_status_valid"),
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
            _choice_check("activity", Activity, "registry_claim_activity_valid"),
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


# A release name is a directory name and a citation label: letters, digits, dots, dashes,
# underscores; never a path.
RELEASE_NAME_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$"


class Release(models.Model):
    """A frozen, citable data package written by `make_release` (see releases.py). The
    files under RELEASES_DIR/<name>/ never change; this row is their public record."""

    name = models.CharField(max_length=40, help_text="e.g. 2026.1")
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, help_text="Public: printed in the release's README")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    codebook_version = models.CharField(max_length=20)
    counts = models.JSONField(default=dict, help_text="Rows per file of the package")
    # SHA-256 of the MANIFEST, which lists every file's SHA-256: one number for the package.
    checksum = models.CharField(max_length=64)
    zip_sha256 = models.CharField("SHA-256 of the zip download", max_length=64)
    zip_size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="registry_release_unique_name"),
            models.CheckConstraint(condition=Q(name__regex=RELEASE_NAME_PATTERN), name="registry_release_name_valid"),
        ]

    def __str__(self):
        return self.name
from .method_models import *  # noqa: E402,F401,F403 (the method's records: coverage)
