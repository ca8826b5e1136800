"""Facets, as Datasette shows them: beside a filtered list, how many of its rows have each
value of a field (`?facets=grade,region,year`). Each facet is a GROUP BY over the filtered
set, counted by the database (facets on the rows themselves together, while their values are
few); a facet that lives on the claims (activity, code, year…)
counts distinct enterprises or articles with such a claim — among the claims the user may
see that the list's claim filters select.
"""

from django.db.models import Count, F
from django.db.models.functions import ExtractYear

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry import vocabulary
from registry.method.codebook import Activity, Code, Grade, Tier
from registry.models import (
    Article, Claim, Disclosure, Enterprise, EnterpriseKind, Industry, Location, Source, SourceKind, Status,
)

# Each facet as a path from a claim.
CLAIM_PATHS = {
    "grade": "enterprise__grade",
    "tier": "enterprise__tier",
    "kind": "enterprise__kind",
    # The enterprise's stored first-level region (registry/stored/evidence.py): a join, not string work.
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


class FacetError(ValueError):
    """Facets asked for that this list does not have: `errors` as the API's 400 names them."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def available(model):
    names = set(OWN_PATHS.get(model, ())) | (set(CLAIM_PATHS) if model in CLAIM_LINK else set())
    return sorted(names)


def parse(model, text):
    """The facet names asked for (the vocabulary's list syntax), or a FacetError naming the ones
    that exist (the API answers it 400)."""
    known = available(model)
    field = vocabulary.ChoiceListField(known)
    try:
        return field.clean(text or "")
    except ValidationError as error:
        offer = "" if known else _("; this list has no facets")
        raise FacetError({"facets": [m + offer for m in error.messages]}) from None


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


def repeats_rows(queryset):
    """Could the query list a row more than once? Only through a join to many rows (a filter
    across a reverse or many-to-many relation, `claims__code=1`) or a GROUP BY of its own.
    The list's filters select through subqueries (`pk__in`, registry/vocabulary/filters.py) and its joins
    are forward foreign keys (select_related), so as a rule it cannot."""
    query = queryset.query
    if query.group_by is not None or query.combinator or query.distinct:
        return True
    for join in query.alias_map.values():
        field = getattr(join, "join_field", None)  # None: the base table
        if field is None:
            continue
        if getattr(field, "many_to_many", False) or getattr(field, "one_to_many", False):
            return True
        if not (getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False)):
            return True  # a relation this does not know: counted the guarded way
    return False


def _own_counts(model, queryset, wanted):
    """{facet: [(value, n), …]} for the facets read from the listed rows themselves, in one
    GROUP BY over every asked facet's value together (a few dozen groups; each facet's count
    is the sum over the others), straight over the filtered query when it repeats no row.
    Otherwise over `pk IN (the list's ids)`, each row once: that guard cost 40-46 ms a facet
    at 20,000 enterprises (a hash join of the table with the ids) where the grouping alone
    is a few ms."""
    if not wanted:
        return {}, None
    straight = not repeats_rows(queryset)
    rows = queryset if straight else model.objects.filter(pk__in=queryset.order_by().values("pk"))
    counts = {name: {} for name in wanted}
    for together in _together(wanted):
        values = {f"facet_{i}": _expression(name, OWN_PATHS[model][name]) for i, name in enumerate(together)}
        grouped = rows.order_by().annotate(**values).values(*values).annotate(n=Count("pk")).values_list(*values, "n")
        for row in grouped:
            n = row[-1]
            for name, value in zip(together, row):
                counts[name][value] = counts[name].get(value, 0) + n
    # Grouped straight over the list, every row is in one group of each facet: their sum is
    # how many rows the list has (the paginator's count, known without a COUNT).
    total = sum(counts[wanted[0]].values()) if straight else None
    return {name: list(found.items()) for name, found in counts.items()}, total


# About how many values a facet has (choices: exactly), and how many groups one GROUP BY of
# several facets may make before they are asked one at a time: eleven claim facets grouped
# together could return a row per claim.
VALUES_ABOUT = {"region": 15, "industry": 80, "source": 10, "year": 40}
GROUPS_AT_MOST = 2_000


def _together(names):
    """The facets in runs whose combined values stay under GROUPS_AT_MOST."""
    runs, run, size = [], [], 1
    for name in names:
        values = len(CHOICE_LABELS[name]) + 1 if name in CHOICE_LABELS else VALUES_ABOUT.get(name, GROUPS_AT_MOST)
        if run and size * values > GROUPS_AT_MOST:
            runs.append(run)
            run, size = [], 1
        run.append(name)
        size *= values
    return runs + [run] if run else runs


def compute(model, queryset, names, user, selection=None):
    """{facet: [{"value", "label", "count"}, …]} over the filtered queryset, most common first.
    A facet on the claims counts only the claims the list's claim filters (`selection`)
    select: enterprises filtered to investment claims are not counted by their production."""
    return compute_with_total(model, queryset, names, user, selection)[0]


def compute_with_total(model, queryset, names, user, selection=None):
    """compute(), and how many rows the queryset has when the facets told it (a facet on
    the rows themselves, grouped straight over them), else None."""
    ids = queryset.order_by().values("pk")
    own, total = _own_counts(model, queryset, [name for name in names if name in OWN_PATHS[model]])
    result = {}
    for name in names:
        if name in own:
            counts = own[name]
        else:
            link = CLAIM_LINK[model]
            claims = vocabulary.select_claims(Claim.objects.visible_to(user), selection or {})
            rows = claims.filter(**{f"{link}__in": ids})
            counts = (
                rows.order_by()
                .annotate(facet_value=_expression(name, CLAIM_PATHS[name]))
                .values("facet_value")
                .annotate(n=Count(link, distinct=True))
                .values_list("facet_value", "n")
            )
        labels = _labels(name)
        values = sorted(counts, key=lambda row: (-row[1], str(row[0])))
        result[name] = [
            {"value": value, "label": labels.get(value, str(value) if value is not None else "none"), "count": n}
            for value, n in values
        ]
    return result, total
