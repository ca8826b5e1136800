"""Public pages: the comparison chart and an enterprise's page. Thin: the counting is
registry.series.timeseries, the drawing registry.series.charts."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Prefetch
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils import translation
from django.utils.translation import gettext as _, gettext_lazy

from registry.series import chart_panels, charts, labels as series_labels, timeseries
from registry.releases import provenance
from registry.method.codebook import ACTIVITY_GROUP_LABELS, Activity, Grade, Tier, activity_group_choices, short_label
from registry.models import Article, AttributePeriod, Claim, Enterprise, Industry, Location, Release, SourceKind
from registry.places.reference import hangul_stem
from registry.vocabulary.fields import split_values

from . import fielderrors
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
METRIC_LABELS = {
    "articles": gettext_lazy("articles"), "enterprises": gettext_lazy("enterprises"),
    "claims": gettext_lazy("claims"), "stories": gettext_lazy("stories"),
}
INTERVAL_LABELS = {"year": gettext_lazy("year"), "quarter": gettext_lazy("quarter"), "month": gettext_lazy("month")}
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
        # Read as the vocabulary reads a list (repeated, "a,b" or "a;b"), so the comma form
        # the page's own links use comes back ticked.
        state[name] = [value for part in split_values(params.getlist(name)) for value in part]
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
    errors, result, chart, links, table, panels, by_group = {}, None, "", {}, [], [], []
    try:
        query = timeseries.parse_params(params)
        result = timeseries.compute(query, user=request.user)
    except timeseries.ParameterError as exc:
        errors, result = exc.errors, None
    else:
        # The groups as a reader names them (Hangul in Korean); the data keeps its names.
        shown = _group_labels(result)
        if chart_panels.wanted(result):  # many series: one small panel each, shared axes
            panels = [(title, mark_safe(svg)) for title, svg in chart_panels.draw(result, names=shown)]
        else:
            chart = mark_safe(charts.line_chart(result, title=_title(result), names=shown, axis=str(METRIC_LABELS[query.metric])))
        api = reverse("timeseries") + "?" + urlencode(query.parameters())
        # Ready for Excel (the byte-order mark) and labelled in the page's language; the
        # columns' names stay the machine's.
        labels = "&labels=" + ("ko" if translation.get_language() == "ko" else "en")
        links = {
            "csv": api + "&format=csv&bom=1" + labels, "xlsx": api + "&format=xlsx" + labels, "json": api + "&format=json",
            "wide_csv": api + "&format=csv&bom=1&layout=wide" + labels, "wide_xlsx": api + "&format=xlsx&layout=wide" + labels,
        }
        flags = result.flags()
        table = [(period, [result.values[g][i] for g in result.groups], flags[i]) for i, period in enumerate(result.periods)]
        # Many groups: one row per group (the periods across), so the table is not clipped.
        by_group = [(shown[g], result.values[g]) for g in result.groups]
        state["regions"] = [place.slug for place in query.regions]
    slots = state["regions"] + [""] * max(1, 3 - len(state["regions"]))
    context = {
        "state": state,
        "slots": slots,
        "place_options": _place_options(request),
        "activity_groups": activity_group_choices(),
        "metrics": [(m, METRIC_LABELS.get(m, m)) for m in timeseries.SeriesQuestion.base_fields["metric"].allowed],
        "intervals": [(i, INTERVAL_LABELS.get(i, i)) for i in timeseries.SeriesQuestion.base_fields["interval"].allowed],
        "group_labels": [shown[g] for g in result.groups] if result else [],
        "interval_label": INTERVAL_LABELS[result.query.interval] if result else "",
        "metric_label": METRIC_LABELS[result.query.metric] if result else "",
        "coverage_note": _coverage_note(result) if result else "",
        "left_out_text": _left_out_text(result, _group_labels(result)) if result else "",
        "codes": ["1", "2", "3", "4", "5"],
        "group_by_choices": GROUP_BY_CHOICES,
        "errors": fielderrors.labelled(errors),
        "invalid": list(errors),
        "result": result,
        "chart": chart,
        "panels": panels,
        "by_group": by_group if panels else [],
        "band_legend": chart_panels.band_legend(result) if panels else [],
        "industries": [(i.slug, series_labels.local_name(i)) for i in Industry.objects.visible_to(request.user).filter(parent=None).order_by("name")],
        "grades": Grade.choices,
        "source_kinds": SourceKind.choices,
        "table": table,
        "links": links,
        "title": _title(result) if result else _("Compare"),
        # Which data the numbers are: the live data's last change and counts, and the codebook.
        "data_version": _data_version(request.user) if result else None,
    }
    return render(request, "pages/compare.html", context, status=400 if errors else 200)


def _ancestors(place):
    """A place's ancestors, outermost first: the parent already joined for most places (a
    city's or county's), one query only for a place deeper than that."""
    if place is None or place.level == 1:
        return []
    return [place.parent] if place.level == 2 else place.ancestors()


def _data_version(user):
    stamp = provenance.live(user)
    return {"stamp": stamp, "text": _version_text(stamp)}


def _version_text(stamp):
    """provenance.text in the page's language (the API's header keeps the English)."""
    if stamp["source"] == "release":
        return _("release %(name)s (SHA-256 %(checksum)s)") % {"name": stamp["release"], "checksum": stamp["checksum"]}
    counts = stamp["counts"]
    return _("live data, last change %(when)s; %(articles)s articles, %(enterprises)s enterprises, %(claims)s claims") % {
        "when": stamp["last_change"] or _("none recorded"), **counts}


def _left_out_text(result, shown):
    counts = ", ".join(f"{shown.get(group, group)} {n}" for group, n in result.left_out.items())
    return _("left out (articles dated less precisely than a %(interval)s): %(counts)s") % {
        "interval": INTERVAL_LABELS[result.query.interval], "counts": counts or _("none")}


def _group_labels(result):
    """{group: what a reader of the page's language calls it}."""
    language = translation.get_language()
    return {d["group"]: series_labels.label(d, language) for d in series_labels.names(result)}


def _coverage_note(result):
    if result.coverage is None:
        return _("No coverage recorded for these sources: a 0 may mean a period nobody has read.")
    return _("Coverage recorded for the sources in scope; a period nobody has read has no value (not 0).")


def _activity_label(name):
    if name in ACTIVITY_GROUP_LABELS:
        return str(ACTIVITY_GROUP_LABELS[name])
    return short_label(Activity(name).label) if name in Activity.values else name


def _title(result):
    q = result.query
    what = _(" or ").join(_activity_label(a) for a in q.activities) if q.activities else _("any activity")
    shown = _group_labels(result)
    if q.bands:
        codes = _("by code band")
    else:
        codes = _("codes 1–%(max)s") % {"max": q.max_code} if q.max_code else _("all codes")
    vs = _(" vs ")
    groups = vs.join(shown[g] for g in result.groups if "≤" not in g) or vs.join(
        dict.fromkeys(shown[g].rsplit(" ≤", 1)[0] for g in result.groups)
    )
    if chart_panels.wanted(result):
        every = {"region": _("every province"), "industry": _("every industry"), "grade": _("every grade"), "tier": _("every tier")}
        groups = every.get(q.group_by) or _("%(count)s places") % {"count": len(q.regions)}
    return _("%(metric)s on %(what)s per %(interval)s, %(groups)s, %(codes)s") % {
        "metric": str(METRIC_LABELS[q.metric]).capitalize(), "what": what, "interval": INTERVAL_LABELS[q.interval],
        "groups": groups, "codes": codes}


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
        "tier_label": short_label(Tier(enterprise.tier).label) if enterprise.tier in Tier.values else enterprise.tier,
        "cite": {
            "url": request.build_absolute_uri(enterprise.get_absolute_url()),
            "accessed": datetime.date.today(),
            "release": Release.objects.order_by("-created_at", "-id").first(),
        },
    })
