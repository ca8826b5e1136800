"""Fast inserts with their history rows, for the import (and any other bulk writer).

Django's bulk_create spends most of its time preparing each value of each row; at 50,000
claims plus their history that is tens of seconds. On PostgreSQL rows are streamed with
COPY instead, ids taken from the table's sequence first so that history rows can name them.
Elsewhere (SQLite) simple-history's bulk_create_with_history does the same job.
"""

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

BATCH = 2000


def insert_with_history(model, objs, *, user=None, reason=""):
    """Insert `objs` (unsaved instances of `model`) and a "+" history row for each; set
    their primary keys. Returns `objs`. Runs inside the caller's transaction."""
    objs = list(objs)
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return bulk_create_with_history(objs, model, batch_size=BATCH, default_user=user, default_change_reason=reason)
    now = timezone.now()
    fields = _stored_fields(model)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall()):
            obj.pk = pk
        rows = [[_value(obj, f, now) for f in fields] for obj in objs]
        _copy(cursor, model._meta.db_table, [f.column for f in fields], rows)

        history = model.history.model
        tracked = [f for f in _stored_fields(history) if not f.name.startswith("history_")]
        extra = {"history_date": now, "history_change_reason": reason or None, "history_type": "+", "history_user_id": user.pk if user else None}
        columns = [f.column for f in tracked] + list(extra)
        rows = [[getattr(obj, f.attname) for f in tracked] + list(extra.values()) for obj in objs]
        _copy(cursor, history._meta.db_table, columns, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _stored_fields(model):
    """Columns a row is written with: generated columns are the database's to fill."""
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField)]


def _value(obj, field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        setattr(obj, field.attname, now)
    return getattr(obj, field.attname)


def _copy(cursor, table, columns, rows):
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
