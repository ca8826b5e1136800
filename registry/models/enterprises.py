"""Enterprises and their other names."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from infra import locking
from registry.method.codebook import (
    TIER_GRADES, EnterpriseKind, Grade, Integration, Precision, Tier, choice_check
)
from registry.stored.columns import COLUMNS as EVIDENCE_COLUMNS

STORED_EVIDENCE = {*EVIDENCE_COLUMNS, "public_listed"}
STORED = {*STORED_EVIDENCE, "region"}  # kept by the database (registry/stored/copies.py)
from registry.places.names import name_key, spelling_variants
from registry.access.visibility import known_through, sees_everything, sees_public_view
from .industries import Industry
from .places import Location, place_variants


def _claims():
    """Claim's manager. Claim (articles.py) imports this module for its foreign key, so it is
    reached through the reverse relation rather than imported: the imports run one way."""
    return Enterprise._meta.get_field("claims").related_model.objects


def _periods():
    """AttributePeriod's manager, reached like _claims (history.py imports this module)."""
    return Enterprise._meta.get_field("periods").related_model.objects


class EnterpriseAliasQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Aliases of the enterprises a user may see."""
        return self if sees_everything(user) else self.filter(enterprise__in=Enterprise.objects.visible_to(user).values("pk"))


class EnterpriseQuerySet(models.QuerySet):
    def in_place(self, location):
        """Enterprises in the place or anywhere inside it. An enterprise known only to be
        in a province sits on the province and is never counted for a city in it."""
        return self.filter(location__path__startswith=location.path)

    def with_evidence(self, user):
        """Annotate claim count and first/last seen (and their precisions) from the claims
        `user` may see: a restricted article or a draft must not show through them
        (ClaimQuerySet.evidence). For whoever sees what the public sees, the stored public
        evidence (registry/stored/evidence.py) is read instead of computed."""
        if sees_public_view(user):
            return self.annotate(**{name: F(column) for column, name in EVIDENCE_COLUMNS.items()})
        return self.annotate(**_claims().visible_to(user).evidence(OuterRef("pk")))

    def evidence_of_page(self, rows, user):
        """with_evidence(user)'s five values set on `rows` (enterprises already read, a
        page of a list) in one query over their claims, rather than five
        correlated subqueries per row (a superuser's admin list: 1.2 ms a row and subquery
        for enterprises with a few hundred claims). For a list not sorted by them: sorting
        by them needs them for every row. The same claims (visible_to) and the same ties
        (the more precise date wins, as ClaimQuerySet.evidence orders them)."""
        rows = list(rows)
        if sees_public_view(user):
            for row in rows:
                for column, name in EVIDENCE_COLUMNS.items():
                    setattr(row, name, getattr(row, column))
            return rows
        if not rows:
            return rows
        claims = (
            _claims().visible_to(user).filter(enterprise__in=[row.pk for row in rows]).order_by()
            .annotate(e=F("enterprise_id"), d=F("article__published"), p=F("article__precision"))
            .values_list("e", "d", "p")
        )
        sql, params = claims.query.sql_with_params()
        # One pass over their claims, a row per enterprise: the precision of each end is the
        # most precise among the claims on that date ("day" < "month" < "year").
        grouped = (
            "SELECT e, COUNT(*), MIN(d), MAX(d), MIN(CASE WHEN d = first THEN p END), MIN(CASE WHEN d = last THEN p END)"
            " FROM (SELECT e, d, p, MIN(d) OVER (PARTITION BY e) AS first, MAX(d) OVER (PARTITION BY e) AS last"
            f" FROM ({sql}) claims) dated GROUP BY e"
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(grouped, params)
            found = {e: rest for e, *rest in cursor.fetchall()}

        def day(value):  # SQLite hands dates back as text
            return datetime.date.fromisoformat(value) if isinstance(value, str) else value

        for row in rows:
            n, first, last, first_precision, last_precision = found.get(row.pk, (0, None, None, None, None))
            row.claim_count, row.first_seen, row.last_seen = n, day(first), day(last)
            row.first_seen_precision, row.last_seen_precision = first_precision, last_precision
        return rows

    def visible_to(self, user):
        """Enterprises a user may see: those with evidence the user may see, or with none yet.
        An enterprise known only from restricted articles or drafts is hidden with them
        (for the public view, the stored `public_listed` says the same)."""
        if sees_everything(user):
            return self
        if sees_public_view(user):
            return self.filter(public_listed=True)
        return self.filter(known_through(_claims().filter(enterprise=OuterRef("pk")), user))

    def for_api(self, user):
        """Enterprises as the API lists them: the visible ones, with place, industry and
        parent joined, and claim_count, first_seen and last_seen computed from the claims
        the user may see (with_evidence). `visible_parent_id`/`_name` name the parent complex
        only if the user may see it."""
        # The parent complex, only if the user may see it (the one rule, visible_to): a
        # correlated lookup per listed row. Not a join: a join would stay in the paginator's
        # COUNT, which then reads the whole table instead of an index.
        parent = Enterprise.objects.visible_to(user).filter(pk=OuterRef("parent_id")).order_by()
        return (
            self.visible_to(user)
            .select_related("location", "industry", "parent")
            .with_evidence(user)
            .order_by("name", "id")
            .annotate(
                visible_parent_id=Subquery(parent.values("pk")[:1]),
                visible_parent_name=Subquery(parent.values("name")[:1]),
            )
        )

    def search(self, text):
        """Enterprises whose name, Hangul name or an alias contains the text, in any
        spelling that shares its name key ("Kim Chaek", "kimchaek", "김책": case, diacritics,
        apostrophes, hyphens, spaces, "&"; Hangul in the North's or the South's spelling), a place spelling the place tree knows
        ("Cheongjin Bag Factory") or a product's other spelling (names.SPELLINGS: "vinylon"), or the name of the place it lies in ("함흥": every
        enterprise in Hamhung). The admin's search box and autocomplete, the API's q= and the
        public list all use this, and the article and claim searches find an article by the
        enterprises so found (ArticleQuerySet.search, ClaimQuerySet.search)."""
        term = text.strip()
        if not term:
            return self
        match = Q(name__icontains=term) | Q(hangul__icontains=term)
        alias_match = Q(name__icontains=term)
        past_match = Q(value__icontains=term)
        for key in {v for k in place_variants(term) for v in spelling_variants(k)}:
            # Keys fold North and South Hangul alike (names.name_key), so 련합 finds 연합.
            match |= Q(name_key__contains=key) | Q(hangul_key__contains=key)
            alias_match |= Q(name_key__contains=key)
            past_match |= Q(name_key__contains=key)
        # A place's name in any spelling (함흥, Hamhung, Hamheung): the enterprises in it, as
        # place= finds them. One query (LocationName keys hold every spelling and Hangul).
        from .places import Location, LocationName

        key = name_key(term)
        if key:
            places = list(Location.objects.filter(pk__in=LocationName.objects.filter(key=key).values("location_id")).only("path"))
            for place in places:
                match |= Q(location__path__startswith=place.path)
        # A past name is an alias with a period (models/history.py): "Kangson Steel Works"
        # finds the Chollima Steel Complex a 1998 article means.
        past_names = _periods().filter(past_match, attribute="name").values("enterprise_id")
        return self.filter(match | Q(pk__in=EnterpriseAlias.objects.filter(alias_match).values("enterprise_id")) | Q(pk__in=past_names))


class Enterprise(models.Model):
    Kind = EnterpriseKind

    Integration = Integration

    name = models.CharField(_("name"), max_length=200, help_text=_("Canonical English name"))
    name_key = models.CharField(_("name key"), max_length=200, db_index=True, editable=False)
    hangul = models.CharField(_("hangul"), max_length=100, blank=True, help_text=_("As the state press writes it: 김책제철련합기업소"))
    # name_key of the Hangul name: folded North/South, without spaces (names.name_key).
    hangul_key = models.CharField(_("hangul key"), max_length=100, blank=True, default="", editable=False)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, default=Grade.UNKNOWN)
    tier = models.GeneratedField(
        verbose_name=_("tier"),
        expression=Case(
            *[When(grade__in=[str(g) for g in grades], then=Value(str(tier))) for tier, grades in TIER_GRADES.items()],
            default=Value(str(Tier.UNKNOWN)),
        ),
        output_field=models.CharField(max_length=10, choices=Tier.choices),
        db_persist=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    integration = models.CharField(
        _("integration"),
        max_length=12, choices=Integration.choices, blank=True, help_text=_("For complexes only")
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("The complex this enterprise is an affiliated unit of"),
    )
    location = models.ForeignKey(
        Location, verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        help_text=_("The lowest level known: an enterprise only known to be in a province sits on it"),
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    products = models.TextField(_("products"), blank=True)
    ministry = models.CharField(_("supervising ministry"), max_length=200, blank=True)
    notes = models.TextField(_("internal notes"), blank=True, help_text=_("Restricted: never public"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Two coders on one enterprise: the second save is refused, not merged (see locking.py).
    version = locking.version_field()
    # Stored, derived (registry/stored/evidence.py defines them, registry/stored/copies.py's triggers keep them): the
    # evidence anonymous readers see, and the first-level region. Not in the history: they
    # change with claims and articles, not with an edit of the enterprise.
    public_claim_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    public_first_seen = models.DateField(null=True, editable=False)
    public_first_seen_precision = models.CharField(max_length=5, choices=Precision.choices, null=True, editable=False)
    public_last_seen = models.DateField(null=True, editable=False)
    public_last_seen_precision = models.CharField(max_length=5, choices=Precision.choices, null=True, editable=False)
    # Known through public evidence, or with no evidence at all yet (visibility.known_through).
    public_listed = models.BooleanField(default=True, db_default=True, editable=False)
    region = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        help_text="The first-level place (province) the enterprise lies in",
    )

    history = HistoricalRecords(excluded_fields=[*STORED_EVIDENCE, "region"])
    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            choice_check("grade", Grade, "registry_enterprise_grade_valid"),
            choice_check("kind", EnterpriseKind, "registry_enterprise_kind_valid"),
            choice_check("integration", Integration, "registry_enterprise_integration_valid"),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="registry_enterprise_not_own_parent"
            ),
        ]
        indexes = [
            # Enterprise lists filtered by grade within a place.
            models.Index(fields=["grade", "location"], name="registry_ent_grade_loc"),
            # Lists by name (the admin's, the API's default): the first page is read from the
            # index and joined 50 rows at a time, where all 20,000 were joined with their
            # places and industries and sorted (the admin list's page: 192 ms -> 55 ms; the API's
            # 0.4 s -> 1 ms).
            models.Index(fields=["name", "id"], name="registry_ent_name"),
            # The public's COUNT reads this partial index alone.
            models.Index(fields=["id"], condition=Q(public_listed=True), name="registry_ent_public"),
            # The public's facets by grade and region, one GROUP BY (registry/vocabulary/facets.py), read from
            # this index alone: 3 ms where the table scan took 14 ms at 20,000 enterprises.
            models.Index(
                fields=["grade", "region"], include=["id"], condition=Q(public_listed=True), name="registry_ent_public_facets"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        # The public page; the admin's "View on site" on an enterprise links to it.
        from django.urls import reverse

        return reverse("enterprise", args=[self.pk])

    def save(self, *args, **kwargs):
        self.name_key = name_key(self.name)
        self.hangul_key = name_key(self.hangul)
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The stored evidence and region are the database's (registry/stored/copies.py): an edit
            # of an enterprise loaded before a claim changed must not write them back.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and not f.generated and f.name not in STORED
            ]
        # Its region, and its claims' dated copies of its grade, place, industry and parent,
        # follow by the database's triggers (registry/stored/copies.py).
        with locking.next_version(self):
            super().save(*args, **kwargs)

    def clean(self):
        if self.integration and self.kind not in (self.Kind.COMPLEX, self.Kind.GENERAL):
            raise ValidationError({"integration": "Only complexes and general enterprises have an integration."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "An enterprise cannot be its own parent."})


class EnterpriseAlias(models.Model):
    """Another name of an enterprise: other romanizations, Hangul, former names."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(_("name key"), max_length=200, db_index=True, editable=False)

    history = HistoricalRecords()
    objects = EnterpriseAliasQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise alias")
        verbose_name_plural = _("enterprise aliases")
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
