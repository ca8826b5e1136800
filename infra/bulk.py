"""Fast inserts with their history rows, for the import (and any other bulk writer).

Django's bulk_create spends most of its time building model instances and preparing each
value of each row; at 50,000 claims plus their history that is tens of seconds. On
PostgreSQL, plain rows are streamed with COPY instead, ids taken from the table's sequence
first, and their history rows copied from them by the server (one INSERT ... SELECT). Elsewhere (SQLite) simple-history's
bulk_create_with_history does the same job.
"""

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH = 2000
# Keeps SQLite under its limit of host parameters in one statement.
ID_CHUNK = 500


def in_sets(values, array_type="bigint", size=ID_CHUNK):
    """`values` (ids, or name keys with array_type "text") as right-hand sides of `__in`
    filters, for reading back thousands of rows. On PostgreSQL one set, an array in a single
    parameter: a list of 500 placeholders costs psycopg tens of milliseconds to interpolate
    and the server to parse, per query, and an import made hundreds of them. Elsewhere
    (SQLite) lists of `size`."""
    values = sorted({v for v in values if v is not None})
    if not values:
        return
    if connection.vendor == "postgresql":
        yield RawSQL(f"SELECT unnest(%s::{array_type}[])", [values])
        return
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_rows(model, rows, *, user=None, reason="", progress=None):
    """Insert `rows` (dicts of field attname -> value; omitted fields take their defaults)
    and a "+" history row for each. Returns the new ids, in order. Runs inside the caller's
    transaction. Model.save() is not called: a caller sets what save() would derive.
    `progress(done, total)` is called every BATCH rows."""
    rows = list(rows)
    if not rows:
        return []
    if connection.vendor != "postgresql":
        ids = []
        for start in range(0, len(rows), BATCH):
            objs = bulk_create_with_history(
                [model(**row) for row in rows[start : start + BATCH]], model, batch_size=BATCH, default_user=user,
                default_change_reason=reason,
            )
            ids += [obj.pk for obj in objs]
            if progress:
                progress(len(ids), len(rows))
        return ids
    now = timezone.now()
    fields = [f for f in _stored_fields(model) if not f.primary_key]
    defaults = {f.attname: _default(f, now) for f in fields}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        columns = ["id", *(f.attname for f in fields)]
        # One COPY however many rows (a COPY per batch cost a round trip and a sequence
        # read each); the caller's progress is told as the rows stream.
        def values():
            for done, (row, pk) in enumerate(zip(rows, ids), 1):
                full = {**defaults, **row, "id": pk}
                yield [full[c] for c in columns]
                if progress and (done % BATCH == 0 or done == len(rows)):
                    progress(done, len(rows))

        _copy(cursor, model._meta.db_table, [_column(model, c) for c in columns], values())

        # The history rows are copied by the server from the rows just written (the main
        # row's columns the history tracks, as simple-history's own bulk_create_with_history
        # would copy them), rather than serialised a second time in Python and streamed.
        history = model.history.model
        tracked = [f.attname for f in _stored_fields(history) if not f.name.startswith("history_")]
        target = [_column(history, c) for c in tracked] + ["history_date", "history_change_reason", "history_type", "history_user_id"]
        source = ", ".join(quote(_column(model, c)) for c in tracked)
        # The range is read from the primary key and the ids only filter it (`id + 0`): with
        # `id = ANY(50,000 ids)` as the index condition PostgreSQL priced 50,000 descents and
        # chose a parallel scan of all 1M claims (29k buffers, against 1.2k).
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(c) for c in target)}) "
            f"SELECT {source}, %s, %s, '+', %s FROM {quote(model._meta.db_table)} "
            "WHERE id BETWEEN %s AND %s AND id + 0 = ANY(%s::bigint[]) ORDER BY id",
            [now, reason or None, user.pk if user else None, min(ids), max(ids), ids],
        )
    return ids


def _stored_fields(model):
    """Columns a row is written with: generated columns are the database's to fill."""
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]


def _default(field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        return field.get_default()
    return None if field.null else ""


def _column(model, attname):
    return next(f.column for f in model._meta.concrete_fields if f.attname == attname)


def _copy(cursor, table, columns, rows):
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
