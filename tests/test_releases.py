"""Citable releases: a frozen, validated data package whose series never change, public data
only, served with checksums that match, and every time-series answer naming its data."""

import csv
import datetime
import decimal
import hashlib
import io
import json
import shutil
import sqlite3
import zipfile

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from frictionless import Package
from rest_framework.test import APIClient

from registry.releases import data as release_data, files as release_files, make as releases, validate as release_checks
from registry.method.codebook import CODEBOOK_VERSION, codebook_rows
from registry.models import Article, Claim, Enterprise, Location, Release
from registry.series.timeseries import GROUP_BYS, INTERVALS, METRICS, compute, parse_params

from . import api_data, timeseries_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def releases_dir(settings, tmp_path):
    settings.RELEASES_DIR = tmp_path / "releases"
    return settings.RELEASES_DIR


def make(name="2026.1", **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("make_release", name, stdout=out, stderr=err, **options)
    return Release.objects.get(name=name)


def files(release):
    root = release_files.release_path(release.name)
    return sorted(p for p in root.rglob("*") if p.is_file())


def csv_rows(release, table):
    with open(release_files.release_path(release.name) / f"data/{table}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- the same numbers, forever ------------------------------------------------------------

GROUPINGS = [
    {"regions": "Pyongyang,Chongjin,North Hamgyong"},
    {"regions": "Sadong;Chongjin, North Hamgyong"},
    *({"group_by": g} for g in GROUP_BYS),
    {},
]


def every_series():
    for grouping in GROUPINGS:
        for interval in INTERVALS:
            for metric in METRICS:
                yield {**grouping, "interval": interval, "metric": metric}
    yield {"regions": "Chongjin", "bands": "1", "activity": "investment,production"}
    yield {"group_by": "industry", "max_code": "3", "start": "2015-06", "end": "2018"}


def live(params):
    return compute(parse_params(params)).to_json()


def from_release(release, params):
    with release_data.reading(release):
        return compute(parse_params(params)).to_json()


def change_the_live_data(world):
    """Add, change and delete claims, move an enterprise to another grade, add a region."""
    a7 = Article.objects.create(source=world["a1"].source, published=datetime.date(2019, 4, 1), title="Another new plant", status="coded")
    Claim.objects.create(article=a7, enterprise=world["H"], activity="construction", code=1)
    Claim.objects.create(article=world["a1"], enterprise=world["H"], activity="facility", code=2)
    Claim.objects.filter(article=world["a4"], enterprise=world["C"]).update(code=5)
    Claim.objects.filter(article=world["a2"]).delete()
    Enterprise.objects.filter(pk=world["S"].pk).update(grade="5")
    Location.objects.create(level=1, kind="province", name="Testland", slug="testland", iso_code="KP-99")


def test_series_from_a_release_do_not_move_when_the_live_data_does(world_release):
    world, release = world_release
    before = {json.dumps(p, sort_keys=True): live(p) for p in every_series()}
    change_the_live_data(world)

    moved = 0
    for params in every_series():
        key = json.dumps(params, sort_keys=True)
        assert from_release(release, params) == before[key], params
        moved += live(params) != before[key]
    # The changes reached the live series: otherwise this test would prove nothing.
    assert moved >= len(before) // 2


def test_the_api_and_the_command_compute_from_the_release(world_release):
    world, release = world_release
    params = {"regions": "Pyongyang,Chongjin", "activity": "investment,production", "interval": "quarter"}
    before, before_csv = live(params), compute(parse_params(params)).to_csv()
    change_the_live_data(world)
    assert live(params)["values"] != before["values"]

    body = APIClient().get("/api/v1/timeseries/", {**params, "release": release.name}).json()
    assert body["values"] == before["values"] and body["left_out"] == before["left_out"]
    assert body["data_version"] == {
        "source": "release", "release": "2026.1", "checksum": release.checksum, "codebook_version": CODEBOOK_VERSION,
        "view": "public view",
    }
    out, err = io.StringIO(), io.StringIO()
    call_command("export_timeseries", "--release", "2026.1", "--regions", "Pyongyang,Chongjin",
                 "--activity", "investment,production", "--interval", "quarter", stdout=out, stderr=err)
    assert out.getvalue() == before_csv
    assert f"data: release 2026.1 (SHA-256 {release.checksum}); codebook version {CODEBOOK_VERSION}" in err.getvalue()


@pytest.fixture
def world_release():
    world = timeseries_data.build()
    return world, make()


# --- what is in it --------------------------------------------------------------------------


@pytest.fixture
def disclosure_release():
    d = api_data.build()
    # A public unit of a hidden complex, and a public follow-up of a restricted article:
    # neither may name the hidden row.
    unit = Enterprise.objects.create(name="Public Unit Shop", grade="5", location=d.e1.location, parent=d.secret)
    follow_up = Article.objects.create(source=d.a1.source, published=datetime.date(2020, 6, 1), title="Follow-up story", follow_up_of=d.a4, status="coded")
    Claim.objects.create(article=follow_up, enterprise=unit, activity="operation", code=3)
    d.unit, d.follow_up = unit, follow_up
    return d, make()


def test_it_validates_with_frictionless_and_the_manifest_matches(disclosure_release):
    _d, release = disclosure_release
    root = release_files.release_path(release.name)
    report = Package(str(root / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])
    assert release_files.verify(root) == release.checksum
    manifest = (root / "MANIFEST").read_text()
    assert release.checksum == hashlib.sha256(manifest.encode()).hexdigest()
    assert sorted(line.split("  ")[1] for line in manifest.splitlines()) == sorted(
        p.relative_to(root).as_posix() for p in files(release) if p.name != "MANIFEST"
    )
    assert {"README.md", "CITATION.cff", "datapackage.json", "MANIFEST"} <= {p.name for p in files(release)}


def test_frictionless_catches_a_broken_foreign_key(disclosure_release, tmp_path):
    _d, release = disclosure_release
    copy = tmp_path / "copy"
    shutil.copytree(release_files.release_path(release.name), copy)
    descriptor = json.loads((copy / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        resource.pop("hash")  # so that only the key is wrong
    (copy / "datapackage.json").chmod(0o644)
    (copy / "datapackage.json").write_text(json.dumps(descriptor))
    claims = copy / "data/claims.csv"
    claims.chmod(0o644)
    lines = claims.read_text().splitlines()
    first = lines[1].split(",")
    first[2] = "999999"  # enterprise_id of the first claim: no such enterprise
    claims.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    report = Package(str(copy / "datapackage.json")).validate()
    assert not report.valid
    assert [t for t, in report.flatten(["type"])] == ["foreign-key"]
    # make_release's own key check, which spares frictionless keeping every key, finds it too.
    assert release_checks.check_files(copy) == ["data/claims.csv line 2: enterprise_id 999999 is not in enterprises.csv"]
    with pytest.raises(release_files.ReleaseError, match="enterprise_id 999999 is not in enterprises.csv"):
        release_checks.validate(copy)
    with pytest.raises(release_files.ReleaseError, match="claims.csv: its SHA-256 differs"):
        release_files.verify(copy)


def test_make_release_checks_every_cell_not_only_the_rows_frictionless_reads(disclosure_release, tmp_path, monkeypatch):
    # Frictionless reads only the first rows of each file in make_release (a reader's
    # `frictionless validate` reads them all); make_release's own pass checks every row.
    _d, release = disclosure_release
    copy = tmp_path / "copy"
    shutil.copytree(release_files.release_path(release.name), copy)
    claims = copy / "data/claims.csv"
    claims.chmod(0o644)
    lines = claims.read_text().splitlines()
    assert len(lines) >= 4
    header = lines[0].split(",")
    bad = [line.split(",") for line in lines[1:4]]
    bad[0][header.index("code")] = "7"  # not a code of the codebook
    bad[1][header.index("quantity")] = "twelve"  # not a number
    bad[2][header.index("activity")] = ""  # required
    claims.write_text("\n".join([lines[0], *(",".join(row) for row in bad), *lines[4:]]) + "\n")
    assert release_checks.check_files(copy) == [
        "data/claims.csv line 2: code '7' is not one of its enumeration",
        "data/claims.csv line 3: quantity 'twelve' is not a valid number",
        "data/claims.csv line 4: activity is empty",
    ]
    monkeypatch.setattr(release_checks, "FRICTIONLESS_ROWS", 0)  # so that only make_release's own pass looks
    with pytest.raises(release_files.ReleaseError, match="code '7' is not one of its enumeration"):
        release_checks.validate(copy)
    # Frictionless, reading every row, agrees.
    descriptor = json.loads((copy / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        resource.pop("hash")
    found = Package(descriptor, basepath=str(copy)).validate().flatten(["type"])
    assert [t for t, in found] == ["constraint-error", "type-error", "constraint-error"]


def test_the_copy_loads_each_cell_as_djangos_own_preparation_would(disclosure_release, tmp_path):
    # The load hands SQLite each CSV row as it is (the columns' affinity and NULLIF/CASE turn
    # the text into what Django would store) or the text that get_db_prep_save would send;
    # the same release loaded the general way (each cell parsed by its type, then
    # get_db_prep_save) gives the same database, value and storage class of every cell.
    from django.db import connections

    d, _release = disclosure_release
    Claim.objects.filter(pk=d.c1.pk).update(quantity=decimal.Decimal("12.5"), unit="t")
    release = make("2026.2")
    root = release_files.release_path(release.name)
    loaded = {}
    for general in (False, True):
        path = tmp_path / f"general-{general}.sqlite3"
        path.write_bytes(release_data.template())
        with release_data._connected(f"check_{general}", path) as alias:
            release_data.load(root, alias, general=general)
            with connections[alias].cursor() as cursor:
                tables = {}
                for table in releases.TABLES:
                    if table.model is None:
                        continue
                    name = table.model._meta.db_table
                    columns = [  # all but the moment of the load
                        f.column for f in table.model._meta.concrete_fields
                        if not f.generated and not getattr(f, "auto_now", False) and not getattr(f, "auto_now_add", False)
                    ]
                    selected = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
                    cursor.execute(f'SELECT {selected} FROM "{name}" ORDER BY id')
                    tables[name] = cursor.fetchall()
                loaded[general] = tables
    assert loaded[False] == loaded[True]
    claims = loaded[False]["registry_claim"]
    assert any(12.5 in row and "real" in row for row in claims)  # the quantity, a number
    assert sum(len(rows) for rows in loaded[False].values()) == sum(n for t, n in release.counts.items() if t not in ("agreement", "codebook"))


def test_make_release_timings_name_every_stage():
    api_data.build()
    err = io.StringIO()
    call_command("make_release", "2026.1", "--timings", stdout=io.StringIO(), stderr=err)
    stages = [line.split("  ")[0] for line in err.getvalue().splitlines()]
    for stage in ("export claims", "validate: every row (own check)", "validate: first rows (frictionless)", "MANIFEST",
                  "zip", "copy: load claims", "copy: indexes, key check", "copy: evidence, regions", "whole command"):
        assert stage in stages
    assert "load average (1, 5, 15 min)" in err.getvalue()


def test_the_copys_schema_is_migrated_once_per_code_version_and_copied(db, monkeypatch, tmp_path):
    timeseries_data.build()
    empty = tmp_path / "template.sqlite3"
    empty.write_bytes(release_data.template())  # this process's template (built by an earlier test, or now)
    with sqlite3.connect(empty) as template:
        template_triggers = [n for n, in template.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")]
    assert "registry_article_fts_ai" in template_triggers and len(template_triggers) > 10
    migrations = []
    migrate = release_data.call_command
    monkeypatch.setattr(release_data, "call_command", lambda *a, **k: (migrations.append(a), migrate(*a, **k)))
    first, second = make("2026.1"), make("2026.2")
    assert migrations == []  # both copies are the template copied, then loaded
    from django.db import connections

    for release in (first, second):
        with release_data.reading(release) as alias, connections[alias].cursor() as cursor:
            assert Article.objects.using(alias).count() == release.counts["articles"] > 0
            # The row triggers left out while loading are back, and did their work once:
            # the search index holds every article, the data version has moved.
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            assert [name for name, in cursor.fetchall()] == template_triggers
            cursor.execute("SELECT count(*) FROM registry_article_fts_docsize")  # a row per article indexed
            assert cursor.fetchone()[0] == release.counts["articles"]
            cursor.execute("SELECT number FROM registry_dataversion")
            assert cursor.fetchone()[0] >= 1
    # The same data, the same files byte for byte (only the name and the moment differ elsewhere).
    for table in releases.TABLES:
        assert (release_files.release_path("2026.1") / table.path).read_bytes() == (release_files.release_path("2026.2") / table.path).read_bytes()
    # A new or edited migration gives a new fingerprint, hence a new template (a stand-in
    # migration here: the real one costs ~20 s of CPU).
    def stand_in(command, database, **options):
        migrations.append((command,))
        connections[database].cursor().execute("CREATE TABLE stand_in (x)")

    current = release_data.template()
    monkeypatch.setattr(release_data, "call_command", stand_in)
    monkeypatch.setattr(release_data, "schema_fingerprint", lambda: "0" * 64)
    assert release_data.template() != current
    assert migrations == [("migrate",)]
    assert (release_data.cache_dir() / f"schema-{'0' * 16}.sqlite3").exists()


def test_nothing_restricted_and_no_internal_note_is_in_any_file(disclosure_release):
    d, release = disclosure_release
    texts = {p.name: p.read_text(encoding="utf-8") for p in files(release)}
    with zipfile.ZipFile(release_files.zip_path(release.name)) as zf:
        texts.update({f"zip:{n}": zf.read(n).decode() for n in zf.namelist()})
    for name, text in texts.items():
        for marker in api_data.MARKERS:
            assert marker not in text, (name, marker)
    assert {int(r["id"]) for r in csv_rows(release, "articles")} >= {d.a1.pk, d.a2.pk, d.a3.pk, d.follow_up.pk}
    assert d.a4.pk not in {int(r["id"]) for r in csv_rows(release, "articles")}
    assert {int(r["id"]) for r in csv_rows(release, "claims")} >= {d.c1.pk, d.c2.pk, d.c3.pk, d.c4.pk, d.c6.pk}
    assert not {d.c5.pk, d.c8.pk, d.c9.pk} & {int(r["id"]) for r in csv_rows(release, "claims")}
    enterprises = {int(r["id"]): r for r in csv_rows(release, "enterprises")}
    assert d.secret.pk not in enterprises and d.secret_unit.pk not in enterprises
    assert enterprises[d.unit.pk]["parent_id"] == ""  # its complex is hidden
    assert enterprises[d.e3.pk]["parent_id"] == str(d.e1.pk)  # a public complex is named
    follow_up = next(r for r in csv_rows(release, "articles") if int(r["id"]) == d.follow_up.pk)
    assert follow_up["follow_up_of_id"] == ""
    assert set(csv_rows(release, "articles")[0]) == {
        "id", "source_id", "published", "precision", "page", "title", "title_ko", "summary", "url", "follow_up_of_id", "status",
    }


def test_no_draft_article_is_in_the_release(db):
    d = api_data.build()
    # A draft of a public article about a public enterprise: work in progress, never released.
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2021, 3, 3), title="DRAFT-TITLE-MARKER",
                                   summary="DRAFT-SUMMARY-MARKER", status="draft")
    claim = Claim.objects.create(article=draft, enterprise=d.e1, activity="production", code=1, detail="DRAFT-DETAIL-MARKER")
    release = make()
    assert draft.pk not in {int(r["id"]) for r in csv_rows(release, "articles")}
    assert claim.pk not in {int(r["id"]) for r in csv_rows(release, "claims")}
    for path in files(release):
        if path.suffix in (".csv", ".json", ".md", ".cff"):
            assert "DRAFT-" not in path.read_text(encoding="utf-8"), path.name


_READ = {
    "integer": int,
    "number": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "boolean": lambda s: {"true": True, "false": False}[s],
    "string": str,
}


def typed_rows(release, table):
    """A CSV read as R or pandas read it with the Table Schema: each column by its type."""
    descriptor = json.loads((release_files.release_path(release.name) / "datapackage.json").read_text())
    schema = next(r["schema"] for r in descriptor["resources"] if r["name"] == table)
    types = [(f["name"], f["type"]) for f in schema["fields"]]
    with open(release_files.release_path(release.name) / f"data/{table}.csv", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == [name for name, _ in types]
        return [{name: None if text == "" else _READ[kind](text) for (name, kind), text in zip(types, row)} for row in reader]


def test_each_csv_reads_back_with_its_types(disclosure_release):
    d, release = disclosure_release
    Claim.objects.filter(pk=d.c1.pk).update(quantity=decimal.Decimal("12.5"), unit="t")
    release = make("2026.2")
    claims = {row["id"]: row for row in typed_rows(release, "claims")}
    assert claims[d.c1.pk] == {
        "id": d.c1.pk, "article_id": d.a1.pk, "enterprise_id": d.e1.pk, "activity": "facility", "code": 2,
        "detail": "Oxygen furnace", "quantity": decimal.Decimal("12.5"), "unit": "t",
    }
    articles = {row["id"]: row for row in typed_rows(release, "articles")}
    assert articles[d.a2.pk]["published"] == datetime.date(2018, 3, 1) and articles[d.a2.pk]["precision"] == "month"
    chongjin = next(r for r in typed_rows(release, "places") if r["slug"] == "chongjin")
    stored = Location.objects.get(slug="chongjin")
    assert (chongjin["latitude"], chongjin["longitude"], chongjin["level"]) == (stored.latitude, stored.longitude, stored.level)
    assert {type(r["is_alias"]) for r in typed_rows(release, "place_names")} == {bool}
    codebook = typed_rows(release, "codebook")
    assert [(r["scheme"], r["value"]) for r in codebook] == [(s, v) for s, v, *_ in codebook_rows()]
    # Every table reads back whole with its types: as many rows as the release records.
    assert {t.name: len(typed_rows(release, t.name)) for t in releases.TABLES} == release.counts


# --- the command and the record -----------------------------------------------------------


def test_a_used_name_is_refused_and_nothing_is_written(disclosure_release, releases_dir):
    _d, release = disclosure_release
    before = sorted(p.relative_to(releases_dir) for p in releases_dir.rglob("*"))
    with pytest.raises(CommandError, match="'2026.1' is already used"):
        make("2026.1")
    with pytest.raises(CommandError, match="name '../x'"):
        make("../x")
    assert sorted(p.relative_to(releases_dir) for p in releases_dir.rglob("*")) == before
    assert Release.objects.count() == 1


def test_the_release_row_records_counts_checksum_codebook_and_maker(releases_dir):
    d = api_data.build()
    d.a5.delete()  # the draft: whether drafts are public is the visibility rule's business
    maker = User.objects.create_user("editor")
    release = make("2027.1", user="editor", title="Registry 2027", notes="Second release.")
    assert release.created_by == maker and release.codebook_version == CODEBOOK_VERSION
    # Anonymous users see articles A1, A2, A3, claims c1-c4, c6, and E1-E5 (E5 has no
    # evidence left, and an enterprise without evidence is public); E1's two aliases.
    assert {k: release.counts[k] for k in ("articles", "claims", "enterprises", "enterprise_aliases")} == {
        "articles": 3, "claims": 5, "enterprises": 5, "enterprise_aliases": 2,
    }
    assert release.counts["places"] == Location.objects.count()
    assert release.checksum == release_files.verify(release_files.release_path("2027.1"))
    readme = (release_files.release_path("2027.1") / "README.md").read_text()
    assert "Second release." in readme and "OpenStreetMap" in readme and "| claims | 5 |" in readme
    assert 'version: "2027.1"' in (release_files.release_path("2027.1") / "CITATION.cff").read_text()


def test_the_codebook_version_is_bumped_with_its_definitions():
    # Change a definition and this fails: then bump CODEBOOK_VERSION and record the new
    # fingerprint here, so that a release says which definitions its data was coded under.
    fingerprint = hashlib.sha256(json.dumps(list(codebook_rows())).encode()).hexdigest()
    assert {CODEBOOK_VERSION: fingerprint} == {"1": "342fe7dbe7fd67faac292841787753b2ecaf33b42995212f286083dd5d6189b4"}


# --- served ---------------------------------------------------------------------------------


def test_anyone_may_list_and_download_a_release_whose_checksums_match(disclosure_release, django_assert_num_queries):
    _d, release = disclosure_release
    client = APIClient()
    with django_assert_num_queries(1):  # the page, which comes back short: it tells the count (api/pagination.py)
        listing = client.get("/api/v1/releases/").json()
    row = listing["results"][0]
    assert {k: row[k] for k in ("name", "checksum", "codebook_version", "counts")} == {
        "name": "2026.1", "checksum": release.checksum, "codebook_version": CODEBOOK_VERSION, "counts": release.counts,
    }
    assert release.checksum in row["citation"] and "release 2026.1" in row["citation"]
    response = client.get(row["download"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == row["zip_sha256"] == response["X-Checksum-SHA256"]
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        manifest = zf.read("2026.1/MANIFEST")
        assert hashlib.sha256(manifest).hexdigest() == release.checksum
        for line in manifest.decode().splitlines():
            digest, name = line.split("  ")
            assert hashlib.sha256(zf.read(f"2026.1/{name}")).hexdigest() == digest
    assert client.get("/api/v1/releases/nope/download/").status_code == 404


# --- every answer names its data ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_live_answers_carry_the_last_change_and_the_public_counts():
    # Committed writes: the public stamp (registry/stored/dataversion.py) moves at COMMIT, as the
    # public sees it, on PostgreSQL.
    call_command("load_reference", verbosity=0)
    world = timeseries_data.build()
    world["a6"].delete()  # the draft: whether drafts are public is the visibility rule's business
    client = APIClient()
    body = client.get("/api/v1/timeseries/", {"regions": "Chongjin"}).json()
    stamp = body["data_version"]
    # Anonymous: a1-a4 (a5 restricted); S, C, H; 7 claims (a5's one hidden).
    assert stamp["counts"] == {"articles": 4, "enterprises": 3, "claims": 7}
    assert stamp["source"] == "live" and stamp["codebook_version"] == CODEBOOK_VERSION
    Claim.objects.filter(article=world["a2"]).delete()
    later = client.get("/api/v1/timeseries/", {"regions": "Chongjin"}).json()["data_version"]
    assert later["counts"]["claims"] == 6 and later["last_change"] > stamp["last_change"]

    csv_response = client.get("/api/v1/timeseries/", {"regions": "Chongjin", "format": "csv"})
    assert csv_response["X-Codebook-Version"] == CODEBOOK_VERSION
    assert csv_response["X-Data-Version"] == f"live data, last change {later['last_change']}; 4 articles, 3 enterprises, 6 claims"
    err = io.StringIO()
    call_command("export_timeseries", "--regions", "Chongjin", stdout=io.StringIO(), stderr=err)
    assert f"data: live data, last change {later['last_change']}; 4 articles, 3 enterprises, 6 claims; codebook version {CODEBOOK_VERSION}" in err.getvalue()
    html = client.get("/compare/", {"regions": "chongjin"}).content.decode()
    assert f"4 articles, 3 enterprises, 6 claims; codebook version {CODEBOOK_VERSION}" in html


def test_an_unknown_or_tampered_release_is_a_clear_error(world_release):
    _world, release = world_release
    response = APIClient().get("/api/v1/timeseries/", {"release": "1999.9"})
    assert response.status_code == 400 and "no release named '1999.9' (releases: 2026.1)" in response.json()["errors"]["release"][0]
    with pytest.raises(CommandError, match="--release: no release named"):
        call_command("export_timeseries", "--release", "1999.9", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="--user: a release holds public data only"):
        call_command("export_timeseries", "--release", "2026.1", "--user", "x", stdout=io.StringIO(), stderr=io.StringIO())
    # make_release built the copy series are read from; a server without it builds its own,
    # and refuses files that differ from their MANIFEST.
    assert (release_data.cache_dir() / f"{release.checksum}.sqlite3").exists()
    shutil.rmtree(release_data.cache_dir())
    claims = release_files.release_path(release.name) / "data/claims.csv"
    claims.chmod(0o644)
    claims.write_text(claims.read_text().replace(",1,", ",2,", 1))
    response = APIClient().get("/api/v1/timeseries/", {"release": "2026.1"})
    assert response.status_code == 400 and "data/claims.csv: its SHA-256 differs from MANIFEST" in response.json()["errors"]["release"][0]


# --- the method's records: coverage and stories ----------------------------------------------


def test_a_release_carries_coverage_and_public_story_links_and_its_series_match_the_live_ones(db):
    from registry.models import Coverage, Source, Story, StoryMember

    world = timeseries_data.build()
    kcna = Source.objects.get(short_name="KCNA")
    reader = User.objects.create_user("reader-marker")
    Coverage.objects.create(source=kcna, start=datetime.date(2015, 1, 1), end=datetime.date(2015, 12, 31), read_by=reader)
    Coverage.objects.create(source=kcna, start=datetime.date(2018, 1, 1), end=datetime.date(2018, 6, 30), extent="partial",
                            note="first half only")
    both = Story.objects.create(title="Machine factory built")
    StoryMember.objects.create(story=both, article=world["a1"])
    StoryMember.objects.create(story=both, article=world["a2"])
    half = Story.objects.create(title="Steel works renovated")
    StoryMember.objects.create(story=half, article=world["a4"])
    StoryMember.objects.create(story=half, article=world["a5"])  # restricted
    hidden = Story.objects.create(title="HIDDEN-STORY-MARKER")
    StoryMember.objects.create(story=hidden, article=world["a5"].__class__.objects.create(
        source=kcna, published=datetime.date(2018, 5, 3), title="x", disclosure="restricted", status="coded"))
    release = make()

    coverage = csv_rows(release, "coverage")
    assert [(r["source_id"], r["start"], r["end"], r["extent"], r["note"]) for r in coverage] == [
        (str(kcna.pk), "2015-01-01", "2015-12-31", "complete", ""), (str(kcna.pk), "2018-01-01", "2018-06-30", "partial", "first half only")]
    assert "read_by" not in coverage[0]
    assert [(r["id"], r["title"]) for r in csv_rows(release, "stories")] == [(str(both.pk), both.title), (str(half.pk), half.title)]
    assert sorted((int(r["story_id"]), int(r["article_id"])) for r in csv_rows(release, "story_members")) == sorted(
        [(both.pk, world["a1"].pk), (both.pk, world["a2"].pk), (half.pk, world["a4"].pk)])
    for path in files(release):
        if path.suffix in (".csv", ".json", ".md"):
            assert "HIDDEN-STORY-MARKER" not in path.read_text(encoding="utf-8") and "reader-marker" not in path.read_text(encoding="utf-8")

    # KCNA per year 2015-2018, public: 2015 a1, a2 (one story); 2016 a3 (not recorded as read, but
    # it holds a3: kept and flagged); 2017 none (unread and empty: no value); 2018 a4 (half read: share 181/365).
    for metric, values in (("articles", [2, 1, None, 1]), ("stories", [1, 1, None, 1])):
        params = {"source": "KCNA", "start": "2015", "end": "2018", "metric": metric}
        frozen = from_release(release, params)
        assert frozen["values"] == {"all": values} and frozen["coverage"] == [1.0, 0.0, 0.0, round(181 / 365, 4)]
        assert frozen == live(params)
    # The release's series stays as it was when the live coverage grows.
    Coverage.objects.create(source=kcna, start=datetime.date(2016, 1, 1), end=datetime.date(2017, 12, 31))
    assert live({"source": "KCNA", "start": "2015", "end": "2018"})["values"] == {"all": [2, 1, 0, 1]}
    assert from_release(release, {"source": "KCNA", "start": "2015", "end": "2018"})["values"] == {"all": [2, 1, None, 1]}
    assert Package(str(release_files.release_path(release.name) / "datapackage.json")).validate().valid


# --- authors and licence (issue 25) ----------------------------------------------------------


def test_a_release_names_its_authors_and_licence_in_every_file(db):
    import yaml

    timeseries_data.build()
    release = make("2026.5", authors=["Kim, Min-jun, 0000-0002-1825-0097", "Lee, Seo-yeon"], licence="CC-BY-4.0")
    root = release_files.release_path(release.name)
    package = json.loads((root / "datapackage.json").read_text())
    assert package["licenses"] == [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
                                    "path": "https://creativecommons.org/licenses/by/4.0/"}]
    assert package["contributors"] == [
        {"title": "Min-jun Kim", "role": "author", "path": "https://orcid.org/0000-0002-1825-0097"},
        {"title": "Seo-yeon Lee", "role": "author"}]
    assert Package(str(root / "datapackage.json")).validate().valid
    cff = yaml.safe_load((root / "CITATION.cff").read_text())
    assert cff["license"] == "CC-BY-4.0" and cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["authors"] == [
        {"family-names": "Kim", "given-names": "Min-jun", "orcid": "https://orcid.org/0000-0002-1825-0097"},
        {"family-names": "Lee", "given-names": "Seo-yeon"}]
    readme = (root / "README.md").read_text()
    assert "- Kim, Min-jun (ORCID 0000-0002-1825-0097)" in readme and "CC-BY-4.0" in readme and "ODbL" in readme
    # The counting rules travel with the release.
    assert "**coverage-never-hides**" in readme and "**alpha-verdict**" in readme


def test_a_bad_author_or_licence_is_refused_before_anything_is_written(db):
    timeseries_data.build()
    with pytest.raises(CommandError, match="--author 'Kim Min-jun'"):
        make("2026.6", authors=["Kim Min-jun"])
    with pytest.raises(CommandError, match="is not an ORCID"):
        make("2026.6", authors=["Kim, Min-jun, 1234"])
    with pytest.raises(CommandError, match="--licence 'MIT'"):
        make("2026.6", licence="MIT")
    assert not Release.objects.filter(name="2026.6").exists() and not release_files.release_path("2026.6").exists()
