"""Simplify OpenStreetMap's second-level units of North Korea for the map page.

    python scripts/simplify_map.py /work/shared/data/places/osm_nk_regions.geojson

Reads the OSM export (197 units: counties, cities, Pyongyang's districts, Kaesong and Rason
whole), ties each polygon to its place in fixtures/places.csv by its Hangul name (every one
matches exactly one place), simplifies the rings (Douglas–Peucker, TOLERANCE degrees, about
700 m) and rounds to 3 decimals, and writes registry/series/data/nk_units.json:
{"attribution", "units": [{"slug", "rings": [[[lon, lat], …], …]}]}.

Map data © OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright).
"""

import csv
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOLERANCE = 0.007
ATTRIBUTION = "Map data © OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)"


def _distance(p, a, b):
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0, min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points, tolerance):
    """Douglas–Peucker, iterative (rings of thousands of points would recurse too deep)."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0, None
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return [points[i] for i in sorted(keep)]


def rings(geometry):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield polygon[0]  # outer rings only: no unit has a hole that matters at this scale


def main(source):
    by_hangul = {}
    with open(ROOT / "fixtures" / "places.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in [row["hangul"], *row["aliases"].split("|")]:
                if name:
                    by_hangul.setdefault(name, set()).add(row["slug"])
    units = []
    for feature in json.loads(pathlib.Path(source).read_text(encoding="utf-8"))["features"]:
        hangul = feature["properties"]["name"]
        (slug,) = by_hangul[hangul]  # exactly one place, or this stops here
        shapes = []
        for ring in rings(feature["geometry"]):
            small = simplify(ring, TOLERANCE)
            rounded = [[round(x, 3), round(y, 3)] for x, y in small]
            if len(rounded) >= 4:
                shapes.append(rounded)
        units.append({"slug": slug, "rings": shapes})
    units.sort(key=lambda unit: unit["slug"])
    out = ROOT / "registry" / "series" / "data" / "nk_units.json"
    out.write_text(json.dumps({"attribution": ATTRIBUTION, "units": units}, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for u in units for r in u["rings"])
    print(f"{len(units)} units, {points} points, {out.stat().st_size} bytes -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/places/osm_nk_regions.geojson")
