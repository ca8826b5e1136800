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
* LEVEL3 below              the districts (guyok) of the cities that have them, Chongjin and
                           Hamhung, from Wikipedia's articles on the two cities (their
                           "Administrative divisions" sections, CC BY-SA 4.0): none of the
                           raw files goes below the second level.

OSM and GeoNames units are matched by McCune–Reischauer: the GeoNames name without its
suffix against this module's romanization of the OSM Hangul stem, with and without the
South's initial-sound law (룡강 is "Yonggang" in GeoNames). The parents come from GeoNames,
corrected to the 2019+ divisions (Nampo, Kaesong and Rason as first-level units; the
counties that left Pyongyang for North Hwanghae in 2010); the Hangul (and with it the kind
of unit) from OSM, corrected where OSM or GeoNames is outdated. Every correction is listed
below with its reason, and the script prints a report of what it matched and fixed.
Output is deterministic: level 1 in ISO order, then each unit's children sorted by slug.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "places"
DEFAULT_OUTPUT = REPO / "fixtures" / "places.csv"

HEADER = ["slug", "parent", "level", "kind", "name", "name_mr", "name_rr", "hangul",
          "iso_code", "latitude", "longitude", "aliases"]


def load_romanize():
    path = REPO / "tools" / "romanize.py"
    spec = importlib.util.spec_from_file_location("places_romanize", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


R = load_romanize()

# --------------------------------------------------------------------------------------
# First level: ISO 3166-2:KP. Hangul as in PROVENANCE.md (ISO's Korean names); GeoNames
# admin1 code where GeoNames has the unit (it has none for Nampo and Kaesong).
# (iso, slug, canonical name, hangul, kind, geonames admin1 code, GeoNames ASCII name)
LEVEL1 = [
    ("KP-01", "pyongyang", "Pyongyang", "평양", "directly_governed_city", "KP.12", "Pyongyang"),
    ("KP-02", "south-pyongan", "South Pyongan", "평안남도", "province", "KP.15", "South Pyongan"),
    ("KP-03", "north-pyongan", "North Pyongan", "평안북도", "province", "KP.11", "P'yongan-bukto"),
    ("KP-04", "chagang", "Chagang", "자강도", "province", "KP.01", "Chagang-do"),
    ("KP-05", "south-hwanghae", "South Hwanghae", "황해남도", "province", "KP.06", "Hwanghae-namdo"),
    ("KP-06", "north-hwanghae", "North Hwanghae", "황해북도", "province", "KP.07", "Hwanghae-bukto"),
    ("KP-07", "kangwon", "Kangwon", "강원도", "province", "KP.09", "Kangwon-do"),
    ("KP-08", "south-hamgyong", "South Hamgyong", "함경남도", "province", "KP.03", "Hamgyong-namdo"),
    ("KP-09", "north-hamgyong", "North Hamgyong", "함경북도", "province", "KP.17", "Hamgyong-bukto"),
    ("KP-10", "ryanggang", "Ryanggang", "량강도", "province", "KP.13", "Yanggang-do"),
    ("KP-13", "rason", "Rason", "라선", "special_city", "KP.18", "Rason"),
    ("KP-14", "nampo", "Nampo", "남포", "special_city", None, None),
    ("KP-15", "kaesong", "Kaesong", "개성", "special_city", None, None),
]

# OSM features that are first-level units, not second-level ones.
OSM_LEVEL1 = {"개성특별시": "kaesong", "라선시": "rason", "남포특급시": "nampo"}

# Further first-level names the sources show (or that follow from them).
LEVEL1_EXTRA_ALIASES = {
    # OSM old_name:cs "Radžin-Sonbong": Rason was Rajin-Sŏnbong (라진선봉시) until 2000.
    "rason": ["Rajin-Sŏnbong", "Rajin-Sonbong", "라진선봉"],
    # states_KP.csv spells it Nampho (the DPRK spelling); OSM has the 2004-2010 status.
    "nampo": ["남포특별시"],
}

# Hangul in states_KP.csv's `native` column that is plainly wrong (PROVENANCE.md):
# never used, reported.
STATES_BAD_HANGUL = {"차강", "라손", "남평안"}

# --------------------------------------------------------------------------------------
# Second level: corrections to GeoNames, keyed by GeoNames id.
# parent: the current (2019+) first-level unit where GeoNames has an outdated or wrong
# one; hangul: the current official name where OSM lacks the unit or has an outdated
# form (the suffix gives the kind).
GEONAMES_FIXES = {
    # Nampo: special city (KP-14) since 2004/2010; GeoNames still files its five wards
    # and two counties under South Pyongan (KP.15). OSM has the three former counties
    # Kangso, Taean, Chollima as 군: they are wards (구역) of Nampo.
    1865786: {"parent": "nampo", "hangul": "강서구역"},    # Kangsŏ-guyŏk
    6258674: {"parent": "nampo", "hangul": "대안구역"},    # Taean-guyŏk
    6258673: {"parent": "nampo", "hangul": "천리마구역"},  # Ch'ŏllima-guyŏk
    1883585: {"parent": "nampo", "hangul": "항구구역"},    # Hanggu-guyŏk (not in OSM)
    1883586: {"parent": "nampo", "hangul": "와우도구역"},  # Waudo-guyŏk (not in OSM)
    1873193: {"parent": "nampo"},                           # Onch'ŏn-gun
    1866367: {"parent": "nampo"},                           # Yonggang-gun = Ryonggang 룡강군
    # Kaesong: special city (KP-15) since 2019, made of the city proper, the wards of
    # Kaep'ung and P'anmun and the county of Changp'ung. GeoNames has them under
    # South Hwanghae (KP.06, wrong even before 2019: they were North Hwanghae's) and
    # North Hwanghae (KP.07).
    1876380: {"parent": "kaesong", "hangul": "개풍구역"},  # Kaep'ung-gun (KP.06)
    1872688: {"parent": "kaesong", "hangul": "판문구역"},  # P'anmun-gun (KP.07)
    1879105: {"parent": "kaesong"},                         # Changp'ung-gun (KP.06)
    # Rason: two wards (GeoNames: "Rajin" without suffix, "Sŏnbong-gun").
    2042641: {"parent": "rason", "hangul": "라진구역"},
    2040675: {"parent": "rason", "hangul": "선봉구역"},
    # Moved from Pyongyang to North Hwanghae in 2010 (Kangnam went back to Pyongyang,
    # these did not); GeoNames still has them under Pyongyang (KP.12).
    1870984: {"parent": "north-hwanghae"},                  # Sangwŏn-gun
    1877875: {"parent": "north-hwanghae"},                  # Chunghwa-gun
    1868997: {"parent": "north-hwanghae"},                  # Sŭngho-guyŏk, now 승호군
    # Renamed: GeoNames' Hwasŏng-gun is OSM's (and the current) 명간군 Myŏnggan.
    2042710: {"hangul": "명간군", "osm": "명간군", "former": True,
              "note": "GeoNames Hwasŏng-gun is the former name of 명간군 Myŏnggan"},
    # 白川郡 is 배천군 (Paech'ŏn) in North Korean spelling, as GeoNames has it; OSM has
    # the South's reading 백천군 (Paekch'ŏn).
    1873016: {"hangul": "배천군", "osm": "백천군",
              "note": "GeoNames Paech'ŏn-gun is OSM 백천군 (South reading of 白川), "
                      "North Korean spelling 배천군"},
}

# GeoNames units that are not second-level units today.
GEONAMES_MERGED = {
    1876370: "kaesong",  # Kaesŏng-si: the city proper of Kaesong special city (level 1)
}

# OSM units GeoNames lacks: their parent (South Pyongan's and South Hamgyong's
# workers' districts), checked against their neighbours' parents.
OSM_ONLY_PARENT = {
    "금호지구": "south-hamgyong",  # Kŭmho
    "득장지구": "south-pyongan",   # Tŭkchang
    "운곡지구": "south-pyongan",   # Un'gok
}

# OSM English names that are misspellings, not spellings to keep as aliases.
OSM_EN_ERRORS = {
    "서흥군": "Sonhung County",    # 서흥 Sŏhŭng
    "연탄군": "Yotan County",      # 연탄 Yŏnt'an
    "옹진군": "Onjin County",      # 옹진 Ongjin
    "은률군": "Unnyun County",     # 은률 Ŭllyul
    "리원군": "Riwon COunty",      # capitalisation only; "Riwon" is the name
}

# --------------------------------------------------------------------------------------
# Third level: the wards (guyok) of the two cities that are divided into them. Source:
# English Wikipedia, "Chongjin" and "Hamhung", section "Administrative divisions" (7 kuyok
# each; Hangul and Hanja given there). Hungnam was a city until 2005, then a ward of Hamhung.
# No coordinates: no source here gives them. (parent city slug, Hangul, former names)
LEVEL3 = [
    ("chongjin", "청암구역", []),
    ("chongjin", "포항구역", []),
    ("chongjin", "부윤구역", []),
    ("chongjin", "라남구역", []),
    ("chongjin", "신암구역", []),
    ("chongjin", "송평구역", []),
    ("chongjin", "수남구역", []),
    ("hamhung", "해안구역", []),
    ("hamhung", "회상구역", []),
    ("hamhung", "흥덕구역", []),
    ("hamhung", "흥남구역", ["흥남시"]),  # Hŭngnam-si until 2005
    ("hamhung", "사포구역", []),
    # Sŏngch'ŏn-guyŏk until 1990: not kept as an alias, it would make "Songchon" (the
    # county 성천군 of South Pyongan) ambiguous.
    ("hamhung", "성천강구역", []),
    ("hamhung", "동흥산구역", ["반룡구역"]),  # Pallyong-guyŏk until 1977
]

HANGUL_SUFFIXES = [  # longest first
    ("로동자구", "workers_district"), ("노동자구", "workers_district"),
    ("특별시", "special_city"), ("특급시", "special_city"), ("지구", "workers_district"),
    ("구역", "district"), ("시", "city"), ("군", "county"), ("구", "district"),
    ("도", "province"),
]

LATIN_SUFFIX = re.compile(
    r"(?:[- ](?:si|shi|gun|kun|guyŏk|kuyŏk|guyok|kuyok|gu|ku|chigu|jigu|do|namdo|bukto)"
    r"| (?:county|district|city))$", re.IGNORECASE)


def split_hangul(hangul: str) -> tuple[str, str | None]:
    for suffix, kind in HANGUL_SUFFIXES:
        if hangul.endswith(suffix) and len(hangul) > len(suffix):
            return hangul[: -len(suffix)], kind
    return hangul, None


def strip_latin_suffix(name: str) -> str:
    return LATIN_SUFFIX.sub("", name.strip())


def key(text: str) -> str:
    """Matching key that keeps diacritics: lowercase, no apostrophes, hyphens or spaces."""
    return re.sub(r"['’ʼ‘`\- ]", "", text).casefold()


def loose_key(text: str) -> str:
    return key(R.strip_diacritics(text))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", R.strip_diacritics(text).lower()).strip("-")


def centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat) of a Polygon/MultiPolygon, holes subtracted."""
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    total_a = cx = cy = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            a = x = y = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
                cross = x0 * y1 - x1 * y0
                a += cross
                x += (x0 + x1) * cross
                y += (y0 + y1) * cross
            if a == 0:
                continue
            # Signed ring area a/2; centroid (x, y) / (3a). Outer rings count positive,
            # holes negative, whatever their orientation.
            sign = 1.0 if index == 0 else -1.0
            weight = sign * abs(a) / 2.0
            total_a += weight
            cx += weight * x / (3.0 * a)
            cy += weight * y / (3.0 * a)
    return cx / total_a, cy / total_a


# --------------------------------------------------------------------------------------
def read_sources(source: Path):
    with open(source / "states_KP.csv", newline="", encoding="utf-8") as fh:
        states = {row["iso3166_2"]: row for row in csv.DictReader(fh)}
    admin1 = {}
    with open(source / "geonames_admin1_KP.tsv", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                code, name, ascii_name, gid = line.rstrip("\n").split("\t")
                admin1[code] = {"name": name, "ascii": ascii_name, "id": int(gid)}
    admin2 = []
    with open(source / "geonames_admin2_KP.tsv", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                code, name, ascii_name, gid = line.rstrip("\n").split("\t")
                admin2.append({"code": code, "admin1": code.rsplit(".", 1)[0],
                               "name": name.replace("’", "'"), "ascii": ascii_name,
                               "id": int(gid)})
    with open(source / "osm_nk_regions.geojson", encoding="utf-8") as fh:
        osm = json.load(fh)["features"]
    return states, admin1, admin2, osm


def geonames_kind(name: str) -> str | None:
    m = re.search(r"(?:[- ])(si|gun|kun|guyŏk|kuyŏk|gu|ku|County)$", name)
    if not m:
        return None
    return {"si": "city", "gun": "county", "kun": "county", "County": "county",
            "guyŏk": "district", "kuyŏk": "district", "gu": "district",
            "ku": "district"}[m.group(1)]


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
