"""The raw material of scripts/build_places.py: the hand-checked first- and third-level
units, every correction to GeoNames and OpenStreetMap with its reason, and the readers of the
raw files and of their names (suffixes, keys, slugs, centroids).

Standard library only (plus tools/romanize.py, loaded by file path so that no Django app is
imported).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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
