"""The map page: a measure per county, city and district for one period, or two side by
side, as SVG, a table and CSV. Thin: counting and drawing are registry/series/maps.py, the
parameters the query vocabulary's."""

import csv
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from registry.method import codebook
from registry.series import maps, labels as series_labels
from registry import vocabulary
from registry.models import Location
from infra.csvsafe import inert_row

from . import fielderrors
from .throttling import throttled

MEASURE_LABELS = {"enterprises": _("enterprises"), "articles": _("articles"), "claims": _("claims"), "stories": _("stories")}


class MapQuestion(vocabulary.Question):
    measure = vocabulary.OneOfField(maps.MEASURES, default="enterprises", help_text="What is counted.")
    activity = vocabulary.parameter("activity")
    max_code = vocabulary.parameter("max_code")
    start = vocabulary.parameter("start")
    end = vocabulary.parameter("end")
    # The second period, side by side: the same question over other years.
    start2 = vocabulary.parameter("start", claim=None)
    end2 = vocabulary.parameter("end", claim=None)
    as_of = vocabulary.parameter("as_of")


def _period(start, end, text):
    return f"{text.get('start', '…')}–{text.get('end', '…')}" if (start or end) else str(_("all years"))


def _column(measure, start, end, text, second=""):
    """A period's CSV column, the same in every language: "enterprises_all",
    "enterprises_2015_2018", "enterprises_2015_" (open end)."""
    if not (start or end):
        return f"{measure}_all"
    return f"{measure}_{text.get('start' + second, '')}_{text.get('end' + second, '')}"


@throttled
def map_page(request):
    form = MapQuestion(request.GET, also=("format", "bom"))
    fmt = request.GET.get("format", "")
    if not form.is_valid() or form.problems() or fmt not in ("", "csv"):
        problems = form.problems() if not fmt or fmt == "csv" else {"format": [_("use csv, or leave it out")]}
        # The form again, as given, the errors above it in the fields' own words.
        return render(request, "pages/map.html", {
            "title": _("Map"), "errors": fielderrors.labelled(problems), "invalid": list(problems),
            "state": {k: request.GET.get(k, "") for k in MapQuestion.base_fields}, "measures": list(MEASURE_LABELS.items()),
            "activity_groups": codebook.activity_group_choices(), "codes": [1, 2, 3, 4, 5], "measure_label": _("enterprises"),
        }, status=400)
    data, text = form.cleaned_data, form.as_text()
    measure, selection = data["measure"], form.claim_selection()
    places = maps.units(request.user)
    periods = [(_period(data["start"], data["end"], text), maps.counts(user=request.user, measure=measure, selection=selection, places=places, as_of=data["as_of"]))]
    if data["start2"] or data["end2"]:
        second = {**{k: v for k, v in selection.items() if k not in ("start", "end")}, "start": data["start2"], "end": data["end2"]}
        label = f"{text.get('start2', '…')}–{text.get('end2', '…')}"
        periods.append((label, maps.counts(user=request.user, measure=measure, selection=second, places=places, as_of=data["as_of"])))
    paths = {place.path for _slug, place in places}
    rows = [
        (place, [values.get(place.path, 0) for _label, values in periods])
        for _slug, place in places
    ]
    rows.sort(key=lambda row: (-row[1][0], row[0].path))
    if fmt == "csv":
        columns = [_column(measure, data["start"], data["end"], text)]
        if len(periods) > 1:
            columns.append(_column(measure, data["start2"], data["end2"], text, "2"))
        return _csv(rows, columns, measure, bom=request.GET.get("bom") == "1")
    bounds = maps.breaks([v for _place, vs in rows for v in vs])
    measure_label = MEASURE_LABELS[measure]
    drawn = [
        (label, mark_safe(maps.draw(
            values, places, bounds=bounds, label=f"{measure_label}, {label}", measure_label=measure_label,
            place_url=lambda slug: reverse("place", args=[slug]),
        )))
        for label, values in periods
    ]
    # Counted on a province (or Pyongyang) as a whole: in no unit of the map.
    elsewhere = sorted(
        {(path, n) for _label, values in periods for path, n in values.items() if path not in paths and n}
    )
    # Named as the reader names them (Hangul in Korean), not by their paths.
    # The provinces are the units' parents, already read; a query only for another place.
    known = {p.path: p for _slug, unit in places for p in (unit, unit.parent) if p is not None}
    missing = [path for path, _n in elsewhere if path not in known]
    if missing:
        known.update({p.path: p for p in Location.objects.filter(path__in=missing)})
    named = {path: series_labels.local_name(p) for path, p in known.items()}
    elsewhere = [(named.get(path, path.strip("/")), n) for path, n in elsewhere]
    query = urlencode({k: v for k, v in text.items()})
    return render(request, "pages/map.html", {
        "title": _("Map"),
        "maps": drawn,
        "rows": rows,
        "periods": [label for label, _values in periods],
        "legend": list(zip(maps.SHADES, [0, *bounds[:-1]], bounds)),
        "empty": maps.EMPTY,
        "elsewhere": elsewhere,
        "measure_label": measure_label,
        "state": {**text, "measure": measure},
        "measures": list(MEASURE_LABELS.items()),
        "activity_groups": codebook.activity_group_choices(),
        "codes": [1, 2, 3, 4, 5],
        "csv_url": reverse("map") + "?" + (query + "&" if query else "") + "format=csv&bom=1",
        "attribution": maps.shapes()["attribution"],
    })


def _csv(rows, columns, measure, *, bom=False):
    """The map's table; its header is the same in every language (machine names)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="map-{measure}.csv"'
    if bom:
        response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(["slug", "name", "hangul", "parent", "parent_hangul", *columns])
    for place, values in rows:
        parent = place.parent if place.parent_id else None
        writer.writerow(inert_row([place.slug, place.name, place.hangul, parent.name if parent else "", parent.hangul if parent else "", *values]))
    return response
