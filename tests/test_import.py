"""import_claims: a coder's spreadsheet goes in whole, or not at all."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from registry.importing.rows import HEADER, ImportFailed
from registry.models import Article, Claim, Enterprise, Industry, Location
from registry.services import claims_import

pytestmark = pytest.mark.django_db

GOOD = """\
source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit
Rodong Sinmun,2019-04-15,Oxygen furnace completed,A new oxygen furnace was completed.,Kim Chaek Iron and Steel Complex,special,complex,24,Chongjin,facility,2,new oxygen furnace,,
Rodong Sinmun,2019-04-15,Oxygen furnace completed,,Kim Chaek Iron and Steel Complex,,,,,production,5,steel output up,120000,t
KCNA,2019-06,Light industry roundup,Factories in Pyongyang and Chongjin raised output.,Ryugyong Kimchi Factory,3,factory,Food processing,Sadong District,production,5,kimchi output,,
KCNA,2019-06,Light industry roundup,,Chongjin Bag Factory,local,factory,15,Chongjin-si,modernization,3,production lines renovated,,
USGS,2018,The Mineral Industry of North Korea,Yearbook chapter.,Musan Mining Complex,special,mine,07,Musan County,production,5,iron ore concentrate,5000000,t
"""


def run(data, **kwargs):
    return claims_import(data=data, **kwargs)


def test_it_imports_articles_claims_and_enterprises():
    plan = run(GOOD)
    counts = plan.counts()
    assert counts["rows"] == 5
    assert (counts["articles_created"], counts["enterprises_created"], counts["claims_created"]) == (3, 4, 5)
    assert Article.objects.count() == 3
    assert Claim.objects.count() == 5
    assert Enterprise.objects.count() == 4

    article = Article.objects.get(title="Light industry roundup")
    assert (article.published.isoformat(), article.precision) == ("2019-06-01", "month")
    assert article.summary == "Factories in Pyongyang and Chongjin raised output."
    assert Article.objects.get(title="The Mineral Industry of North Korea").precision == "year"

    kim_chaek = Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex")
    assert (kim_chaek.grade, kim_chaek.kind, kim_chaek.tier) == ("special", "complex", "central")
    assert kim_chaek.location.slug == "chongjin"
    assert kim_chaek.industry.parent is None and "24" in kim_chaek.industry.isic_codes
    assert Enterprise.objects.get(name="Chongjin Bag Factory").location.slug == "chongjin"
    assert Enterprise.objects.get(name="Ryugyong Kimchi Factory").location.name == "Sadong"
    assert Enterprise.objects.get(name="Musan Mining Complex").location.kind == Location.Kind.COUNTY
    steel = Claim.objects.get(enterprise=kim_chaek, activity="production")
    assert (steel.code, steel.quantity, steel.unit) == (5, 120000, "t")


def test_importing_the_same_file_twice_adds_nothing():
    run(GOOD)
    before = (Article.objects.count(), Claim.objects.count(), Enterprise.objects.count())
    counts = run(GOOD).counts()
    assert (counts["articles_created"], counts["enterprises_created"], counts["claims_created"]) == (0, 0, 0)
    assert (counts["articles_matched"], counts["enterprises_matched"], counts["claims_matched"]) == (3, 4, 5)
    assert (Article.objects.count(), Claim.objects.count(), Enterprise.objects.count()) == before


def test_it_matches_an_enterprise_by_alias():
    run(GOOD)
    Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex").aliases.create(name="Kimchaek Iron & Steel Works")
    data = HEADER_LINE + "KCNA,2020-01-02,Steel works busy,,Kimchaek Iron & Steel Works,,,,,operation,3,,,\n"
    counts = run(data).counts()
    assert (counts["enterprises_created"], counts["enterprises_matched"]) == (0, 1)


HEADER_LINE = ",".join(HEADER) + "\n"
BAD = HEADER_LINE + (
    "Rodong Sinmun,2021-02-30,Bad date,,Kim Chaek Iron and Steel Complex,special,complex,24,Chongjin,facility,2,,,\n"
    "Rodong Sinmun,2021-03-01,Bad code,,Kim Chaek Iron and Steel Complex,special,complex,24,Chongjin,facility,7,,,\n"
    "Rodong Sinmun,2021-03-02,Bad place,,Atlantis Steel Works,2,factory,24,Atlantis,production,5,,,\n"
    "Rodong Sinmun,2021-03-03,Bad activity,,Kim Chaek Iron and Steel Complex,special,complex,24,Chongjin,smelting,5,,,\n"
    "Rodong Sinmun,2021-03-04,Good row,,Kim Chaek Iron and Steel Complex,special,complex,24,Chongjin,production,5,,,\n"
)


def test_a_bad_file_writes_nothing_and_names_each_bad_value_with_its_line():
    with pytest.raises(ImportFailed) as failed:
        run(BAD)
    messages = [str(e) for e in failed.value.errors]
    assert messages[0] == "line 2: published: 2021-02-30 — not a date: February 2021 has 28 days"
    assert messages[1].startswith("line 3: code: 7 — ")
    assert messages[2].startswith("line 4: location: Atlantis — unknown place 'Atlantis'")
    assert messages[3].startswith("line 5: activity: smelting — unknown activity")
    assert len(messages) == 4
    assert (Article.objects.count(), Claim.objects.count(), Enterprise.objects.count()) == (0, 0, 0)


def test_the_command_exits_non_zero_and_prints_every_bad_row(capsys):
    with pytest.raises(CommandError, match="4 problem"):
        _command_from_text(BAD)
    err = capsys.readouterr().err
    for expected in ("line 2: published: 2021-02-30", "line 3: code: 7", "line 4: location: Atlantis", "line 5: activity: smelting"):
        assert expected in err
    assert Article.objects.count() == 0


def _command_from_text(text, *args):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    out = io.StringIO()
    call_command("import_claims", handle.name, *args, stdout=out)
    return out.getvalue()


def test_the_command_reads_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode("utf-8"))))
    out = io.StringIO()
    call_command("import_claims", "-", stdout=out)
    assert "created 3 articles" in out.getvalue()
    assert Claim.objects.count() == 5


def test_the_command_summarises_and_dry_run_writes_nothing():
    summary = _command_from_text(GOOD, "--dry-run")
    assert "5 rows: would create 3 articles, 4 enterprises, 5 claims" in summary
    assert Article.objects.count() == 0
    summary = _command_from_text(GOOD)
    assert "5 rows: created 3 articles, 4 enterprises, 5 claims" in summary
    assert Claim.objects.count() == 5


def test_a_later_row_cannot_move_an_enterprise_or_change_its_grade():
    data = HEADER_LINE + (
        "KCNA,2020-01-02,One,,Chongjin Shipyard,2,shipyard,30,Chongjin,operation,3,,,\n"
        "KCNA,2020-01-03,Two,,Chongjin Shipyard,3,shipyard,30,Hamhung,operation,3,,,\n"
    )
    with pytest.raises(ImportFailed) as failed:
        run(data)
    messages = [str(e) for e in failed.value.errors]
    assert messages == [
        "line 3: grade: 3 — line 2 gives 'Chongjin Shipyard' the grade 2",
        "line 3: location: Hamhung — line 2 gives 'Chongjin Shipyard' the location Chongjin, North Hamgyong",
    ]


def test_a_row_contradicting_the_database_is_refused():
    run(GOOD)
    data = HEADER_LINE + "KCNA,2020-01-02,Moved,,Kim Chaek Iron and Steel Complex,1,,,,operation,3,,,\n"
    with pytest.raises(ImportFailed) as failed:
        run(data)
    assert str(failed.value.errors[0]).startswith("line 2: grade: 1 — 'Kim Chaek Iron and Steel Complex' is recorded with the grade special")


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "line 1: header:  — the file is empty"),
        (b"source,published\n", "line 1: header: source,published — missing title"),
        (HEADER_LINE.encode() + b"KCNA,2020\n", "line 2: row:  — 2 fields where the header has 14"),
        (HEADER_LINE.encode() + "KCNA,2020,\xe9\n".encode("latin-1"), "line 2: file:  — not UTF-8 text"),
        (HEADER_LINE.encode() + b"Pyongyang Times Weekly,2020,T,,E,,,,,operation,3,,,\n", "line 2: source: Pyongyang Times Weekly — unknown source"),
        (HEADER_LINE.encode() + b"KCNA,2020,T,,E,,,,,operation,3,,abc,\n", "line 2: quantity: abc — not a number"),
        (HEADER_LINE.encode() + b"KCNA,2020,T,,E,9th,,,,operation,3,,,\n", "line 2: grade: 9th — unknown grade"),
    ],
)
def test_malformed_files_get_a_clear_error(data, expected):
    with pytest.raises(ImportFailed) as failed:
        run(data)
    assert str(failed.value.errors[0]).startswith(expected)
    assert Article.objects.count() == 0


def test_the_sample_data_imports_cleanly():
    with open("fixtures/sample_claims.csv", "rb") as handle:
        counts = run(handle.read()).counts()
    assert counts["articles_created"] >= 40
    assert counts["claims_created"] == counts["rows"]


KCNA_AUTUMN_2024 = """\
source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit
KCNA,2024-10-12,Vegetables from the Jungphyong greenhouse farm,The farm harvested its first crop.,Jungphyong Greenhouse Farm,,other,01,Kyongsong County,production,5,first vegetable harvest,,
KCNA,2024-10-12,Vegetables from the Jungphyong greenhouse farm,,Ranam Coal Mining Machine Complex,,complex,28,"Ranam District, Chongjin",production,5,mining machines for the coal front,,
"""


def test_kcna_style_rows_with_a_farm_division_and_a_chongjin_district_import():
    counts = run(KCNA_AUTUMN_2024).counts()
    assert (counts["articles_created"], counts["enterprises_created"], counts["claims_created"]) == (1, 2, 2)
    farm = Enterprise.objects.get(name="Jungphyong Greenhouse Farm")
    assert (farm.industry.slug, farm.location.slug) == ("agriculture", "kyongsong")
    ranam = Enterprise.objects.get(name="Ranam Coal Mining Machine Complex")
    assert (ranam.industry.slug, ranam.location.slug, ranam.location.parent.slug) == ("machinery", "ranam", "chongjin")


def _guide_example():
    """The CSV block the coding guide prints under "Importing coded claims", as printed."""
    readme = (Path(__file__).resolve().parent.parent / "docs" / "coding.md").read_text(encoding="utf-8")
    section = readme.split("## Importing coded claims", 1)[1]
    return section.split("```csv\n", 1)[1].split("```", 1)[0]


def test_the_coding_guides_import_example_goes_in_on_top_of_the_sample_data():
    with open("fixtures/sample_claims.csv", "rb") as handle:
        run(handle.read())
    kim_chaek = Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex")
    assert kim_chaek.industry.slug == "metal"  # the sample codes it 24: iron and steel or non-ferrous
    example = _guide_example()
    assert example.startswith("source,published,title,") and example.count("\n") == 4
    plan = run(example)
    assert plan.counts()["enterprises_refined"] == 2
    assert Enterprise.objects.get(name="Ryugyong Kimchi Factory").location.slug == "sadong"  # was Pyongyang
    kim_chaek.refresh_from_db()
    assert kim_chaek.industry.slug == "iron-and-steel"
    latest = kim_chaek.history.first()
    assert latest.history_change_reason == "import_claims: refined industry Metal → Metal › Iron and steel"
    # The sample again: its coarser "24" agrees with the refined industry and changes nothing.
    with open("fixtures/sample_claims.csv", "rb") as handle:
        counts = run(handle.read()).counts()
    assert (counts["claims_created"], counts["enterprises_refined"]) == (0, 0)
    assert Enterprise.objects.get(pk=kim_chaek.pk).industry.slug == "iron-and-steel"


def test_a_more_precise_place_refines_and_the_summary_says_so():
    run(GOOD)
    data = HEADER_LINE + (
        "KCNA,2020-01-02,Districts,,Kim Chaek Iron and Steel Complex,,,Iron and steel,\"Songpyong, Chongjin\",operation,3,,,\n"
        "KCNA,2020-01-02,Districts,,Musan Mining Complex,,,,North Hamgyong,operation,3,,,\n"
    )
    summary = _command_from_text(data)
    assert "refined 1 enterprises" in summary
    assert "Kim Chaek Iron and Steel Complex: industry Metal → Metal › Iron and steel; location Chongjin, North Hamgyong → Songpyong, Chongjin" in summary
    kim_chaek = Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex")
    assert (kim_chaek.location.slug, kim_chaek.industry.slug) == ("songpyong", "iron-and-steel")
    assert Enterprise.objects.get(name="Musan Mining Complex").location.slug == "musan"  # coarser: unchanged
    assert kim_chaek.history.count() == 2


@pytest.mark.parametrize(
    "industry, location, message",
    [
        ("Iron and steel", "Pyongyang", "location: Pyongyang — 'Kim Chaek Iron and Steel Complex' is recorded with the location Chongjin, North Hamgyong; give it, a place inside it"),
        ("Coal mining", "Chongjin", "industry: Mining › Coal mining — 'Kim Chaek Iron and Steel Complex' is recorded with the industry Metal; give it, one of its sub-industries"),
        ("Iron and steel", "Sadong", "location: Sadong, Pyongyang — "),
    ],
)
def test_anything_but_a_refinement_stays_a_contradiction(industry, location, message):
    run(GOOD)
    data = HEADER_LINE + f"KCNA,2020-01-02,Moved,,Kim Chaek Iron and Steel Complex,,,{industry},{location},operation,3,,,\n"
    with pytest.raises(ImportFailed) as failed:
        run(data)
    assert str(failed.value.errors[0]).startswith("line 2: " + message)
    assert Enterprise.objects.get(name="Kim Chaek Iron and Steel Complex").industry.slug == "metal"


def test_two_rows_of_one_file_keep_the_more_precise_place():
    data = HEADER_LINE + (
        "KCNA,2020-01-02,One,,Ranam Coal Mining Machine Complex,,complex,,Chongjin,operation,3,,,\n"
        "KCNA,2020-01-03,Two,,Ranam Coal Mining Machine Complex,,,,Ranam District,operation,3,,,\n"
    )
    run(data)
    assert Enterprise.objects.get(name="Ranam Coal Mining Machine Complex").location.slug == "ranam"


def test_the_import_never_creates_a_flagged_duplicate_unless_its_name_is_confirmed():
    run(GOOD)  # Musan Mining Complex, Chongjin Bag Factory, ...
    data = HEADER_LINE + (
        "RFA,2020-01-02,Mine idle,,Musan Mine,,mine,,Musan County,closure,3,,,\n"
        "RFA,2020-01-02,Mine idle,,Chongjin Bag Works,,factory,,Chongjin,operation,3,,,\n"
        "RFA,2020-01-02,Mine idle,,Pyongyang Bag Factory,,factory,,Pyongyang,operation,3,,,\n"
    )
    dry = _command_from_text(data, "--dry-run")
    assert "line 2: enterprise: Musan Mine — possible duplicate of 'Musan Mining Complex'" in dry
    assert "--accept-new 'Chongjin Bag Works'" in dry
    assert "Pyongyang Bag Factory" not in dry
    with pytest.raises(CommandError, match="2 problem"):
        _command_from_text(data)
    assert not Enterprise.objects.filter(name__in=["Musan Mine", "Pyongyang Bag Factory"]).exists()
    with pytest.raises(ImportFailed) as failed:
        run(data, accept_new=["Musan Mine"])
    assert [e.value for e in failed.value.errors] == ["Chongjin Bag Works"]
    summary = _command_from_text(data, "--accept-new", "Musan Mine", "--accept-new", "chongjin bag works")
    assert "created 1 articles, 3 enterprises" in summary
