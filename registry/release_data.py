"""Reproduce from a release: the same time-series service, run against the release's data.

A release's CSVs are loaded once into an SQLite database built with the project's own
migrations and cached by the release's checksum (RELEASES_DIR/.cache/<checksum>.sqlite3).
The migrations run once per code version, not once per release: their empty result is kept
as a template (RELEASES_DIR/.cache/schema-<fingerprint>.sqlite3, and in each process's
memory) and copied.
While a series is computed from it, every read of the registry's tables is routed to that
database — parsing (place and industry names), grouping and counting alike — so there is
one code path, not a second implementation:

    with reading(release):
        result = timeseries.compute(timeseries.parse_params(params))

A release is public data: series from it count what an anonymous user would have counted.
"""

import contextvars
import csv
import datetime
import decimal
import functools
import hashlib
import json
import os
import sys
import threading
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connections, transaction
from django.db.utils import load_backend

from .models import Release

_reading = contextvars.ContextVar("release_alias", default=None)
_lock = threading.Lock()
_templates = {}  # schema fingerprint -> bytes of a migrated, empty database: built once per process
BATCH = 5000


class ReleaseRouter:
    """Sends the registry's reads (and, should one happen, writes) to the release being read
    inside `reading()`; anything else (users, sessions, tokens) stays on the live database."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        return alias if alias and model._meta.app_label == "registry" else None

    db_for_write = db_for_read


class ReleaseNotFound(LookupError):
    pass


def find(name):
    """The Release called NAME, or ReleaseNotFound listing the known names."""
    try:
        return Release.objects.get(name=name)
    except Release.DoesNotExist:
        known = ", ".join(Release.objects.order_by("name").values_list("name", flat=True)[:20]) or "none yet"
        raise ReleaseNotFound(f"no release named {name!r} (releases: {known})") from None


def prepare(release):
    """Build the release's database now (make_release does), so that no request has to:
    at a million claims it takes longer than a worker may spend on one."""
    with _lock:
        return _database(release)


@contextmanager
def reading(release):
    """Route the registry's reads to RELEASE's database inside the block (no-op for None)."""
    if release is None:
        yield None
        return
    path = prepare(release)  # one thread builds a missing copy; the others wait for it
    with _connected(f"release_{release.checksum[:16]}", path) as alias:
        token = _reading.set(alias)
        try:
            yield alias
        finally:
            _reading.reset(token)


@contextmanager
def _connected(alias, path):
    """A connection to the SQLite file PATH as ALIAS, for this thread and this block only:
    never added to settings.DATABASES, so no other thread or test sees it."""
    settings_dict = connections.configure_settings(
        {"default": dict(connections.settings["default"]), alias: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )[alias]
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]


def cache_dir():
    from .releases import releases_dir

    return releases_dir() / ".cache"


def _database(release):
    """The release's SQLite database, built on first use after checking its MANIFEST."""
    from .releases import ReleaseError, release_path, verify

    target = cache_dir() / f"{release.checksum}.sqlite3"
    if target.exists():
        return target
    root = release_path(release.name)
    if verify(root) != release.checksum:
        raise ReleaseError(f"release {release.name}: its MANIFEST does not match the recorded checksum")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(f".building-{os.getpid()}")
    building.unlink(missing_ok=True)
    building.write_bytes(template())
    with _connected(f"building_{release.checksum[:16]}", building) as alias:
        load(root, alias)
    os.replace(building, target)
    return target


@functools.cache  # the code does not change under a running process
def schema_fingerprint():
    """What `migrate` builds depends on Django's version and the migrations' text: a new or
    edited migration of any app gives a new fingerprint, so never a stale template."""
    import django
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(django.get_version().encode())
    migrations = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    for key in sorted(migrations):
        digest.update(repr(key).encode())
        with open(sys.modules[type(migrations[key]).__module__].__file__, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def template():
    """The bytes of an SQLite database migrated by this code and still empty. Running the
    migrations took ~19 s of CPU per release (a test's release too); now once per code version, kept
    on disk for the next process and in memory for this one."""
    key = schema_fingerprint()
    if key not in _templates:
        path = cache_dir() / f"schema-{key[:16]}.sqlite3"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            building = path.with_suffix(f".building-{os.getpid()}")
            building.unlink(missing_ok=True)
            with _connected(f"schema_{key[:16]}", building) as alias:
                with connections[alias].cursor() as cursor:
                    # A file nobody reads until it is renamed: no waiting for the disk per migration.
                    cursor.execute("PRAGMA synchronous = OFF")
                    cursor.execute("PRAGMA journal_mode = MEMORY")
                call_command("migrate", database=alias, verbosity=0, interactive=False)
            os.replace(building, path)
        _templates[key] = path.read_bytes()
    return _templates[key]


def load(root, alias):
    """Load a release's tables into the (migrated, empty) database ALIAS.

    Plain INSERTs, values prepared by each field as Django would save them: building model
    instances for bulk_create took minutes at a million claims."""
    from django.utils import timezone

    from .names import name_key
    from .release_tables import TABLES

    derived = {  # what Model.save() derives and the release leaves out
        "place_names": lambda row: {"key": name_key(row["name"])},
        "enterprises": lambda row: {"name_key": name_key(row["name"])},
        "enterprise_aliases": lambda row: {"name_key": name_key(row["name"])},
    }
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["name"]: r["schema"] for r in descriptor["resources"]}
    connection, now = connections[alias], timezone.now()
    with connection.cursor() as cursor:
        # A file nobody reads until it is complete and renamed: no journal needed.
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        # Row triggers (the data version's bump, the search index's insert) fired once per
        # row loaded, 1.4M times; they are put back after the load, and what they would have
        # done is done once: the search index rebuilt from its table, the version moved.
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        triggers = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        for table in TABLES:
            if table.model is None:
                continue
            fields = [f for f in table.model._meta.concrete_fields if not f.generated]
            # Columns a release leaves out get what a new row gets: the default, or now.
            absent = {
                f.attname: f.get_db_prep_save(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default(), connection)
                for f in fields
            }
            sql = "INSERT INTO {} ({}) VALUES ({})".format(
                connection.ops.quote_name(table.model._meta.db_table),
                ", ".join(connection.ops.quote_name(f.column) for f in fields),
                ", ".join(["%s"] * len(fields)),
            )
            derive, batch = derived.get(table.name), []
            for row in read_rows(root / table.path, schemas[table.name]):
                if derive:
                    row.update(derive(row))
                batch.append([f.get_db_prep_save(row[f.attname], connection) if f.attname in row else absent[f.attname] for f in fields])
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    # The stored evidence and regions are not in the release: derived from its rows, as the
    # registry derives them (registry/evidence.py); series by region read the region.
    from . import dataversion, evidence

    evidence.rebuild(using=alias)
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'registry_article_fts'")
        if cursor.fetchone():
            cursor.execute("INSERT INTO registry_article_fts(registry_article_fts) VALUES ('rebuild')")
        for _name, sql in triggers:
            cursor.execute(sql)
        cursor.execute(dataversion._BUMP)


_TYPES = {
    "integer": int,
    "number": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "boolean": lambda text: {"true": True, "false": False}[text],
    "string": str,
}


def read_rows(path, schema):
    """Rows of a release CSV as dicts of typed values, read by its Table Schema: a missing
    value is None, or "" in a text column (the database's blank)."""
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    with open(path, encoding="utf-8", newline="") as f:
        for record in csv.DictReader(f):
            yield {
                name: ("" if fields[name] == "string" else None) if text == "" else _TYPES[fields[name]](text)
                for name, text in record.items()
            }
