#!/usr/bin/env python3
"""Build fixtures/places.csv, the place tree of North Korea's administrative divisions.

    python scripts/build_places.py [--source-dir ../shared/data/places] [--output fixtures/places.csv]

Standard library only (plus tools/romanize.py, loaded by file path so that no Django
app is imported). Reads the raw files described in the source directory's PROVENANCE.md:

* states_KP.csv            the 13 first-level units: ISO 3166-2:KP codes, coordinates
                           (its Hangul column is wrong and is not used);
* geonames_admin1_KP.tsv   GeoNames first-level codes, to read the parents of ...
* geonames_admin2_KP.tsv   GeoNames second-level units (McCune–Reischauer, parent by code);
* osm_nk_regions.geojson   OpenStreetMap second-level units: Hangul, boundaries (centroids);
* LEVEL3 (places_data.py) the districts (guyok) of the cities that have them, Chongjin and
                           Hamhung, from Wikipedia's articles on the two cities (their
                           "Administrative divisions" sections, CC BY-SA 4.0): none of the
                           raw files goes below the second level.

OSM and GeoNames units are matched by McCune–Reischauer: the GeoNames name without its
suffix against this module's romanization of the OSM Hangul stem, with and without the
South's initial-sound law (룡강 is "Yonggang" in GeoNames). The parents come from GeoNames,
corrected to the 2019+ divisions (Nampo, Kaesong and Rason as first-level units; the
counties that left Pyongyang for North Hwanghae in 2010); the Hangul (and with it the kind
of unit) from OSM, corrected where OSM or GeoNames is outdated. Every correction is listed
in places_data.py with its reason, and the script prints a report of what it matched and fixed.
Output is deterministic: level 1 in ISO order, then each unit's children sorted by slug.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
from collections import Counter, defaultdict
from pathlib import Path

# Run as a script: scripts/ is on sys.path.
from places_data import (
    GEONAMES_FIXES, GEONAMES_MERGED, LEVEL1, LEVEL1_EXTRA_ALIASES, LEVEL3, OSM_EN_ERRORS, OSM_LEVEL1,
    OSM_ONLY_PARENT, STATES_BAD_HANGUL, R, centroid, geonames_kind, key, loose_key, read_sources, slugify,
    split_hangul, strip_latin_suffix,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "places"
DEFAULT_OUTPUT = REPO / "fixtures" / "places.csv"

HEADER = ["slug", "parent", "level", "kind", "name", "name_mr", "name_rr", "hangul",
          "iso_code", "latitude", "longitude", "aliases"]


def build(source: Path):
    states, admin1, admin2, osm = read_sources(source)
    log: dict[str, list[str]] = defaultdict(list)

    # ---- level 1 ---------------------------------------------------------------------
    admin1_to_slug = {}
    level1_rows = []
    for iso, slug, name, hangul, kind, gcode, gascii in LEVEL1:
        state = states[iso]
        stem, _ = split_hangul(hangul)
        if stem.endswith(("남", "북")):
            direction = "South " if stem.endswith("남") else "North "
            name_mr = direction + R.mccune_reischauer(stem[:-1])
            dprk_name = direction + R.dprk(stem[:-1])
        else:
            name_mr = R.mccune_reischauer(stem)
            dprk_name = R.dprk(stem)
        assert R.strip_diacritics(name_mr) == name, (name_mr, name)
        aliases = [dprk_name]
        if kind == "province":
            for variant in (stem, R.south_form(stem)):
                aliases += [R.mccune_reischauer(variant) + "-do",
                            R.mccune_reischauer(variant, False) + "-do",
                            R.revised(variant) + "-do", R.dprk(variant) + "-do"]
        south = R.south_form(stem)
        if south != stem:
            aliases += [R.mccune_reischauer(south), R.mccune_reischauer(south, False),
                        R.revised(south), R.dprk(south), R.south_form(hangul)]
        if gcode:
            g = admin1[gcode]
            assert g["ascii"] == gascii, (gcode, g)
            admin1_to_slug[gcode] = slug
            aliases += [g["name"].replace("’", "'"), g["ascii"]]
        if state["name"] != name:
            aliases.append(state["name"])
            log["fixed"].append(f"states_KP.csv names {iso} {state['name']!r}: canonical "
                                f"{name!r}, kept as an alias")
        if state["native"] != hangul:
            if state["native"] in STATES_BAD_HANGUL:
                log["fixed"].append(f"states_KP.csv Hangul for {iso} {name} is "
                                    f"{state['native']!r}, wrong: {hangul!r} used")
            else:
                aliases.append(state["native"])
                log["fixed"].append(f"states_KP.csv Hangul for {iso} {name} is "
                                    f"{state['native']!r}, not ISO's {hangul!r}: kept as alias")
        aliases += LEVEL1_EXTRA_ALIASES.get(slug, [])
        level1_rows.append({
            "slug": slug, "parent": "", "level": 1, "kind": kind, "name": name,
            "name_mr": name_mr, "name_rr": R.revised(stem), "hangul": hangul,
            "iso_code": iso,
            "latitude": f"{float(state['latitude']):.5f}",
            "longitude": f"{float(state['longitude']):.5f}",
            "_aliases": aliases, "_sources": {"states_KP"} | ({"geonames"} if gcode else set()),
        })
    level1 = {row["slug"]: row for row in level1_rows}
    assert set(admin1_to_slug) == set(admin1), "unexpected GeoNames admin1 codes"

    # ---- OSM -------------------------------------------------------------------------
    osm_units = []
    for feature in osm:
        props = feature["properties"]
        hangul = props["name"]
        if props.get("name:ko", hangul) != hangul:
            log["fixed"].append(f"OSM {props['@id']}: name {hangul} != name:ko {props['name:ko']}")
        lon, lat = centroid(feature["geometry"])
        if hangul in OSM_LEVEL1:
            row = level1[OSM_LEVEL1[hangul]]
            row["_sources"].add("osm")
            row["_aliases"] += [hangul] + [props[k] for k in (
                "official_name", "name:en", "int_name", "name:ko-Latn")
                if k in props]
            continue
        stem, kind = split_hangul(hangul)
        names = [R.mccune_reischauer(stem), R.mccune_reischauer(R.south_form(stem))]
        keys = {key(n) for n in names}
        loose_keys = {loose_key(n) for n in names}
        osm_units.append({"props": props, "hangul": hangul, "stem": stem, "kind": kind,
                          "lon": lon, "lat": lat, "keys": keys, "loose_keys": loose_keys,
                          "match": None})
    osm_by_hangul = {u["hangul"]: u for u in osm_units}
    assert len(osm_by_hangul) == len(osm_units), "duplicate OSM names"

    # ---- GeoNames admin2 and the join ------------------------------------------------
    seen = Counter((g["name"], g["admin1"]) for g in admin2)
    dup = [k for k, v in seen.items() if v > 1]
    assert not dup, dup
    ascii_dups = Counter(g["ascii"] for g in admin2)
    for ascii_name, n in sorted(ascii_dups.items()):
        if n > 1:
            who = [f"{g['name']} ({g['admin1']}, {g['id']})" for g in admin2
                   if g["ascii"] == ascii_name]
            log["notes"].append(f"GeoNames ASCII name {ascii_name!r} is shared by "
                                f"{', '.join(who)}: told apart by the diacritic form")

    units = []  # second-level units
    for g in sorted(admin2, key=lambda g: g["id"]):
        if g["id"] in GEONAMES_MERGED:
            target = level1[GEONAMES_MERGED[g["id"]]]
            target["_aliases"] += [strip_latin_suffix(g["name"]), strip_latin_suffix(g["ascii"]),
                                   g["name"], g["ascii"]]
            target["_sources"].add("geonames")
            log["fixed"].append(f"GeoNames {g['id']} {g['name']} ({g['admin1']}): the city "
                                f"proper of level-1 {target['name']}, merged into it")
            continue
        fix = GEONAMES_FIXES.get(g["id"], {})
        stem_latin = strip_latin_suffix(g["name"])
        if "osm" in fix:
            candidates = [osm_by_hangul[fix["osm"]]]
            log["fixed"].append(f"matched by hand: {fix['note']}")
        else:
            # With diacritics first (Unsan 운산 / Ŭnsan 은산), then without, if unique.
            candidates = [u for u in osm_units if key(stem_latin) in u["keys"]]
            if not candidates:
                candidates = [u for u in osm_units if loose_key(stem_latin) in u["loose_keys"]]
                if len(candidates) == 1:
                    log["notes"].append(f"GeoNames {g['name']} matched OSM "
                                        f"{candidates[0]['hangul']} without diacritics")
        assert len(candidates) <= 1, (g, [c["hangul"] for c in candidates])
        unit = {"geonames": g, "osm": None, "fix": fix}
        if candidates:
            u = candidates[0]
            assert u["match"] is None, (g, u["hangul"])
            u["match"] = g["id"]
            unit["osm"] = u
        parent_code_slug = admin1_to_slug[g["admin1"]]
        unit["parent"] = fix.get("parent", parent_code_slug)
        if unit["parent"] != parent_code_slug:
            log["reparented"].append(f"{g['name']} ({g['id']}): GeoNames {g['admin1']} "
                                     f"{parent_code_slug} -> {unit['parent']}")
        units.append(unit)
    missing = [u["hangul"] for u in osm_units
               if u["match"] is None and u["hangul"] not in OSM_ONLY_PARENT]
    if missing:
        raise SystemExit(f"OSM units that match no GeoNames unit and have no parent in "
                         f"OSM_ONLY_PARENT: {missing}")
    for u in osm_units:
        if u["match"] is None:
            units.append({"geonames": None, "osm": u, "fix": {},
                          "parent": OSM_ONLY_PARENT[u["hangul"]]})

    # ---- rows ------------------------------------------------------------------------
    rows = []
    for unit in units:
        g, u, fix = unit["geonames"], unit["osm"], unit["fix"]
        if "hangul" in fix:
            hangul = fix["hangul"]
        elif u is not None:
            hangul = u["hangul"]
        else:
            raise SystemExit(f"no Hangul for GeoNames {g}")
        stem, kind = split_hangul(hangul)
        aliases = [R.dprk(stem)]
        south = R.south_form(stem)
        if south != stem:
            aliases += [R.mccune_reischauer(south), R.mccune_reischauer(south, False),
                        R.revised(south), R.south_form(hangul)]
        sources = set()
        lat = lon = ""
        if u is not None:
            sources.add("osm")
            props = u["props"]
            lat, lon = f"{u['lat']:.5f}", f"{u['lon']:.5f}"
            if u["hangul"] != hangul:
                old_stem, old_kind = split_hangul(u["hangul"])
                aliases.append(u["hangul"])
                if old_stem != stem:
                    aliases += [R.mccune_reischauer(old_stem),
                                R.mccune_reischauer(old_stem, False), R.revised(old_stem)]
                log["fixed"].append(f"OSM {props['@id']} {u['hangul']} ({old_kind}): "
                                    f"now {hangul} ({kind})")
            for k in ("alt_name:ko", "old_name:ko"):
                if k in props:  # former names: 김책 <- 성진 Songjin, 김형직 <- 후창 ...
                    alt_stem, _ = split_hangul(props[k])
                    aliases += [props[k], R.mccune_reischauer(alt_stem),
                                R.mccune_reischauer(alt_stem, False), R.revised(alt_stem)]
            for k in ("name:en", "name:ko-Latn"):
                value = props.get(k)
                if value and OSM_EN_ERRORS.get(u["hangul"]) != value:
                    if value == "Central District":
                        aliases.append(value)  # 중구역: a translation, not a spelling
                    else:
                        aliases.append(strip_latin_suffix(value).replace("’", "'"))
                elif value:
                    log["fixed"].append(f"OSM {props['@id']} {u['hangul']}: English name "
                                        f"{value!r} misspelt, not kept")
        if g is not None:
            sources.add("geonames")
            g_stem = strip_latin_suffix(g["name"])
            aliases += [g_stem, strip_latin_suffix(g["ascii"])]
            if fix.get("former"):
                aliases += [R.strip_diacritics(g_stem)]
            gkind = geonames_kind(g["name"])
            if gkind and gkind != kind:
                log["fixed"].append(f"GeoNames {g['id']} {g['name']}: a {gkind} there, "
                                    f"now {hangul} ({kind})")
            if "hangul" in fix and u is None:
                log["hangul_supplied"].append(f"{g['name']} ({g['id']}): {hangul}")
        name_mr = R.mccune_reischauer(stem)
        rows.append({
            "slug": None, "parent": unit["parent"], "level": 2, "kind": kind,
            "name": R.strip_diacritics(name_mr), "name_mr": name_mr,
            "name_rr": R.revised(stem), "hangul": hangul, "iso_code": "",
            "latitude": lat, "longitude": lon, "_aliases": aliases, "_sources": sources,
        })
        assert kind in ("city", "county", "district", "workers_district"), (hangul, kind)

    # ---- slugs -----------------------------------------------------------------------
    by_name = Counter(r["name"] for r in rows)
    for r in rows:
        base = slugify(r["name"])
        r["slug"] = base if by_name[r["name"]] == 1 else f"{base}-{r['parent']}"
        if by_name[r["name"]] > 1:
            log["slug_collisions"].append(f"{r['name']} ({r['hangul']}) -> {r['slug']}")
    all_rows = level1_rows + sorted(
        rows, key=lambda r: ([row["slug"] for row in level1_rows].index(r["parent"]), r["slug"]))
    slugs = Counter(r["slug"] for r in all_rows)
    assert all(n == 1 for n in slugs.values()), [s for s, n in slugs.items() if n > 1]
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", r["slug"]) for r in all_rows)

    # ---- aliases ---------------------------------------------------------------------
    for r in all_rows:
        taken = {r["name"].casefold(), r["name_mr"].casefold(), r["name_rr"].casefold(),
                 r["hangul"]}
        out = []
        for alias in r["_aliases"]:
            alias = (alias or "").replace("’", "'").strip()
            if alias and alias.casefold() not in taken and alias not in out:
                assert "|" not in alias
                out.append(alias)
                taken.add(alias.casefold())
        r["aliases"] = "|".join(out)

    all_rows += level3_rows(all_rows, log)
    check_neighbours(all_rows, log)
    return all_rows, log, osm_units, units


def level3_rows(rows, log):
    """The LEVEL3 wards, each after the units above it, with the romanizations and
    aliases a second-level unit gets."""
    parents = {r["slug"]: r for r in rows}
    taken = set(parents)
    out = []
    for parent, hangul, former in LEVEL3:
        stem, kind = split_hangul(hangul)
        assert kind == "district", hangul
        name_mr = R.mccune_reischauer(stem)
        name = R.strip_diacritics(name_mr)
        slug = slugify(name)
        if slug in taken:
            slug = f"{slug}-{parent}"
            log["slug_collisions"].append(f"{name} ({hangul}) -> {slug}")
        taken.add(slug)
        aliases = [R.dprk(stem)]
        south = R.south_form(stem)
        if south != stem:
            aliases += [R.mccune_reischauer(south), R.mccune_reischauer(south, False),
                        R.revised(south), R.south_form(hangul)]
        for old in former:
            old_stem, _ = split_hangul(old)
            aliases += [old, R.mccune_reischauer(old_stem), R.mccune_reischauer(old_stem, False),
                        R.revised(old_stem)]
        row = {"slug": slug, "parent": parent, "level": parents[parent]["level"] + 1,
               "kind": kind, "name": name, "name_mr": name_mr, "name_rr": R.revised(stem),
               "hangul": hangul, "iso_code": "", "latitude": "", "longitude": "",
               "_sources": {"wikipedia"}}
        taken_names = {row["name"].casefold(), name_mr.casefold(), row["name_rr"].casefold(), hangul}
        row["aliases"] = "|".join(dict.fromkeys(
            a for a in aliases if a and a.casefold() not in taken_names))
        out.append(row)
    return sorted(out, key=lambda r: ([p["slug"] for p in rows].index(r["parent"]), r["slug"]))


def check_neighbours(rows, log, k: int = 5):
    """Warn where none of a unit's k nearest units (by centroid) shares its parent."""
    placed = [r for r in rows if r["level"] == 2 and r["latitude"]]
    for r in placed:
        lat, lon = float(r["latitude"]), float(r["longitude"])
        nearest = sorted(
            (math.hypot(float(o["latitude"]) - lat,
                        (float(o["longitude"]) - lon) * math.cos(math.radians(lat))), o["parent"])
            for o in placed if o is not r)[:k]
        if not any(parent == r["parent"] for _, parent in nearest):
            log["neighbour_warnings"].append(
                f"{r['slug']} ({r['parent']}): nearest units belong to "
                f"{sorted({p for _, p in nearest})}")


def write_csv(rows, output: Path):
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def report(rows, log, osm_units, units):
    print(f"{len(rows)} places")
    print("per level:", dict(sorted(Counter(r["level"] for r in rows).items())))
    print("per kind: ", dict(sorted(Counter(r["kind"] for r in rows).items())))
    for level in (1, 2, 3):
        srcs = Counter("+".join(sorted(r["_sources"])) for r in rows if r["level"] == level)
        print(f"level {level} sources:", dict(sorted(srcs.items())))
    print("per parent:", dict(Counter(r["parent"] for r in rows if r["level"] == 2)))
    only_geo = [u["geonames"]["name"] for u in units if u["osm"] is None]
    only_osm = [u["osm"]["hangul"] for u in units if u["geonames"] is None]
    print(f"second-level units in GeoNames only ({len(only_geo)}):", ", ".join(only_geo))
    print(f"second-level units in OSM only ({len(only_osm)}):", ", ".join(only_osm))
    for section in ("reparented", "fixed", "hangul_supplied", "slug_collisions", "notes",
                    "neighbour_warnings"):
        if log.get(section):
            print(f"\n{section} ({len(log[section])}):")
            for line in log[section]:
                print("  " + line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--quiet", action="store_true", help="do not print the report")
    args = parser.parse_args(argv)
    rows, log, osm_units, units = build(args.source_dir)
    write_csv(rows, args.output)
    if not args.quiet:
        report(rows, log, osm_units, units)
        print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
