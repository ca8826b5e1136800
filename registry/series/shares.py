"""Shares (`per=all`): each value divided by the registry's own reporting volume.

The denominator of a period counts what the metric counts (articles for articles, stories for
stories, claims for claims, enterprises for enterprises: registry/method/rules.py,
"share-denominator") in the articles the user may see (drafts only for
those who see them in the counts too, visible_to) of the same sources (the `source` and
`source_kind` parameters; all sources if neither is given), with the same `status` filter,
dated in that period (dates too coarse for the interval are left out, as in the counts),
whatever they report: every other filter (activity, code, place, industry, grade, tier,
kind, enterprise) and the groups are dropped, so every group of a period shares one
denominator and a sector's share moves only when the sector moves, not when the paper
prints less. Articles with no claims count in the denominator. A period with no articles
has no share (null), nor does one nobody read (coverage).

    share = value / denominator, rounded to 4 decimals

What the public may see depends on the data alone, so its denominators are kept until the
public data version moves (registry/stored/dataversion.py; a draft saved keeps them): a shares
series then costs what the plain one does, plus one primary-key read.
"""

from django.db.models import Count, F, IntegerField, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractQuarter, ExtractYear

from registry.stored import dataversion
from registry.models import Article, Claim
from registry.series.params import date_window, straddles_possible
from registry.access.visibility import sees_public_view

_SUB = {
    "year": lambda: Value(0, output_field=IntegerField()),
    "quarter": lambda: ExtractQuarter("published"),
    "month": lambda: ExtractMonth("published"),
}


def denominators(query, keys, *, user, coarse, metric=None):
    """{period key: total of the metric} for `keys`. One counting query, or none when the
    public's are kept. `metric`: what is totalled (default the query's; "articles" for the
    articles a period holds, registry/series/coverage.py)."""
    metric = metric or query.metric
    if sees_public_view(user):
        totals = dataversion.remember(_public_key(query, coarse) + (metric,), lambda: _count(query, None, coarse, metric), public=True)
    else:
        totals = _count(query, user, coarse, metric)
    return {key: totals[key] for key in keys if key in totals}


def _public_key(query, coarse):
    """What the public's denominators depend on."""
    s = query.selection
    return (
        "shares",
        tuple(sorted(source.pk for source in s.get("sources") or ())),
        tuple(sorted(s.get("source_kinds") or ())),
        tuple(sorted(s.get("statuses") or ())),
        query.start, query.end, tuple(sorted(coarse or ())), query.interval,
    )


def _count(query, user, coarse, metric="articles"):
    """{period key: total of the metric} of every period in the range."""
    s = query.selection
    articles = Article.objects.visible_to(user)
    if s.get("sources"):
        articles = articles.filter(source__in=s["sources"])
    if s.get("source_kinds"):
        articles = articles.filter(source__kind__in=s["source_kinds"])
    if s.get("statuses"):
        articles = articles.filter(status__in=s["statuses"])
    # The series' own date rule (series_params.date_window): what it leaves out, this too.
    window, outside = date_window(query.start, query.end, "published", "precision", coarse)
    articles = articles.filter(window)
    if straddles_possible(query.start, query.end, coarse):
        articles = articles.exclude(outside)
    if metric in ("claims", "enterprises"):
        rows = (
            Claim.objects.visible_to(user).filter(article__in=articles).order_by()
            .values(year=ExtractYear("article__published"), sub=_SUB_OF["article__published"][query.interval]())
            .annotate(n=Count("id") if metric == "claims" else Count("enterprise", distinct=True))
        )
    else:
        total = Count(Coalesce("story_link__story_id", -F("id")), distinct=True) if metric == "stories" else Count("id")
        rows = articles.order_by().values(year=ExtractYear("published"), sub=_SUB[query.interval]()).annotate(n=total)
    return {(int(r["year"]), int(r["sub"])): r["n"] for r in rows}


_SUB_OF = {
    "article__published": {
        "year": lambda: Value(0, output_field=IntegerField()),
        "quarter": lambda: ExtractQuarter("article__published"),
        "month": lambda: ExtractMonth("article__published"),
    },
}


def divide(values, keys, totals):
    """The values as shares of each period's total (None where the value or total is none)."""
    return {
        group: [None if v is None or not totals.get(key) else round(v / totals[key], 4) for v, key in zip(row, keys)]
        for group, row in values.items()
    }


