"""Shares (`per=all`): each value divided by the registry's own reporting volume.

The denominator of a period is the number of articles the user may see (drafts only for
those who see them in the counts too, visible_to) of the same sources (the `source` and
`source_kind` parameters; all sources if neither is given), with the same `status` filter,
dated in that period (dates too coarse for the interval are left out, as in the counts),
whatever they report: every other filter (activity, code, place, industry, grade, tier,
kind, enterprise) and the groups are dropped, so every group of a period shares one
denominator and a sector's share moves only when the sector moves, not when the paper
prints less. Articles with no claims count in the denominator. A period with no articles
has no share (null), nor does one nobody read (coverage).

    share = value / denominator, rounded to 4 decimals
"""

from django.db.models import Count, IntegerField, Value
from django.db.models.functions import ExtractMonth, ExtractQuarter, ExtractYear

from .models import Article

_SUB = {
    "year": lambda: Value(0, output_field=IntegerField()),
    "quarter": lambda: ExtractQuarter("published"),
    "month": lambda: ExtractMonth("published"),
}


def denominators(query, keys, *, user, coarse):
    """{period key: articles} for `keys`. One query."""
    s = query.selection
    articles = Article.objects.visible_to(user)
    if s.get("sources"):
        articles = articles.filter(source__in=s["sources"])
    if s.get("source_kinds"):
        articles = articles.filter(source__kind__in=s["source_kinds"])
    if s.get("statuses"):
        articles = articles.filter(status__in=s["statuses"])
    if query.start:
        articles = articles.filter(published__gte=query.start)
    if query.end:
        articles = articles.filter(published__lte=query.end)
    if coarse:
        articles = articles.exclude(precision__in=coarse)
    rows = (
        articles.order_by().values(year=ExtractYear("published"), sub=_SUB[query.interval]())
        .annotate(n=Count("id"))
    )
    wanted = set(keys)
    return {key: n for key, n in (((int(r["year"]), int(r["sub"])), r["n"]) for r in rows) if key in wanted}


def divide(values, keys, totals):
    """The values as shares of each period's total (None where the value or total is none)."""
    return {
        group: [None if v is None or not totals.get(key) else round(v / totals[key], 4) for v, key in zip(row, keys)]
        for group, row in values.items()
    }


