"""The map: a measure (articles, enterprises, claims or stories) per second-level unit of North
Korea, counted by the database in one GROUP BY per period, and drawn on the server as SVG
from the OpenStreetMap polygons in registry/series/data/nk_units.json (scripts/simplify_map.py).

What is counted is the time series' own metric (registry.series.timeseries) over the claims the
user may see that the question selects (registry.vocabulary.select_claims): an article
naming enterprises in two counties counts once in each, once in a county however many of
its claims fall there. Kaesong, Rason and Nampo are drawn whole; an enterprise known only to lie
in a province (or in Pyongyang as a whole) is in no unit and is reported beside the map.
"""

import json
import pathlib
from functools import lru_cache
import math
from math import cos, radians

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import StrIndex, Substr

from registry.series import timeseries
from registry.models import Claim, Location, history
from registry.vocabulary import select_claims

DATA = pathlib.Path(__file__).resolve().parent / "data" / "nk_units.json"
MEASURES = tuple(timeseries.METRICS)
# Sequential blues (along ColorBrewer's Blues), light to dark; no report at all is white.
# Each class at least 1.5:1 from the next in luminance, white included, so they stay apart
# printed in grey or seen without colour (tests/test_greyscale_palettes.py): ColorBrewer's
# own #deebf7 was 1.2:1 from white.
SHADES = ("#add0e6", "#64a9d3", "#3080bd", "#115ca5", "#083a7a")
EMPTY = "#ffffff"
INSET_PARENT = "pyongyang"


@lru_cache(maxsize=1)
def shapes():
    """{"attribution", "units": [{"slug", "rings"}]} as shipped."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def _unit_path(whole):
    """SQL: the enterprise's second-level unit as a path prefix ("/north-hamgyong/chongjin/"),
    the first level for the first-level units drawn whole (`whole`: Kaesong, Rason, Nampo),
    the path itself for a first-level place. The place's path is the `place_path`
    annotation (counts())."""
    path = F("place_path")
    rest = Substr(path, 2)  # "north-hamgyong/chongjin/sunam/"
    after = Substr(rest, StrIndex(rest, Value("/")) + 1)  # "chongjin/sunam/"
    prefix = Substr(path, 1, StrIndex(rest, Value("/")) + StrIndex(after, Value("/")) + 1)
    return Case(
        *[When(place_path__startswith=f"/{slug}/", then=Value(f"/{slug}/")) for slug in whole],
        default=prefix, output_field=CharField(),
    )


def counts(*, user, measure, selection, places, as_of=None):
    """{path: value} of the measure per unit path, over the claims `user` may see that the
    claim selection (the vocabulary's) picks, each under the place its enterprise was in on
    the claim's date (or on `as_of`: models/history.py); `places` are units(user). One query."""
    whole = [slug for slug, place in places if place.level == 1]
    attributes = history.attributes(as_of)
    claims = select_claims(attributes.prepare(Claim.objects.visible_to(user)), selection, attributes=attributes)
    rows = (
        claims.order_by().annotate(place_path=attributes.place_path()).filter(place_path__isnull=False)
        .annotate(map_unit=_unit_path(whole)).values("map_unit")
        .annotate(n=timeseries._METRIC_AGGREGATE[measure]())  # the series' own definition of each metric
        .values_list("map_unit", "n")
    )
    return dict(rows)


def units(user):
    """The map's units as places: [(slug, Location)] in drawing order, one query."""
    slugs = [unit["slug"] for unit in shapes()["units"]]
    places = Location.objects.visible_to(user).filter(slug__in=slugs).select_related("parent").in_bulk(field_name="slug")
    return [(slug, places[slug]) for slug in slugs if slug in places]


def breaks(values):
    """Upper bounds of the five shades: equal steps up to the largest value (at least 5)."""
    top = math.ceil(max([*values, 5]))  # whole numbers on the legend, never "3.0"
    step = -(-top // 5)
    return [step * (i + 1) for i in range(5)]


def shade(value, bounds):
    if not value:
        return EMPTY
    return next(colour for colour, bound in zip(SHADES, bounds) if value <= bound)


# ---- drawing -----------------------------------------------------------------------------

WIDTH, HEIGHT = 460, 500
BOUNDS = (124.15, 130.75, 37.6, 43.05)  # west, east, south, north
INSET = (300, 330, 150, 150)  # x, y, width, height: the sea south-east of Wonsan


def _projector(west, east, south, north, x, y, width, height):
    k = cos(radians((south + north) / 2))
    scale = min(width / ((east - west) * k), height / (north - south))
    return lambda lon, lat: (x + (lon - west) * k * scale, y + (north - lat) * scale)


def _path(rings, project):
    parts = []
    for ring in rings:
        points = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in points) + " Z")
    return " ".join(parts)


def _extent(rings_list):
    lons = [p[0] for rings in rings_list for ring in rings for p in ring]
    lats = [p[1] for rings in rings_list for ring in rings for p in ring]
    return min(lons), max(lons), min(lats), max(lats)


def draw(values, places, *, bounds, label, measure_label, place_url):
    """The SVG of one map: every unit a link to its place, with a <title> naming it in both
    scripts and its value; Pyongyang's districts again, enlarged, in an inset."""
    from xml.sax.saxutils import escape, quoteattr

    by_slug = {unit["slug"]: unit["rings"] for unit in shapes()["units"]}
    project = _projector(*BOUNDS, 5, 5, WIDTH - 10, HEIGHT - 10)
    inset_slugs = [slug for slug, place in places if place.parent_id and place.parent.slug == INSET_PARENT]
    x, y, w, h = INSET
    inset_project = _projector(*_extent([by_slug[s] for s in inset_slugs]), x + 6, y + 18, w - 12, h - 24) if inset_slugs else None
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-label={quoteattr(label)} class="map">'
    ]

    def unit(slug, place, projector, where):
        value = values.get(place.path, 0)
        name = f"{place.name} {place.hangul}".strip()
        title = f"{name}{', ' + place.parent.name if place.parent_id else ''}: {value} {measure_label}"
        out.append(
            f'<a href={quoteattr(place_url(slug))} aria-label={quoteattr(title)} data-slug="{slug}" data-where="{where}">'
            f'<path d="{_path(by_slug[slug], projector)}" fill="{shade(value, bounds)}" stroke="#666" stroke-width="0.4">'
            f"<title>{escape(title)}</title></path></a>"
        )

    for slug, place in places:
        unit(slug, place, project, "main")
    if inset_project:
        out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#fafafa" stroke="#999"/>')
        out.append(f'<text x="{x + 6}" y="{y + 13}" font-size="11" fill="#333">Pyongyang 평양</text>')
        for slug, place in places:
            if slug in inset_slugs:
                unit(slug, place, inset_project, "inset")
    out.append("</svg>")
    return "".join(out)
