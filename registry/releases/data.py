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
import itertools
import json
import operator
import os
import sys
import threading
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connections, transaction
from django.db.utils import load_backend

from registry.models import Release
from registry.places.names import name_key
from registry.releases.files import UNTIMED, ReleaseError, release_path, releases_dir, verify
from registry.releases.tables import TABLES
from registry.stored import copies, evidence, version_triggers

_reading = contextvars.ContextVar("release_alias", default=None)
_lock = threading.Lock()
_templates = {}  # schema fingerprint -> bytes of a migrated, empty database: built once per process


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


def prepare(release, timings=None):
    """Build the release's database now (make_release does), so that no request has to:
    at a million claims it takes longer than a worker may spend on one. `timings`: a
    files.Timings that gets each stage's time."""

    with _lock:
        return _database(release, timings or UNTIMED)


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

    return releases_dir() / ".cache"


def _database(release, timings):
    """The release's SQLite database, built on first use after checking its MANIFEST."""

    target = cache_dir() / f"{release.checksum}.sqlite3"
    if target.exists():
        return target
    root = release_path(release.name)
    with timings.stage("copy: check MANIFEST"):
        if verify(root) != release.checksum:
            raise ReleaseError(f"release {release.name}: its MANIFEST does not match the recorded checksum")
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(f".building-{os.getpid()}")
    building.unlink(missing_ok=True)
    with timings.stage("copy: schema (migrated template)"):
        building.write_bytes(template())
    with _connected(f"building_{release.checksum[:16]}", building) as alias:
        load(root, alias, timings)
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


# Page cache for the load and the index builds after it (KiB); rows per executemany.
CACHE_KIB = 64 * 1024
BATCH = 10_000


def load(root, alias, timings=None, general=False):
    """Load a release's tables into the (migrated, empty) database ALIAS.

    Each column's CSV text goes to SQLite as Django would save its value (`_plan`): built
    model instances for bulk_create took minutes at a million claims, and a typed value
    prepared per field per row (get_db_prep_save) most of the load's CPU. The indexes and
    triggers are dropped for the load and built once after it, the foreign keys checked once.
    `general=True`: every value prepared the general way (parsed by its type, then
    get_db_prep_save), which the fast load must equal (tested)."""
    from django.utils import timezone


    timings = timings or UNTIMED
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    schemas = {r["name"]: r["schema"] for r in descriptor["resources"]}
    connection, now = connections[alias], timezone.now()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # A file nobody reads until it is complete and renamed: no journal needed.
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        # A parent probe per row loaded; the keys are checked once after the load instead
        # (outside a transaction: SQLite ignores this pragma inside one).
        cursor.execute("PRAGMA foreign_keys = OFF")
        # Row triggers (the data version's bump, the search index's insert) fired once per
        # row loaded, 1.4M times; they are put back after the load, and what they would have
        # done is done once: the search index rebuilt from its table, the version moved.
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
        # The copy triggers (registry/stored/copies.py) are put back by the rebuild that computes
        # what they keep, once for the whole copy.
        triggers = [(name, sql) for name, sql in cursor.fetchall() if not name.startswith(copies.PREFIX)]
        copies.uninstall(alias)
        # Indexes kept up row by row (claims arrive in id order, their article and enterprise
        # ids at random) cost more than one sort each after the load. Those SQLite makes for
        # a UNIQUE or PRIMARY KEY in a CREATE TABLE have no SQL and stay.
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
        indexes = cursor.fetchall()
        for name, _sql in triggers:
            cursor.execute(f"DROP TRIGGER {quote(name)}")
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        for table in TABLES:
            if table.model is None:
                continue
            with timings.stage(f"copy: load {table.name}"), open(root / table.path, encoding="utf-8", newline="") as source:
                reader = csv.reader(source)
                header = next(reader)
                sql, params = _insert(table, header, schemas[table.name], connection, now, general)
                rows = params(reader)
                # In batches: Django's executemany keeps (itertools.tee) every row of one
                # iterable it is given, 870 MB for a million claims.
                while batch := list(itertools.islice(rows, BATCH)):
                    cursor.executemany(sql, batch)
    with timings.stage("copy: indexes, key check"):
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchmany(5)
            cursor.execute("PRAGMA foreign_keys = ON")
        if broken:
            raise ValueError(f"the release's copy has rows whose parent is missing (table, rowid, parent): {broken}")
    # The stored evidence and regions are not in the release: derived from its rows, as the
    # registry derives them (registry/stored/evidence.py); series by region read the region.

    with timings.stage("copy: evidence, regions"):
        evidence.rebuild(using=alias)
    with timings.stage("copy: search index, triggers"):
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'registry_article_fts'")
            if cursor.fetchone():
                cursor.execute("INSERT INTO registry_article_fts(registry_article_fts) VALUES ('rebuild')")
            for _name, sql in triggers:
                cursor.execute(sql)
            cursor.execute(version_triggers.PUBLIC_BUMP)  # a release is public data: both versions move


def _insert(table, header, schema, connection, now, general=False):
    """(INSERT statement, reader -> its parameters) for a table's CSV rows. Where SQLite can
    turn every cell's text into what get_db_prep_save would have sent (`_in_sqlite`), each
    CSV row goes as it is, with the left-out columns' values appended: no Python per cell.
    Else (a derived column, or general=True) a value per cell from `_plan`."""
    quote = connection.ops.quote_name
    fields = [f for f in table.model._meta.concrete_fields if not f.generated]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    by_name = {f.attname: f for f in fields}
    plan = _plan(table, fields, header, schema, connection, now, fast=not general)
    expressions = [] if general else [_in_sqlite(by_name.get(name), types[name]) for name in header]
    if expressions and None not in expressions and table.name not in _DERIVED:
        left_out = [(f, value) for f, (i, value) in zip(fields, plan) if i is None]
        columns = [by_name[name] for name in header] + [f for f, _value in left_out]
        expressions += ["%s"] * len(left_out)
        constants = [value for _f, value in left_out]

        def params(reader):
            return map(operator.add, reader, itertools.repeat(constants))

    else:
        columns, expressions = fields, ["%s"] * len(fields)

        def params(reader):
            return ([convert(row[i]) if i is not None else convert for i, convert in plan] for row in reader)

    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(table.model._meta.db_table), ", ".join(quote(f.column) for f in columns), ", ".join(expressions)
    )
    return sql, params


def _in_sqlite(field, kind):
    """The SQL that turns a CSV cell (a parameter) into what Django would store, or None.
    An integer text stored in an INTEGER column, a number text in a NUMERIC (decimal) one,
    become the integer or number by the column's affinity, as a bound int or Decimal did."""
    if field is None:
        return None
    internal = (field.target_field if field.is_relation else field).get_internal_type()
    if kind == "string" and internal in _TEXT_FIELDS:
        return "%s"
    if kind == "integer" and internal in _INTEGER_FIELDS:
        return "NULLIF(%s, '')"
    if (kind, internal) in {("date", "DateField"), ("number", "DecimalField")}:
        return "NULLIF(%s, '')"
    if (kind, internal) == ("boolean", "BooleanField"):
        return "CASE %s WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"
    return None


# Model fields whose saved value, on SQLite, is the release's own CSV text (or its int):
# get_db_prep_save of a str is the str, of an int the int, of a date its ISO text.
_TEXT_FIELDS = {"CharField", "TextField", "SlugField", "URLField", "EmailField"}
_INTEGER_FIELDS = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
}
_BOOLEANS = {"true": True, "false": False, "": None}
# What Model.save() derives and the release leaves out: the key a name is found by.
_DERIVED = {"place_names": "key", "enterprises": "name_key", "enterprise_aliases": "name_key"}


def _integer(text):
    return int(text) if text else None


def _date_text(text):
    return text or None


def _plan(table, fields, header, schema, connection, now, fast=True):
    """For each field, in order: (position of its CSV column, text -> value to insert), or
    (None, the value) for a field the release leaves out (what a new row gets: the default,
    or now) or derives (the name's key, from the name). `fast=False`: every value the
    general way (parsed by its Table Schema type, then get_db_prep_save), which the fast
    converters must equal (tested)."""

    types = {f["name"]: f["type"] for f in schema["fields"]}
    position = {name: i for i, name in enumerate(header)}
    derived = _DERIVED.get(table.name)
    plan = []
    for f in fields:
        if f.attname == derived:
            plan.append((position["name"], name_key))
            continue
        if f.attname not in position:
            value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
            plan.append((None, f.get_db_prep_save(value, connection)))
            continue
        kind = types[f.attname]
        internal = (f.target_field if f.is_relation else f).get_internal_type()
        if fast and kind == "string" and internal in _TEXT_FIELDS:
            convert = str
        elif fast and kind == "integer" and internal in _INTEGER_FIELDS:
            convert = _integer
        elif fast and kind == "date" and internal == "DateField":
            convert = _date_text
        elif fast and kind == "boolean" and internal == "BooleanField":
            convert = _BOOLEANS.__getitem__
        else:
            parse, blank = _TYPES[kind], "" if kind == "string" else None

            def convert(text, f=f, parse=parse, blank=blank):
                return f.get_db_prep_save(blank if text == "" else parse(text), connection)

        plan.append((position[f.attname], convert))
    return plan


_TYPES = {
    "integer": int,
    "number": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "boolean": lambda text: {"true": True, "false": False}[text],
    "string": str,
}
