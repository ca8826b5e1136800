"""Citable releases: `make_release` freezes what the public may see into a Frictionless Data
Package that never changes, so that a number published from it can be recomputed years later.

    release = make_release(name="2026.1", title="…", notes="…", user=user, progress=report)

The files (release_tables.py says what is in them) are written into a temporary directory
under RELEASES_DIR, read back and validated (every row's keys, types, enumerations and required cells by `_check_files`;
the descriptor and each file's first rows by `frictionless`), listed with their SHA-256 in MANIFEST and zipped; only then are they moved
to RELEASES_DIR/<name>/ and <name>.zip and recorded as a Release row. Last, the SQLite copy
that series are computed from is built (release_data.py), so that no request has to. The MANIFEST's own
SHA-256 is the release's checksum: one number to cite. Rows are streamed from a database
cursor to the files, never held in memory.
"""

import csv
import datetime
import decimal
import hashlib
import itertools
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from registry.releases import data as release_data
from registry.method import rules as method_rules
from registry.method.codebook import CODEBOOK_VERSION
from registry.models import RELEASE_NAME_PATTERN, Release
from registry.releases.tables import TABLES

PROGRESS_EVERY = 50_000
PUBLISHER = "North Korean Enterprise Registry"
PLACE_ATTRIBUTION = [
    {"title": "OpenStreetMap contributors (second-level units, Hangul names, centroids)",
     "path": "https://www.openstreetmap.org/copyright", "license": "ODbL-1.0"},
    {"title": "GeoNames (administrative codes, McCune–Reischauer names)",
     "path": "https://www.geonames.org/", "license": "CC-BY-4.0"},
    {"title": "countries-states-cities-database, dr5hn (first-level units, ISO 3166-2:KP, coordinates)",
     "path": "https://github.com/dr5hn/countries-states-cities-database", "license": "ODbL-1.0"},
]


class ReleaseError(ValueError):
    pass


class Timings:
    """Wall and CPU seconds of each stage of a release, in order (`make_release --timings`):
    where the minutes of a big release go."""

    def __init__(self):
        self.stages = []  # (stage, wall seconds, CPU seconds of this process)

    @contextmanager
    def stage(self, name):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.stages.append((name, time.perf_counter() - wall, time.process_time() - cpu))


class _Untimed:
    @staticmethod
    def stage(name):
        return nullcontext()


UNTIMED = _Untimed()


def releases_dir():
    return Path(settings.RELEASES_DIR)


def release_path(name):
    return releases_dir() / name


def zip_path(name):
    return releases_dir() / f"{name}.zip"


def check_name(name):
    if not re.match(RELEASE_NAME_PATTERN, name or ""):
        raise ReleaseError(f"name {name!r}: use letters, digits, '.', '-' or '_' (up to 40), e.g. 2026.1")
    if Release.objects.filter(name=name).exists() or release_path(name).exists() or zip_path(name).exists():
        raise ReleaseError(f"name {name!r} is already used: a release never changes; choose a new name")


LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}
ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def parse_author(text):
    """{"family", "given", "orcid"} from "Family, Given" or "Family, Given, 0000-0002-1825-0097"
    (the ORCID optional, bare or as its https://orcid.org/ address)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ReleaseError(f"--author {text!r}: write \"Family, Given\" or \"Family, Given, ORCID\"")
    orcid = None
    if len(parts) == 3:
        found = ORCID.match(parts[2])
        if not found:
            raise ReleaseError(f"--author {text!r}: {parts[2]!r} is not an ORCID (0000-0000-0000-0000)")
        orcid = found.group(1)
    return {"family": parts[0], "given": parts[1], "orcid": orcid}


def make_release(*, name, title="", notes="", user=None, progress=None, timings=None, authors=(), licence=None):
    """Write, validate and record the release NAME. Refuses a name already used.
    `timings`: a Timings that gets each stage's wall and CPU time. `authors`: "Family, Given[,
    ORCID]" each; `licence`: an SPDX id of LICENCES (default settings.RELEASE_LICENCE)."""
    timings = timings or UNTIMED
    check_name(name)
    licence = licence or getattr(settings, "RELEASE_LICENCE", "CC-BY-4.0")
    if licence not in LICENCES:
        raise ReleaseError(f"--licence {licence!r}: one of {', '.join(LICENCES)}")
    authors = [parse_author(a) for a in authors]
    created = timezone.now().replace(microsecond=0)
    title = title or PUBLISHER
    releases_dir().mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=releases_dir()))
    try:
        counts, hashes = _write_tables(work, progress, timings)
        meta = {"name": name, "title": title, "notes": notes, "created": created, "counts": counts,
                "authors": authors, "licence": licence}
        _write(work / "datapackage.json", json.dumps(_descriptor(meta, hashes), ensure_ascii=False, indent=2) + "\n")
        _write(work / "README.md", _readme(meta))
        _write(work / "CITATION.cff", _citation_cff(meta))
        if progress:
            progress("validating", sum(counts.values()))
        _validate(work, timings)
        with timings.stage("MANIFEST"):
            manifest = _manifest(work)
            _write(work / "MANIFEST", manifest)
            checksum = hashlib.sha256(manifest.encode()).hexdigest()
        archive = work.with_suffix(".zip")
        with timings.stage("zip"):
            _zip(work, archive, name, created)
        work.chmod(0o755)  # mkdtemp made it private
        for path in work.rglob("*"):
            if path.is_file():
                path.chmod(0o444)  # a release never changes
        with transaction.atomic():
            try:
                release = Release.objects.create(
                    name=name, title=title, notes=notes, created_at=created, created_by=user if user and user.pk else None,
                    codebook_version=CODEBOOK_VERSION, counts=counts, checksum=checksum,
                    zip_sha256=_sha256(archive), zip_size=archive.stat().st_size,
                )
            except IntegrityError:
                raise ReleaseError(f"name {name!r} is already used: a release never changes; choose a new name") from None
            os.rename(archive, zip_path(name))
            os.rename(work, release_path(name))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        work.with_suffix(".zip").unlink(missing_ok=True)
    if progress:
        progress("preparing the copy that series are computed from", sum(counts.values()))
    release_data.prepare(release, timings=timings)
    return release


def _write_tables(work, progress, timings=UNTIMED):
    """Every table to its CSV from one consistent snapshot of the database."""
    (work / "data").mkdir()
    counts, hashes = {}, {}
    # Inside a caller's transaction (a test case) the snapshot is already the caller's.
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # The tables are read by several queries; they must see the same moment.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for table in TABLES:
            path = work / table.path
            with timings.stage(f"export {table.name}"):
                counts[table.name] = _write_csv(path, table, progress)
                hashes[table.name] = _sha256(path)
    return counts, hashes


def _write_csv(path, table, progress):
    rows, source = 0, iter(table.rows())
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in table.columns])
        while chunk := list(itertools.islice(source, PROGRESS_EVERY)):
            # The csv module writes a str, an int and None (as "") as _cell would, in C.
            writer.writerows([value if value.__class__ in _PLAIN else _cell(value) for value in row] for row in chunk)
            rows += len(chunk)
            if progress:
                progress(table.name, rows)
    if progress and not rows:
        progress(table.name, rows)
    return rows


_PLAIN = {str, int, type(None)}


def _cell(value):
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        # 12.5000 -> 12.5; never an exponent (1E+1) that a reader might not take as a number.
        return format(value.normalize(), "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


def package_name(name):
    return "nk-enterprise-registry-" + re.sub(r"[^a-z0-9._-]", "-", name.lower())


def _descriptor(meta, hashes):
    return {
        "profile": "tabular-data-package",
        "name": package_name(meta["name"]),
        "title": meta["title"],
        "version": meta["name"],
        "created": meta["created"].isoformat().replace("+00:00", "Z"),
        "description": meta["notes"] or meta["title"],
        "codebook_version": CODEBOOK_VERSION,
        # The data's licence; the place data's own (ODbL, GeoNames) named with their sources.
        "licenses": [{"name": meta.get("licence", "CC-BY-4.0"), "title": LICENCES[meta.get("licence", "CC-BY-4.0")][0],
                      "path": LICENCES[meta.get("licence", "CC-BY-4.0")][1]}],
        "contributors": [
            {"title": f"{a['given']} {a['family']}", "role": "author",
             **({"path": f"https://orcid.org/{a['orcid']}"} if a["orcid"] else {})}
            for a in meta.get("authors", ())
        ] or [{"title": PUBLISHER, "role": "publisher"}],
        "sources": PLACE_ATTRIBUTION,
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "profile": "tabular-data-resource",
                "description": table.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{hashes[table.name]}",
                "schema": table.schema(),
            }
            for table in TABLES
        ],
    }


def citation(release):
    """How to cite a release, as one line."""
    return (
        f"{PUBLISHER} ({release.created_at:%Y}). {release.title}, release {release.name} [Data set]. "
        f"Codebook version {release.codebook_version}. SHA-256 {release.checksum}."
    )


def _readme(meta):
    counts = "\n".join(f"| {name} | {n:,} |" for name, n in meta["counts"].items())
    files = "\n".join(f"- `{t.path}`: {t.description}" for t in TABLES)
    places = "\n".join(f"- {s['title']}: {s['license']}, {s['path']}" for s in PLACE_ATTRIBUTION)
    name = meta["name"]
    rules = method_rules.as_markdown()
    authors_md = "\n".join(
        f"- {a['family']}, {a['given']}" + (f" (ORCID {a['orcid']})" if a["orcid"] else "") for a in meta.get("authors", ())
    ) or f"- {PUBLISHER}"
    licence = meta.get("licence", "CC-BY-4.0")
    licence_url = LICENCES[licence][1]
    return f"""# {meta['title']}

Release **{name}** of the {PUBLISHER}, made {meta['created']:%Y-%m-%d %H:%M} UTC under codebook
version {CODEBOOK_VERSION}. It holds what the public may see of the registry at that moment:
public articles (headline, summary, link; no full texts), the enterprises they name, the
coded claims, the place tree with every spelling, the industry taxonomy, the sources, which
date ranges of each source were read (coverage), the stories that link reprints of one event,
the enterprises' attributes in time resting on public evidence (attribute periods), and the
codebook. A release never changes; later coding goes into later releases.

{meta['notes']}

## Contents

| file | rows |
| --- | ---: |
{counts}

{files}

`datapackage.json` describes every file as a Frictionless Table Schema: column types,
enumerations (defined in `data/codebook.csv`), primary and foreign keys. Empty cells are
missing values. Dates are ISO 8601; an article dated only to a month or a year carries the
first day of it and says so in `precision`.

## Checking it

`MANIFEST` lists the SHA-256 of every other file (`sha256sum -c MANIFEST`); the SHA-256 of
`MANIFEST` itself is the release's checksum, printed in its citation.

## Reproducing a number

Every time series of the registry can be computed from this release instead of the live data,
coverage included (a period nobody recorded reading that holds no article has no value, not 0;
one holding articles keeps its value, flagged), stories (`metric=stories`) and the attribute
periods (each claim counted under what its enterprise was on the claim's date; `as_of=` for
one day's values):

    python manage.py export_timeseries --release {name} --regions Chongjin --activity investment
    GET /api/v1/timeseries/?release={name}&regions=Chongjin&activity=investment

## Counting rules

How every number is counted (`registry/method/rules.py`; the same list is on the registry's
`/method/` page and at `/api/v1/method/`):

{rules}

## How to cite

{PUBLISHER} ({meta['created']:%Y}). {meta['title']}, release {name} [Data set]. Codebook
version {CODEBOOK_VERSION}. Give the release's checksum (the SHA-256 of `MANIFEST`) with it;
see also `CITATION.cff`.

## Authors and licence

{authors_md}

The data are released under {licence} ({licence_url}); the place data keep their own licences,
below.

## Licences and attributions of the place data

{places}
"""


def _citation_cff(meta):
    def quoted(text):
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar

    authors = "".join(
        f"  - family-names: {quoted(a['family'])}\n    given-names: {quoted(a['given'])}\n"
        + (f"    orcid: {quoted('https://orcid.org/' + a['orcid'])}\n" if a["orcid"] else "")
        for a in meta.get("authors", ())
    ) or f"  - name: {quoted(PUBLISHER)}\n"
    return (
        "cff-version: 1.2.0\n"
        "message: If you use this data, please cite it as below.\n"
        "type: dataset\n"
        f"title: {quoted(meta['title'])}\n"
        f"version: {quoted(meta['name'])}\n"
        f"date-released: {meta['created']:%Y-%m-%d}\n"
        f"license: {quoted(meta.get('licence', 'CC-BY-4.0'))}\n"
        "authors:\n"
        f"{authors}"
        f"abstract: {quoted(meta['notes'] or meta['title'])}\n"
        "# The release's checksum (SHA-256 of MANIFEST, which lists this file) is printed with its\n"
        "# citation; a DOI, once one is assigned, goes here:\n"
        "# doi: 10.xxxx/xxxxx\n"
    )


# Frictionless reads every row of a million-claim package in about 50 s of CPU; it checks the
# first rows of each file (its reading of our dialect, types and formats agrees with ours),
# and _check_files checks every row by the same Table Schema in one pass of the csv module.
FRICTIONLESS_ROWS = 1000


def _validate(work, timings=UNTIMED):
    """Refuse the release unless every file is valid: every row checked here (_check_files:
    keys, types, enumerations, required cells), then frictionless on the descriptor and the
    first FRICTIONLESS_ROWS rows of each file. The files still carry their whole Table
    Schema, primaryKey and foreignKeys included, so a reader's `frictionless validate` checks
    every row again."""
    with timings.stage("validate: every row (own check)"):
        errors = _check_files(work)
    if errors:
        raise ReleaseError("the package does not validate: " + "; ".join(errors[:10]))
    with timings.stage("validate: first rows (frictionless)"):
        _frictionless(work)


def _frictionless(work):
    from frictionless import Package

    descriptor = json.loads((work / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource["schema"].pop("primaryKey", None)
        resource["schema"].pop("foreignKeys", None)
        resource.pop("hash", None)  # a hash covers the whole file, not the rows read; MANIFEST checks it
    report = Package(descriptor, basepath=str(work)).validate(limit_rows=FRICTIONLESS_ROWS)
    if not report.valid:
        errors = report.flatten(["type", "note"])[:10]
        raise ReleaseError("the package does not validate: " + "; ".join(f"{t}: {n}" for t, n in errors))


def _is_date(text):
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


# What a cell of each Table Schema type may hold: what _cell writes, and what frictionless
# and a reader's type parser take (an empty cell is a missing value, checked as required).
_VALID = {
    "integer": re.compile(r"-?\d+").fullmatch,
    "number": re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?").fullmatch,
    "date": _is_date,
    "boolean": {"true", "false"}.__contains__,
    "string": None,
}


def _cell_checks(table, index):
    """(position, column, validity test or None) for each column that needs a look."""
    checks = []
    for column in table.columns:
        valid = _VALID[column.type]
        if column.enum:
            valid = {_cell(v) for v in column.enum}.__contains__
        if column.required or valid:
            checks.append((index[column.name], column, valid))
    return checks


def _check_files(work):
    """Every row of every file read back once (the csv module's C parser: seconds at a million
    rows) and checked by its table's schema: the header, the number of cells, each cell's type,
    enumeration and required-ness; primary keys unique and every foreign key found. Only the
    referenced columns' values are kept; an id primary key is checked by its order (rows are
    written by id). Returns error messages naming file, line, column and value."""
    referenced = {(table, column) for t in TABLES for _c, table, column in t.foreign_keys}
    values, errors = {}, []
    for table in TABLES:
        pending = []  # references to this same table: checked once it is read whole
        kept = {column: set() for name, column in referenced if name == table.name}
        seen, last = set(), None
        with open(work / table.path, encoding="utf-8", newline="") as source:
            reader = csv.reader(source)
            header = next(reader, [])
            if header != [c.name for c in table.columns]:
                errors.append(f"{table.path}: header {header} is not the schema's {[c.name for c in table.columns]}")
                continue
            index = {name: header.index(name) for name in header}
            width, checks = len(header), _cell_checks(table, index)
            key = [index[c] for c in table.primary_key]
            links = [(index[c], t, ref) for c, t, ref in table.foreign_keys]
            try:
                for line, row in enumerate(reader, start=2):
                    if len(errors) >= 10:
                        break
                    if len(row) != width:
                        errors.append(f"{table.path} line {line}: {len(row)} cells, not {width}")
                        continue
                    for position, column, valid in checks:
                        cell = row[position]
                        if cell == "":
                            if column.required:
                                errors.append(f"{table.path} line {line}: {column.name} is empty")
                        elif valid and not valid(cell):
                            allowed = "one of its enumeration" if column.enum else f"a valid {column.type}"
                            errors.append(f"{table.path} line {line}: {column.name} {cell!r} is not {allowed}")
                    if table.primary_key == ["id"]:
                        try:
                            number = int(row[key[0]])
                        except ValueError:
                            errors.append(f"{table.path} line {line}: id {row[key[0]]!r} is not a whole number")
                            continue
                        if last is not None and number <= last:
                            errors.append(f"{table.path} line {line}: id {number} repeated or out of order")
                        last = number
                    else:
                        pk = tuple(row[i] for i in key)
                        if pk in seen:
                            errors.append(f"{table.path} line {line}: primary key {pk} repeated")
                        seen.add(pk)
                    for column, found in kept.items():
                        found.add(row[index[column]])
                    for position, other, ref in links:
                        cell = row[position]
                        if not cell:
                            continue
                        if other == table.name:
                            pending.append((line, header[position], cell, ref))
                        elif cell not in values[(other, ref)]:
                            errors.append(f"{table.path} line {line}: {header[position]} {cell} is not in {other}.csv")
            except UnicodeDecodeError as error:
                errors.append(f"{table.path}: not UTF-8 ({error.reason} at byte {error.start})")
        values.update({(table.name, column): found for column, found in kept.items()})
        for line, column, cell, ref in pending:
            if cell not in values[(table.name, ref)]:
                errors.append(f"{table.path} line {line}: {column} {cell} is not in {table.name}.csv")
        if len(errors) >= 10:
            break
    return errors[:10]


def manifest_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "MANIFEST")


def _manifest(root):
    return "".join(f"{_sha256(p)}  {p.relative_to(root).as_posix()}\n" for p in manifest_files(root))


def verify(root):
    """The checksum of the release at `root`, after checking every file against MANIFEST.
    Raises ReleaseError naming the first file that differs, is missing or is extra."""
    try:
        manifest = (root / "MANIFEST").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReleaseError(f"{root.name}: the release's files are not on this server") from None
    listed = {}
    for line in manifest.splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(root).as_posix() for p in manifest_files(root)}
    for name in sorted(set(listed) | present):
        if name not in present:
            raise ReleaseError(f"{name}: listed in MANIFEST but missing")
        if name not in listed:
            raise ReleaseError(f"{name}: not listed in MANIFEST")
        if _sha256(root / name) != listed[name]:
            raise ReleaseError(f"{name}: its SHA-256 differs from MANIFEST")
    return hashlib.sha256(manifest.encode()).hexdigest()


def _zip(root, archive, name, created):
    """One zip, byte for byte the same for the same files: fixed order, dates and modes."""
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{name}/{path.relative_to(root).as_posix()}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o444 << 16
            with open(path, "rb") as src, zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
