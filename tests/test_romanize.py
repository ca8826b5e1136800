"""Romanization helpers (tools/romanize.py) on real place names, and the place tree
fixture (fixtures/places.csv) that scripts/build_places.py writes.

Plain functions, no Django: run with `python -m pytest tests/test_romanize.py -p no:django`.
"""

import csv
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "fixtures" / "places.csv"
SOURCE_DIR = REPO.parent / "shared" / "data" / "places"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Loaded by path, so that importing the `registry` package (a Django app) is not needed.
R = _load("romanize_under_test", REPO / "tools" / "romanize.py")


# ---- romanization ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "hangul, mr, mr_plain, rr, north",
    [
        ("청진", "Ch'ŏngjin", "Chongjin", "Cheongjin", "Chongjin"),
        ("함흥", "Hamhŭng", "Hamhung", "Hamheung", "Hamhung"),
        ("남포", "Namp'o", "Nampo", "Nampo", "Nampho"),
        ("신포", "Sinp'o", "Sinpo", "Sinpo", "Sinpho"),
        ("장진", "Changjin", "Changjin", "Jangjin", "Jangjin"),
        ("정평", "Chŏngp'yŏng", "Chongpyong", "Jeongpyeong", "Jongphyong"),
        ("평양", "P'yŏngyang", "Pyongyang", "Pyeongyang", "Phyongyang"),
        ("무산", "Musan", "Musan", "Musan", "Musan"),
        ("송림", "Songnim", "Songnim", "Songnim", "Songrim"),
        ("사동", "Sadong", "Sadong", "Sadong", "Sadong"),
        ("김책", "Kimch'aek", "Kimchaek", "Gimchaek", "Kimchaek"),
        ("량강", "Ryanggang", "Ryanggang", "Ryanggang", "Ryanggang"),
        ("양강", "Yanggang", "Yanggang", "Yanggang", "Yanggang"),
        ("회령", "Hoeryŏng", "Hoeryong", "Hoeryeong", "Hoeryong"),
        ("선교", "Sŏn'gyo", "Songyo", "Seongyo", "Songyo"),
        ("천리마", "Ch'ŏllima", "Chollima", "Cheollima", "Chollima"),
        ("락랑", "Rangnang", "Rangnang", "Rangnang", "Rangnang"),
        ("강령", "Kangnyŏng", "Kangnyong", "Gangnyeong", "Kangryong"),
        ("은률", "Ŭllyul", "Ullyul", "Eullyul", "Ullyul"),
        ("백암", "Paegam", "Paegam", "Baegam", "Paegam"),
        ("길주", "Kilchu", "Kilchu", "Gilju", "Kilju"),
        ("신의주", "Sinŭiju", "Sinuiju", "Sinuiju", "Sinuiju"),
        ("덕천", "Tŏkch'ŏn", "Tokchon", "Deokcheon", "Tokchon"),
        ("만경대", "Man'gyŏngdae", "Mangyongdae", "Mangyeongdae", "Mangyongdae"),
    ],
)
def test_romanization_of_place_names(hangul, mr, mr_plain, rr, north):
    assert R.mccune_reischauer(hangul) == mr
    assert R.mccune_reischauer(hangul, diacritics=False) == mr_plain
    assert R.revised(hangul) == rr
    assert R.dprk(hangul) == north


def test_compound_names_are_one_word_in_name_case():
    assert R.mccune_reischauer("김책", diacritics=False) == "Kimchaek"
    assert R.mccune_reischauer("회령", diacritics=False) == "Hoeryong"
    assert R.mccune_reischauer("어랑") == "Ŏrang"
    assert R.mccune_reischauer("의주") == "Ŭiju"


def test_strip_diacritics():
    assert R.strip_diacritics("Ch'ŏngjin") == "Chongjin"
    assert R.strip_diacritics("Hamhŭng") == "Hamhung"
    assert R.strip_diacritics("Kimch’aek") == "Kimchaek"
    assert R.strip_diacritics("Sŏn'gyo") == "Songyo"
    assert R.strip_diacritics("Pʼyŏngyang") == "Pyongyang"
    assert R.strip_diacritics("ŎRANG") == "ORANG"


def test_south_form_initial_sound_law():
    assert R.south_form("량강도") == "양강도"
    assert R.south_form("룡천군") == "용천군"
    assert R.south_form("락원군") == "낙원군"
    assert R.south_form("녕변군") == "영변군"
    assert R.south_form("라선") == "나선"
    assert R.south_form("청진시") == "청진시"
    assert R.mccune_reischauer(R.south_form("량강")) == "Yanggang"


def test_non_hangul_passes_through():
    assert R.mccune_reischauer("") == ""
    assert R.dprk("남포-2") == "Nampho-2"
    assert R.decompose("A") is None
    assert R.decompose("강") == ("ㄱ", "ㅏ", "ㅇ")


# ---- the place tree fixture --------------------------------------------------------------

HEADER = ["slug", "parent", "level", "kind", "name", "name_mr", "name_rr", "hangul",
          "iso_code", "latitude", "longitude", "aliases"]

LEVEL1 = {
    "pyongyang": ("KP-01", "평양", "directly_governed_city"),
    "south-pyongan": ("KP-02", "평안남도", "province"),
    "north-pyongan": ("KP-03", "평안북도", "province"),
    "chagang": ("KP-04", "자강도", "province"),
    "south-hwanghae": ("KP-05", "황해남도", "province"),
    "north-hwanghae": ("KP-06", "황해북도", "province"),
    "kangwon": ("KP-07", "강원도", "province"),
    "south-hamgyong": ("KP-08", "함경남도", "province"),
    "north-hamgyong": ("KP-09", "함경북도", "province"),
    "ryanggang": ("KP-10", "량강도", "province"),
    "rason": ("KP-13", "라선", "special_city"),
    "nampo": ("KP-14", "남포", "special_city"),
    "kaesong": ("KP-15", "개성", "special_city"),
}


@pytest.fixture(scope="module")
def places():
    with open(FIXTURE, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == HEADER
        return list(reader)


@pytest.fixture(scope="module")
def by_slug(places):
    return {row["slug"]: row for row in places}


def test_level1_units_and_iso_codes(places):
    level1 = {r["slug"]: r for r in places if r["level"] == "1"}
    assert set(level1) == set(LEVEL1)
    for slug, (iso, hangul, kind) in LEVEL1.items():
        row = level1[slug]
        assert (row["iso_code"], row["hangul"], row["kind"], row["parent"]) == (iso, hangul, kind, "")
        assert row["latitude"] and row["longitude"]
    assert all(r["iso_code"] == "" for r in places if r["level"] != "1")
    assert level1["south-hamgyong"]["name"] == "South Hamgyong"
    assert level1["south-hamgyong"]["name_mr"] == "South Hamgyŏng"
    assert level1["south-hamgyong"]["name_rr"] == "Hamgyeongnam"


def test_slugs_unique_and_parents_precede_children(places):
    slugs = [r["slug"] for r in places]
    assert len(slugs) == len(set(slugs))
    seen = set()
    for row in places:
        assert row["slug"].isascii() and row["slug"] == row["slug"].lower()
        if row["parent"]:
            assert row["parent"] in seen, row["slug"]
        seen.add(row["slug"])


def test_names_are_plain_and_aliases_new(places):
    for row in places:
        assert row["name"] == R.strip_diacritics(row["name_mr"])
        assert row["name"].isascii()
        assert "-" not in row["name"] or row["level"] == "1"
        own = {row["name"].lower(), row["name_mr"].lower(), row["name_rr"].lower()}
        aliases = row["aliases"].split("|") if row["aliases"] else []
        assert len(aliases) == len(set(aliases))
        assert not own & {a.lower() for a in aliases}, row["slug"]
        if row["latitude"]:
            assert 37.5 < float(row["latitude"]) < 43.1
            assert 124.1 < float(row["longitude"]) < 130.8


def test_chongjin(by_slug):
    row = by_slug["chongjin"]
    assert row["parent"] == "north-hamgyong"
    assert row["hangul"] == "청진시"
    assert (row["kind"], row["level"]) == ("city", "2")
    assert (row["name"], row["name_mr"], row["name_rr"]) == ("Chongjin", "Ch'ŏngjin", "Cheongjin")


def test_pyongyang_districts(places, by_slug):
    districts = {r["slug"] for r in places if r["parent"] == "pyongyang" and r["kind"] == "district"}
    assert len(districts) == 18
    assert {"sadong", "chung", "moranbong", "mangyongdae", "sunan", "rangnang"} <= districts
    assert by_slug["sadong"]["hangul"] == "사동구역"


def test_current_divisions(by_slug):
    # Nampo's wards and counties, re-parented from South Pyongan.
    for slug in ("taean", "onchon", "ryonggang", "kangso", "chollima", "hanggu", "waudo"):
        assert by_slug[slug]["parent"] == "nampo", slug
    # Kaesong special city (2019).
    for slug in ("kaepung", "panmun", "changpung"):
        assert by_slug[slug]["parent"] == "kaesong", slug
    assert {by_slug[s]["parent"] for s in ("rajin", "sonbong")} == {"rason"}
    # Left Pyongyang for North Hwanghae in 2010.
    for slug in ("sangwon", "chunghwa", "sungho"):
        assert by_slug[slug]["parent"] == "north-hwanghae", slug
    assert by_slug["kangnam"]["parent"] == "pyongyang"
    assert by_slug["musan"]["hangul"] == "무산군"
    assert by_slug["songnim"]["hangul"] == "송림시"
    assert by_slug["unsan-north-pyongan"]["hangul"] == "운산군"
    assert by_slug["unsan-south-pyongan"]["hangul"] == "은산군"


def test_aliases(by_slug):
    def aliases(slug):
        return by_slug[slug]["aliases"].split("|")

    assert "Nampho" in aliases("nampo")
    assert {"Yanggang", "양강도"} <= set(aliases("ryanggang"))
    assert {"Rajin-Sonbong"} <= set(aliases("rason"))
    assert "Songjin" in aliases("kimchaek")
    # The DPRK form is left out where it equals the RR one: 장진 Jangjin.
    assert by_slug["changjin"]["name_rr"] == "Jangjin"
    assert "Jangjin" not in aliases("changjin")
    assert "Kilju" in aliases("kilchu")
    assert "Sinpho" in aliases("sinpo")
    assert "Jongphyong" in aliases("chongpyong")
    assert "Yonggang" in aliases("ryonggang")


def test_counts_per_level_and_kind(places):
    # As printed by scripts/build_places.py.
    assert len(places) == 227
    assert Counter(r["level"] for r in places) == {"1": 13, "2": 200, "3": 14}
    assert Counter(r["kind"] for r in places) == {
        "province": 9, "directly_governed_city": 1, "special_city": 3,
        "city": 24, "county": 144, "district": 43, "workers_district": 3,
    }


@pytest.mark.skipif(not SOURCE_DIR.is_dir(), reason="raw place files not beside the repo")
@pytest.mark.slow  # rebuilds the place tree in a subprocess
def test_fixture_is_what_the_script_builds(tmp_path):
    output = tmp_path / "places.csv"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_places.py"), "--quiet",
         "--source-dir", str(SOURCE_DIR), "--output", str(output)],
        check=True,
    )
    assert output.read_bytes() == FIXTURE.read_bytes()
