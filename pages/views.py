"""Public pages: the comparison chart and an enterprise's page. Thin: the counting is
registry.timeseries, the drawing registry.charts."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _, gettext_lazy

from registry import chart_panels, charts, provenance, timeseries
from registry.codebook import ACTIVITY_GROUPS, Grade
from registry.models import Article, AttributePeriod, Claim, Enterprise, Industry, Location, Release, SourceKind
from registry.reference import hangul_stem

from .throttling import throttled, without_parameters

# The comparison the method exists for: Pyongyang against Chongjin, articles on production
# or investment per year, codes 1–3, over the years the data covers.
COMPARE_DEFAULTS = {
    "regions": ["pyongyang", "chongjin"],
    "activity": ["production", "investment"],
    "metric": "articles",
    "interval": "year",
    "max_code": "3",
}
GROUP_BY_CHOICES = [
    ("", gettext_lazy("the places chosen")), ("region", gettext_lazy("every province")), ("industry", gettext_lazy("industry")),
    ("grade", gettext_lazy("grade")), ("tier", gettext_lazy("tier")),
]


def _question(request):
    """The parameters: what the visitor sent (the series' own, read by the series' form), or
    the defaults on a first visit."""
    if not request.GET:
        return QueryDict(urlencode(COMPARE_DEFAULTS, doseq=True))
    params = request.GET.copy()
    if params.get("group_by", "").strip():
        params.pop("regions", None)  # the page's place slots stay filled; grouping replaces them
    return params


def _form_state(params):
    state = {key: params.get(key, "").strip() for key in timeseries.SeriesQuestion.base_fields}
    state["regions"] = [v for v in params.getlist("regions") if v.strip()]
    for name in ("activity", "code", "source_kind", "grade", "industry"):
        state[name] = [v for v in params.getlist(name) if v.strip()]
    return state


def _place_options(request):
    """Provinces and special cities, each followed by its cities, counties and districts."""
    groups = {}
    for place in Location.objects.visible_to(request.user).filter(level__lte=2).order_by("path"):
        region = place.path.strip("/").split("/")[0]
        groups.setdefault(region, []).append(place)
    ordered = sorted(groups.values(), key=lambda places: (places[0].iso_code or "~", places[0].name))
    return [
        (_both_scripts(places[0]), [(p.slug, _both_scripts(p) if p.level == 1 else f"{_both_scripts(p)}, {places[0].name}") for p in places])
        for places in ordered
    ]


def _both_scripts(place):
    """"Chongjin 청진", "North Hamgyong 함경북도": the name a reader of the Korean press knows
    beside the romanized one (a province keeps its 도, which is part of how it is named)."""
    if not place.hangul:
        return place.name
    hangul = place.hangul if place.hangul.endswith("도") else hangul_stem(place.hangul)
    return f"{place.name} {hangul}"


@throttled
def compare(request):
    params = _question(request)
    state = _form_state(params)
    error, result, chart, links, table, panels, by_group = "", None, "", {}, [], [], []
    try:
        query = timeseries.parse_params(params)
        result = timeseries.compute(query, user=request.user)
    except timeseries.ParameterError as exc:
        error, result = str(exc), None
    else:
        if chart_panels.wanted(result):  # many series: one small panel each, shared axes
            panels = [(title, mark_safe(svg)) for title, svg in chart_panels.draw(result)]
        else:
            chart = mark_safe(charts.line_chart(result, title=_title(result)))
        api = reverse("timeseries") + "?" + urlencode(query.parameters())
        links = {"csv": api + "&format=csv", "xlsx": api + "&format=xlsx", "json": api + "&format=json"}
        table = [(period, [result.values[g][i] for g in result.groups]) for i, period in enumerate(result.periods)]
        # Many groups: one row per group (the periods across), so the table is not clipped.
        by_group = [(g, result.values[g]) for g in result.groups]
        state["regions"] = [place.slug for place in query.regions]
    slots = state["regions"] + [""] * max(1, 3 - len(state["regions"]))
    context = {
        "state": state,
        "slots": slots,
        "place_options": _place_options(request),
        "activity_groups": list(ACTIVITY_GROUPS),
        "metrics": timeseries.SeriesQuestion.base_fields["metric"].allowed,
        "intervals": timeseries.SeriesQuestion.base_fields["interval"].allowed,
        "codes": ["1", "2", "3", "4", "5"],
        "group_by_choices": GROUP_BY_CHOICES,
        "error": error,
        "result": result,
        "chart": chart,
        "panels": panels,
        "by_group": by_group if panels else [],
        "band_legend": chart_panels.band_legend(result) if panels else [],
        "industries": Industry.objects.visible_to(request.user).filter(parent=None).order_by("name"),
        "grades": Grade.choices,
        "source_kinds": SourceKind.choices,
        "table": table,
        "links": links,
        "title": _title(result) if result else _("Compare"),
        # Which data the numbers are: the live data's last change and counts, and the codebook.
        "data_version": _data_version(request.user) if result else None,
    }
    return render(request, "pages/compare.html", context, status=400 if error else 200)


def _ancestors(place):
    """A place's ancestors, outermost first: the parent already joined for most places (a
    city's or county's), one query only for a place deeper than that."""
    if place is None or place.level == 1:
        return []
    return [place.parent] if place.level == 2 else place.ancestors()


def _data_version(user):
    stamp = provenance.live(user)
    return {"stamp": stamp, "text": provenance.text(stamp)}


def _title(result):
    q = result.query
    what = _(" or ").join(q.activities) if q.activities else _("any activity")
    if q.bands:
        codes = _("by code band")
    else:
        codes = _("codes 1–%(max)s") % {"max": q.max_code} if q.max_code else _("all codes")
    vs = _(" vs ")
    groups = vs.join(g for g in result.groups if "≤" not in g) or vs.join(
        dict.fromkeys(g.rsplit(" ≤", 1)[0] for g in result.groups)
    )
    if chart_panels.wanted(result):
        every = {"region": _("every province"), "industry": _("every industry"), "grade": _("every grade"), "tier": _("every tier")}
        groups = every.get(q.group_by) or _("%(count)s places") % {"count": len(q.regions)}
    return _("%(metric)s on %(what)s per %(interval)s, %(groups)s, %(codes)s") % {
        "metric": q.metric.capitalize(), "what": what, "interval": q.interval, "groups": groups, "codes": codes}


@throttled
@without_parameters
def enterprise(request, pk):
    # One that exists only in material the visitor may not see is the same 404 as a missing id.
    visible = Enterprise.objects.visible_to(request.user)
    enterprise = get_object_or_404(visible.select_related("location__parent", "industry__parent"), pk=pk)
    enterprise.visible_parent = visible.filter(pk=enterprise.parent_id).first() if enterprise.parent_id else None
    # Units known only from material the visitor may not see are left out, as everywhere.
    units = visible.filter(parent=enterprise).order_by("name", "id")
    claims = Claim.objects.visible_to(request.user).filter(enterprise=enterprise)
    counts = (
        claims.order_by()
        .values("code", year=ExtractYear("article__published"))
        .annotate(n=Count("id"))
    )
    strip = charts.timeline_strip([(int(c["year"]), c["code"], c["n"]) for c in counts])
    articles = (
        # Through the visible claims: an article the visitor is second-coding blind is not evidence to them.
        Article.objects.visible_to(request.user)
        .filter(pk__in=claims.values("article_id"))
        .select_related("source")
        .prefetch_related(
            Prefetch("claims", queryset=claims.order_by("code", "activity"), to_attr="these_claims")
        )
        .order_by("published", "id")
    )
    articles = list(articles)
    # Its attributes in time, resting on evidence the visitor may see; beside each article,
    # the name the enterprise had on its date when that differs from today's.
    history = list(AttributePeriod.objects.for_api(request.user).filter(enterprise=enterprise).select_related("article__source"))
    names = [p for p in history if p.attribute == AttributePeriod.Attribute.NAME]
    for article in articles:
        then = next((p.value for p in names if p.covers(article.published)), None)
        article.name_then = then if then and then != enterprise.name else None
    # A door back to the record for those who may edit it (the admin links here too).
    admin_url = reverse("admin:registry_enterprise_change", args=[enterprise.pk]) if request.user.has_perm("registry.change_enterprise") else ""
    return render(request, "pages/enterprise.html", {
        "enterprise": enterprise,
        "strip": mark_safe(strip),
        "articles": articles,
        "last_article": articles[-1] if articles else None,
        "admin_url": admin_url,
        "units": units,
        "history": history,
        "ancestors": _ancestors(enterprise.location),
        "cite": {
            "url": request.build_absolute_uri(enterprise.get_absolute_url()),
            "accessed": datetime.date.today(),
            "release": Release.objects.order_by("-created_at", "-id").first(),
        },
    })
