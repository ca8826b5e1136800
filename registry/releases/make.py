"""Citable releases: `make_release` freezes what the public may see into a Frictionless Data
Package that never changes, so that a number published from it can be recomputed years later.

    release = make_release(name="2026.1", title="…", notes="…", user=user, progress=report)

The files (tables.py says what is in them; describe.py writes the descriptor, README and citation) are written into a temporary directory
under RELEASES_DIR, read back and validated (every row's keys, types, enumerations and required cells by `check_files`;
the descriptor and each file's first rows by `frictionless`), listed with their SHA-256 in MANIFEST and zipped; only then are they moved
to RELEASES_DIR/<name>/ and <name>.zip and recorded as a Release row. Last, the SQLite copy
that series are computed from is built (data.py), so that no request has to. The MANIFEST's own
SHA-256 is the release's checksum: one number to cite. Rows are streamed from a database
cursor to the files, never held in memory."""

import csv
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from registry.releases import data as release_data
from registry.method.codebook import CODEBOOK_VERSION
from registry.models import Release
from registry.releases.tables import TABLES
from registry.releases.describe import (
    LICENCES, PUBLISHER, citation_cff, descriptor, readme, parse_author
)
from registry.releases.files import (
    ReleaseError, UNTIMED, PLAIN, cell_text, manifest_text, sha256, check_name, release_path,
    releases_dir, zip_path
)
from registry.releases.validate import validate


PROGRESS_EVERY = 50_000


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
        _write(work / "datapackage.json", json.dumps(descriptor(meta, hashes), ensure_ascii=False, indent=2) + "\n")
        _write(work / "README.md", readme(meta))
        _write(work / "CITATION.cff", citation_cff(meta))
        if progress:
            progress("validating", sum(counts.values()))
        validate(work, timings)
        with timings.stage("MANIFEST"):
            manifest = manifest_text(work)
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
                    zip_sha256=sha256(archive), zip_size=archive.stat().st_size,
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
                hashes[table.name] = sha256(path)
    return counts, hashes


def _write_csv(path, table, progress):
    rows, source = 0, iter(table.rows())
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in table.columns])
        while chunk := list(itertools.islice(source, PROGRESS_EVERY)):
            # The csv module writes a str, an int and None (as "") as cell_text would, in C.
            writer.writerows([value if value.__class__ in PLAIN else cell_text(value) for value in row] for row in chunk)
            rows += len(chunk)
            if progress:
                progress(table.name, rows)
    if progress and not rows:
        progress(table.name, rows)
    return rows


def _write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(text)


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
