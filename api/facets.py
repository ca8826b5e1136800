"""Facets, as Datasette shows them: beside a filtered list, how many of its rows have each
value of a field (`?facets=grade,region,year`). Each facet is one GROUP BY over the filtered
set, counted by the database; a facet that lives on the claims (activity, code, year…)
counts distinct enterprises or articles with such a claim — among the claims the user may
see that the list's claim filters select.
"""

from django.db.models import Count, F
from django.db.models.functions import ExtractYear

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from api.errors import BadQuery
from registry import vocabulary
from registry.codebook import Activity, Code, Grade, Tier
from registry.models import (
    Article, Claim, Disclosure, Enterprise, EnterpriseKind, Industry, Location, Source, SourceKind, Status,
)

# Each facet as a path from a claim.
CLAIM_PATHS = {
    "grade": "enterprise__grade",
    "tier": "enterprise__tier",
    "kind": "enterprise__kind",
    # The enterprise's stored first-level region (registry/evidence.py): a join, not string work.
    "region": "enterprise__region__slug",
    "industry": "enterprise__industry__slug",
    "activity": "activity",
    "code": "code",
    "year": "article__published",
    "source": "article__source__short_name",
    "source_kind": "article__source__kind",
    "status": "article__status",
}
# Facets read from the listed rows themselves rather than through their claims.
OWN_PATHS = {
    Enterprise: {"grade": "grade", "tier": "tier", "kind": "kind", "region": "region__slug", "industry": "industry__slug"},
    Article: {
        "source": "source__short_name", "source_kind": "source__kind", "status": "status",
        "disclosure": "disclosure", "year": "published",
    },
    Claim: CLAIM_PATHS,
}
# How a claim points at a listed row.
CLAIM_LINK = {Enterprise: "enterprise", Article: "article"}

CHOICE_LABELS = {
    "grade": dict(Grade.choices),
    "tier": dict(Tier.choices),
    "kind": dict(EnterpriseKind.choices),
    "activity": dict(Activity.choices),
    "code": dict(Code.choices),
    "source_kind": dict(SourceKind.choices),
    "status": dict(Status.choices),
    "disclosure": dict(Disclosure.choices),
}


def available(model):
    names = set(OWN_PATHS.get(model, ())) | (set(CLAIM_PATHS) if model in CLAIM_LINK else set())
    return sorted(names)


def parse(model, text):
    """The facet names asked for (the vocabulary's list syntax), or a 400 naming the ones
    that exist."""
    known = available(model)
    field = vocabulary.ChoiceListField(known)
    try:
        return field.clean(text or "")
    except ValidationError as error:
        offer = "" if known else _("; this list has no facets")
        raise BadQuery({"facets": [m + offer for m in error.messages]}) from None


def _expression(name, path):
    if name == "year":
        return ExtractYear(path)
    return F(path)


def _labels(name):
    if name in CHOICE_LABELS:
        return CHOICE_LABELS[name]
    if name == "region":
        return dict(Location.objects.filter(level=1).values_list("slug", "name"))
    if name == "industry":
        return {i.slug: str(i) for i in Industry.objects.select_related("parent")}
    if name == "source":
        return dict(Source.objects.values_list("short_name", "name"))
    return {}


def compute(model, queryset, names, user, selection=None):
    """{facet: [{"value", "label", "count"}, …]} over the filtered queryset, most common first.
    A facet on the claims counts only the claims the list's claim filters (`selection`)
    select: enterprises filtered to investment claims are not counted by their production."""
    ids = queryset.order_by().values("pk")
    result = {}
    for name in names:
        if name in OWN_PATHS[model]:
            rows, path, counted = model.objects.filter(pk__in=ids), OWN_PATHS[model][name], "pk"
        else:
            link = CLAIM_LINK[model]
            claims = vocabulary.select_claims(Claim.objects.visible_to(user), selection or {})
            rows = claims.filter(**{f"{link}__in": ids})
            path, counted = CLAIM_PATHS[name], link
        counts = (
            rows.order_by()
            .annotate(facet_value=_expression(name, path))
            .values("facet_value")
            .annotate(n=Count(counted, distinct=True))
            .values_list("facet_value", "n")
        )
        labels = _labels(name)
        values = sorted(counts, key=lambda row: (-row[1], str(row[0])))
        result[name] = [
            {"value": value, "label": labels.get(value, str(value) if value is not None else "none"), "count": n}
            for value, n in values
        ]
    return result
