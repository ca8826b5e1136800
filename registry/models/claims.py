"""Claims: what an article reports of an enterprise, coded by the codebook, with the copies the
database keeps on each (registry/stored/columns.py), and who may see which (ClaimQuerySet)."""

from collections import namedtuple

from django.db import models
from django.db.models import Count, Max, Min, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.stored.columns import CLAIM_COLUMNS, ENTERPRISE_COLUMNS
from registry.articles import search_terms
from registry.method.codebook import TIER_GRADES, Activity, Code, Grade, Precision, choice_check
from registry.access.visibility import sees_everything, sees_public_view, unblinded_claims, visible_articles
from .enterprises import Enterprise
from .history import DATED
from . import articles
from .articles import Article
from .querying import ArticleVectorMatch, CountedQuerySet, vendor


# What a time series reads (ClaimQuerySet.for_series): the claims, and the names of the
# columns giving each one's date and date precision. What each claim's enterprise was is
# read from the claims' stored dated copies either way (models/history.py, Attributes).
SeriesColumns = namedtuple("SeriesColumns", "claims published precision")


class ClaimQuerySet(CountedQuerySet):
    def public(self):
        """Claims of public, published articles: what anyone may see."""
        return self.filter(visible_articles(None, "article__"))

    def visible_to(self, user):
        """Claims a user may see: those of the articles the user may see, except the
        articles the user is second-coding blind in an open agreement round (their first
        coding does not exist for that user until the round closes)."""
        qs = self if sees_everything(user) else self.filter(visible_articles(user, "article__"))
        return qs.filter(unblinded_claims(user))

    def for_series(self, user):
        """SeriesColumns(claims, published, precision): the claims a time series counts for
        `user` and the names of the article's date and precision to read on them. Whoever
        sees what the public sees (visibility.sees_public_view) reads each public claim's
        stored copies (registry/stored/evidence.py), with no join to the articles (one index of the
        claims, registry_claim_public_series by enterprise, registry_claim_public_groups by
        region, grade or tier); everyone else visible_to(user) and the article's columns."""
        if sees_public_view(user):
            return SeriesColumns(self.filter(public_published__isnull=False), "public_published", "public_precision")
        return SeriesColumns(self.visible_to(user), "article__published", "article__precision")

    def matching(
        self, *, activities=None, max_code=None, source_kinds=None, grades=None, tiers=None,
        industries=None, places=None, parents=None, start=None, end=None, statuses=None, dated="article__published",
        attributes=None,
    ):
        """Claims filtered the way every count and list of the registry filters them.

        activities: activity slugs (codebook.expand_activities turns groups into slugs);
        max_code: keep codes at or below it; source_kinds, grades, tiers, statuses: values;
        industries: Industry objects, each with its sub-industries; places: Location
        objects, each with everything inside it; start/end: dates, inclusive, compared with
        the article's (first-day) date, read from `dated` (the claim's stored public copy in
        the public's series, for_series). None or empty means no filter."""
        qs = self
        if activities:
            qs = qs.filter(activity__in=sorted(activities))
        if max_code is not None:
            qs = qs.filter(code__lte=max_code)
        if source_kinds:
            qs = qs.filter(article__source__kind__in=source_kinds)
        # What the enterprise was: on the claim's date unless the question says otherwise
        # (models/history.py, Attributes: the method's dated rule, or as_of).
        attributes = attributes or DATED
        if grades or tiers or industries or places or parents:
            qs = attributes.prepare(qs)
        if grades:
            qs = qs.filter(attributes.grade_in(grades))
        if tiers:
            qs = qs.filter(attributes.grade_in([g for tier in tiers for g in TIER_GRADES[tier]]))
        if statuses:
            qs = qs.filter(article__status__in=statuses)
        if industries:
            qs = qs.filter(attributes.industry_in(industries))
        if places:
            qs = qs.filter(attributes.place_in(places))
        if parents:
            qs = qs.filter(attributes.parent_in(parents))
        if start is not None:
            qs = qs.filter(**{f"{dated}__gte": start})
        if end is not None:
            qs = qs.filter(**{f"{dated}__lte": end})
        return qs

    def search(self, text, *, prefix=False, named=None):
        """Claims about an enterprise so named (EnterpriseQuerySet.search: any spelling,
        Hangul folded) or in an article whose headlines or summary contain the text
        (ArticleQuerySet.search, through the search index). The API's q= and the admin's
        claim search. `named`: turns the matching enterprises into what goes into the SQL
        (registry.vocabulary.filters._enterprise_ids inlines a short list of ids)."""
        if not search_terms.query_terms(text):
            return self
        enterprises = Enterprise.objects.search(text)
        enterprises = named(enterprises) if named else enterprises.values("pk")
        if vendor(self.db) == "postgresql":
            # The claim's own article's vector, on the joined row: a list ordered by date
            # then walks the newest articles and stops at the page, where `article_id IN
            # (every matching article)` hashed all of them first ("steel": 38k articles,
            # 82k claims joined and sorted, 3.3 s at 1M claims).
            terms = search_terms.query_terms(text)
            query = search_terms.postgresql_query(terms, prefix=prefix, weights="AB")
            in_articles = Q(ArticleVectorMatch("article__", query))
        else:
            in_articles = Q(article__in=Article.objects.search(text, prefix=prefix, names=False).values("pk"))
        found = self.filter(Q(enterprise__in=enterprises) | in_articles)
        found.count_cap = articles.RANKED_MATCHES
        return found

    def for_api(self, user):
        """Claims as the API lists them: visible ones, article, source, enterprise and its
        place and industry joined."""
        # Explicit order: "article" in Meta.ordering follows Article's ordering in model
        # queries but not in values_list(), and the CSV must come out in the JSON's order.
        return self.visible_to(user).select_related(
            "article__source", "enterprise__location", "enterprise__industry"
        ).order_by("-article__published", "article_id", "id")

    def evidence_summary(self):
        """Claims counted by activity and code, with the first and last article dates
        (one GROUP BY): an enterprise's evidence at a glance."""
        return (
            self.order_by()
            .values("activity", "code")
            .annotate(claims=Count("id"), first_seen=Min("article__published"), last_seen=Max("article__published"))
            .order_by("activity", "code")
        )

    def evidence(self, enterprise):
        """Annotations for an enterprise row (`enterprise`: an OuterRef to its id) from these
        claims: claim_count, first_seen and last_seen, and first_seen_precision /
        last_seen_precision, the precision of the article that gives each date ("year" for
        a first sighting known only as 2015, so 2015-01-01 is never read as New Year's Day;
        on a tie the more precise date wins, day < month < year). The admin's enterprise
        list and merge page and the API all annotate with this.

        Subqueries rather than a JOIN + GROUP BY, so the annotations stay correct whatever
        other joins a filter adds."""
        claims = self.filter(enterprise=enterprise)
        per_enterprise = claims.order_by().values("enterprise")
        return {
            # COUNT(*), not COUNT(id): answered from registry_claim_ent_cover alone.
            "claim_count": Coalesce(Subquery(per_enterprise.annotate(n=Count("*")).values("n")), 0),
            "first_seen": Subquery(per_enterprise.annotate(d=Min("article__published")).values("d")),
            "last_seen": Subquery(per_enterprise.annotate(d=Max("article__published")).values("d")),
            "first_seen_precision": Subquery(claims.order_by("article__published", "article__precision").values("article__precision")[:1]),
            "last_seen_precision": Subquery(claims.order_by("-article__published", "article__precision").values("article__precision")[:1]),
        }


class Claim(models.Model):
    """One coded piece of information: an article says an enterprise did something."""

    # No single-column indexes: registry_claim_one_per_activity leads with article and
    # registry_claim_ent_cover with enterprise; two more indexes only slow every insert.
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="claims", db_index=False)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="claims", db_index=False)
    activity = models.CharField(_("activity"), max_length=20, choices=Activity.choices)
    code = models.PositiveSmallIntegerField(_("code"), choices=Code.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Stored, derived (registry/stored/evidence.py defines them, registry/stored/copies.py's triggers keep
    # them): the article's date and precision while the claim is public (its article public and
    # published), else null, so the public's time series read one index of the claims and
    # never join the articles. Not in the history: they follow the article, not an edit.
    public_published = models.DateField(null=True, editable=False)
    public_precision = models.CharField(max_length=5, choices=Precision.choices, null=True, editable=False)
    # Stored, derived the same way: its enterprise's first-level region (a Location id) and
    # grade, on every claim (they follow the enterprise, not the article), so the public's
    # series by region, grade or tier group the claims without joining the enterprises. A
    # plain id, no foreign key: derived like the dates, and a constraint would add a trigger
    # to every claim written (the enterprise's region is the one protected).
    enterprise_region = models.BigIntegerField(null=True, editable=False)
    enterprise_grade = models.CharField(max_length=10, choices=Grade.choices, null=True, editable=False)
    # The rest of what its enterprise was on the claim's date (models/history.py): its place,
    # industry and parent complex. References without a database constraint, like the region:
    # derived, never written by anyone but the triggers (registry/stored/copies.py).
    enterprise_place = models.ForeignKey(
        "registry.Location", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )
    enterprise_industry = models.ForeignKey(
        "registry.Industry", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )
    enterprise_parent = models.ForeignKey(
        "registry.Enterprise", null=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+",
    )

    history = HistoricalRecords(excluded_fields=[*CLAIM_COLUMNS, *ENTERPRISE_COLUMNS])
    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
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
            # The claim list filtered by date range and activity/code: its capped COUNT goes
            # article by article (newest range first) and reads each one's claims from here
            # alone: 0.45-0.8 s -> 0.2-0.3 s for 10,001 claims of 2015-16 under load.
            models.Index(fields=["article", "activity", "code"], name="registry_claim_article_cover"),
            # The public's time series (registry/series/timeseries.py, ClaimQuerySet.for_series): an
            # index-only scan, by enterprise for places and whole for regions, grades and tiers,
            # with no join to the articles. Public claims only: what nobody else reads.
            models.Index(
                fields=["enterprise", "activity", "code", "public_published", "public_precision", "article"],
                condition=Q(public_published__isnull=False), name="registry_claim_public_series",
            ),
            # The public's series by region, grade or tier (all of them, no place filter): the
            # claims of some activities and codes in a date range, read with their stored
            # region and grade, index-only, with no join to the enterprises or the articles.
            models.Index(
                fields=["activity", "code", "public_published"],
                include=["public_precision", "enterprise_region", "enterprise_grade", "article", "enterprise"],
                condition=Q(public_published__isnull=False), name="registry_claim_public_groups",
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} — {self.activity} ({self.code})"
