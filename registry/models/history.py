"""An enterprise's attributes in time: what its name, grade, place, parent complex, industry
and kind were between two dates, and the evidence for it.

The enterprise's own fields hold the value valid today. A period says what held before (or
since), so that a claim is counted under what its enterprise was on the claim's date
(Lee Seogki's method reads grade, place and affiliation at the time of the report):

- an attribute with no period at all has its plain field's value on every date;
- an attribute with periods has, on each date, the value of the period covering it, and on a
  date no period covers, no value ("unknown": a gap is not the current value);
- periods of one attribute of one enterprise never overlap (services.history_save refuses it,
  naming both periods).

The claims' stored copies of these values (registry/stored/copies.py) are kept by database
triggers on this table, the enterprises, the articles and the places.
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, CharField, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.method.codebook import EnterpriseKind, Grade, Precision, choice_check
from registry.method.dates import partial_date_label
from registry.access.visibility import inside_places, sees_everything, visible_articles
from .enterprises import Enterprise
from .industries import Industry
from .places import Location


class Attribute(models.TextChoices):
    NAME = "name", _("name")
    GRADE = "grade", _("grade")
    PLACE = "place", _("place")
    PARENT = "parent", _("parent complex")
    INDUSTRY = "industry", _("industry")
    KIND = "kind", _("kind")


# Where each attribute's value is held: a text for name, grade and kind, a reference for
# the others; and the enterprise field holding today's value.
VALUE_COLUMN = {
    Attribute.NAME: "value", Attribute.GRADE: "value", Attribute.KIND: "value",
    Attribute.PLACE: "location", Attribute.PARENT: "parent", Attribute.INDUSTRY: "industry",
}
PLAIN_FIELD = {
    Attribute.NAME: "name", Attribute.GRADE: "grade", Attribute.KIND: "kind",
    Attribute.PLACE: "location", Attribute.PARENT: "parent", Attribute.INDUSTRY: "industry",
}


class AttributePeriodQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Periods a user may see: those of enterprises the user may see, whose evidence is
        an article the user may see or a free-text source (a period resting on a
        restricted article or a draft is shown only to those who may see that article)."""
        if sees_everything(user):
            return self
        articles = self.model._meta.get_field("article").related_model.objects.filter(visible_articles(user))
        return self.filter(enterprise__in=Enterprise.objects.visible_to(user).values("pk")).filter(
            Q(article__isnull=True) | Q(article__in=articles.values("pk"))
        )

    def for_api(self, user):
        """Periods as the API's enterprise detail lists them (`history`): the visible ones
        (visible_to), their place, industry and evidence article joined; a parent period
        only where the user may see the parent complex (one they may not see does not exist
        for them, as everywhere), oldest first by attribute."""
        visible = self.visible_to(user)
        if not sees_everything(user):
            visible = visible.filter(Q(parent__isnull=True) | Q(parent__in=Enterprise.objects.visible_to(user).values("pk")))
        return visible.select_related("location__parent", "industry", "parent").order_by("attribute", "valid_from", "pk")

    def covering(self, day):
        """Periods valid on `day` (a date): open ends count as covering."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class AttributePeriod(models.Model):
    """One attribute of one enterprise between two dates (either end open)."""

    Attribute = Attribute

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="periods")
    attribute = models.CharField(_("attribute"), max_length=10, choices=Attribute.choices)
    # The value, in the column of its attribute (VALUE_COLUMN); the others stay empty.
    value = models.CharField(_("value"), max_length=200, blank=True, help_text=_("A name, a grade or a kind"))
    # name_key of a past name: found by search, the autocomplete and the duplicate guard.
    name_key = models.CharField(max_length=200, blank=True, default="", editable=False, db_index=True)
    location = models.ForeignKey(Location, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(Enterprise, verbose_name=_("parent complex"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # First and last day covered (a partial date "2005-06" starts on 1 June and, as an end,
    # ends on 30 June); null: open. The precisions say how the coder wrote them.
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_from_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True, default="")
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    valid_to_precision = models.CharField(max_length=5, choices=Precision.choices, blank=True, default="")
    # The evidence: an article of the registry, or a free-text source (a yearbook, a report).
    # A string: articles.py reads Attributes from this module.
    article = models.ForeignKey("registry.Article", verbose_name=_("article"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=500, blank=True, help_text=_("A yearbook, a report… when the evidence is not an article of the registry"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()
    objects = AttributePeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribute period")
        verbose_name_plural = _("attribute periods")
        ordering = ["enterprise", "attribute", "valid_from"]
        constraints = [
            choice_check("attribute", Attribute, "registry_attributeperiod_attribute_valid"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=models.F("valid_to")),
                name="registry_attributeperiod_from_before_to",
            ),
            # The value sits in its attribute's column.
            models.CheckConstraint(
                condition=(
                    (Q(attribute="name") & ~Q(value=""))
                    | (Q(attribute="grade") & Q(value__in=Grade.values))
                    | (Q(attribute="kind") & Q(value__in=EnterpriseKind.values))
                    | (Q(attribute="place") & Q(location__isnull=False))
                    | Q(attribute__in=["parent", "industry"])  # null: none (an independent unit)
                ),
                name="registry_attributeperiod_value_fits",
            ),
        ]
        indexes = [
            # The triggers' lookup (registry/stored/copies.py): an enterprise's periods of one
            # attribute covering a claim's date.
            models.Index(fields=["enterprise", "attribute", "valid_from"], name="registry_period_lookup"),
        ]

    def __str__(self):
        return f"{self.enterprise}: {self.attribute} = {self.value_label()} ({self.period_label()})"

    def value_label(self):
        column = VALUE_COLUMN[self.attribute]
        if column == "value":
            return self.get_value_display_text()
        target = getattr(self, column)
        return str(target) if target is not None else "—"

    def get_value_display_text(self):
        choices = {Attribute.GRADE: Grade, Attribute.KIND: EnterpriseKind}.get(self.attribute)
        if choices is not None and self.value in choices.values:
            return str(choices(self.value).label)
        return self.value

    def covers(self, day):
        """Is `day` (a date) inside the period? Open ends cover everything on their side."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def period_label(self):
        start = partial_date_label(self.valid_from, self.valid_from_precision) if self.valid_from else "…"
        end = partial_date_label(self.valid_to, self.valid_to_precision) if self.valid_to else "…"
        return f"{start} – {end}"


# Where each claim column of copies.DATED reads its value (registry/stored/copies.py keeps the copies;
# dated_value states the same with the ORM): (attribute, period field, enterprise field).
DATED_FIELDS = {
    "enterprise_place": (Attribute.PLACE, "location", "location"),
    "enterprise_grade": (Attribute.GRADE, "value", "grade"),
    "enterprise_industry": (Attribute.INDUSTRY, "industry", "industry"),
    "enterprise_parent": (Attribute.PARENT, "parent", "parent"),
}


def dated_value(column, enterprise, day):
    """What an enterprise (an expression, e.g. OuterRef("enterprise_id")) was on `day` (a
    date or an expression), for one claim column of DATED_FIELDS: the period covering the
    day; unknown if the attribute has periods and none covers it (a gap is not the current
    value); else the enterprise's own field."""
    attribute, period_field, plain = DATED_FIELDS[column]
    output = CharField() if attribute == Attribute.GRADE else IntegerField()
    periods = AttributePeriod.objects.filter(enterprise=enterprise, attribute=attribute)
    unknown = Value(Grade.UNKNOWN.value, output_field=output) if attribute == Attribute.GRADE else Value(None, output_field=output)
    return Coalesce(
        Subquery(periods.covering(day).order_by("valid_from").values(period_field)[:1], output_field=output),
        Case(When(Exists(periods), then=unknown), default=Subquery(Enterprise.objects.filter(pk=enterprise).values(plain)[:1]), output_field=output),
        output_field=output,
    )


@dataclass(frozen=True)
class Attributes:
    """Where a count reads what a claim's enterprise was: its grade, place (an id), region,
    industry and parent. DATED: on the claim's date, the claims' stored copies (the rule of
    the method); TODAY: the enterprise's fields now (as_of=today); on_day(d): on one day."""

    grade: str
    place: str
    region: str | None
    industry: str
    parent: str
    annotations: dict = field(default_factory=dict, compare=False)
    rule: str = "claim-date"

    def prepare(self, claims):
        """The claims with what this reading needs annotated (once)."""
        missing = {name: value for name, value in self.annotations.items() if name not in claims.query.annotations}
        return claims.annotate(**missing) if missing else claims

    def place_in(self, places):
        """Q: the enterprise was in one of `places` or anywhere inside one."""
        inside = Location.objects.filter(inside_places(places)).values("pk")
        return Q(**{f"{self.place}__in": inside})

    def region_is(self, region):
        """Q: the enterprise was in this first-level place."""
        if self.region is None:
            return self.place_in([region])
        return Q(**{self.region: region.pk})

    def regions_in(self, regions):
        if self.region is None:
            return self.place_in(regions)
        return Q(**{f"{self.region}__in": [r.pk for r in regions]})

    def grade_in(self, grades):
        return Q(**{f"{self.grade}__in": [str(g) for g in grades]})

    def industry_in(self, industries):
        """Q: one of `industries` or a sub-industry of one (the taxonomy has two levels)."""
        ids = [i.pk for i in industries]
        return Q(**{f"{self.industry}__in": Industry.objects.filter(Q(pk__in=ids) | Q(parent__in=ids)).values("pk")})

    def parent_in(self, parents):
        """Q: the enterprise was a unit of one of these complexes (ids)."""
        return Q(**{f"{self.parent}__in": list(parents)})

    def place_path(self):
        """Expression: the path of the place the enterprise was in (the map's units): a join
        for a stored reference, a subquery for an annotated id (as_of)."""
        if self.place in self.annotations:
            return Subquery(Location.objects.filter(pk=OuterRef(self.place)).values("path")[:1])
        return F(f"{self.place}__path")

    def describe(self):
        """The rule in words, for every answer (`attributes` in JSON, a CSV comment, /compare/)."""
        if self.rule == "claim-date":
            return "each claim counted under what its enterprise was on the claim's date"
        return f"every claim counted under what its enterprise was on {self.rule}"



DATED = Attributes("enterprise_grade", "enterprise_place", "enterprise_region", "enterprise_industry", "enterprise_parent")
TODAY = Attributes(
    "enterprise__grade", "enterprise__location", "enterprise__region", "enterprise__industry", "enterprise__parent",
    rule="today",
)


def attributes(as_of=None):
    """The reading for a question: DATED, or the values valid on `as_of` (a date; today's
    are the enterprises' own fields)."""
    if as_of is None:
        return DATED
    if as_of == datetime.date.today():
        return Attributes(*(getattr(TODAY, f) for f in ("grade", "place", "region", "industry", "parent")), rule=as_of.isoformat())
    names = {column: f"as_of_{column.removeprefix('enterprise_')}" for column in DATED_FIELDS}
    return Attributes(
        names["enterprise_grade"], names["enterprise_place"], None, names["enterprise_industry"], names["enterprise_parent"],
        annotations={name: dated_value(column, OuterRef("enterprise_id"), as_of) for column, name in names.items()},
        rule=as_of.isoformat(),
    )
