"""The data version: one number, kept in the database, that moves with every write.

Anonymous answers are a function of the data, the URL and the language, so the number is
what their ETag and their cache key are made of (registry/caching.py): a write anywhere
invalidates every cached answer at once, and a client holding an older ETag gets the new
answer instead of a 304.

Triggers, not Python signals, move it: bulk_create, queryset.update(), COPY and raw SQL fire
no signal, and a trigger cannot be forgotten by the next service. `install()` (run after every
`migrate`, from apps.py) puts one on each table of the registry app except the history
tables (written only beside a main table) and the version's own, so a new model is covered
by the next migrate.

On PostgreSQL the trigger is a deferred constraint trigger: it fires at COMMIT, once per
transaction (a transaction-local setting remembers it fired), so the version row is locked
only for the instant of the commit: two coders' transactions never wait on each other for it,
and a reader never sees the new number with the old data. SQLite serialises writers anyway:
a plain row trigger.

    number = dataversion.current()   # one primary-key read, on the database the request reads
    value = dataversion.remember(key, compute)   # compute(), kept until the number moves
"""

from django.apps import apps
from django.db import connections, router

FUNCTION = "registry_data_version_bump"
TRIGGER = "registry_data_version"
TRUNCATE_TRIGGER = "registry_data_version_truncate"

# True for the first row a transaction writes (and marks it), false after.
QUEUE_ONCE = (
    "current_setting('registry.data_version_queued', true) IS DISTINCT FROM 'on' "
    "AND set_config('registry.data_version_queued', 'on', true) = 'on'"
)

_BUMP = (
    "INSERT INTO registry_dataversion (id, number) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET number = registry_dataversion.number + 1"
)


def tables():
    """The registry's tables whose writes change what anyone can read."""
    names = set()
    for model in apps.get_app_config("registry").get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or model.__name__.startswith("Historical") or meta.model_name == "dataversion":
            continue
        names.add(meta.db_table)
    return sorted(names)


def current(using=None):
    """The version number of the database `using` (by default, the one the router reads
    registry data from: a replica serves its own, replicated, number)."""
    from .models import DataVersion

    alias = using or router.db_for_read(DataVersion) or "default"
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT number FROM registry_dataversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


# {database alias: (version number, {key: value})}: figures that depend on the data alone.
_remembered = {}
REMEMBERED_KEYS = 256  # per process; parameters (date ranges) could otherwise grow it without end


def remember(key, compute, using=None, *, unwritten_transaction=False):
    """compute(), kept in this process until the data version moves: for figures that are a
    function of the data alone, such as what the public may see (public counts, the shares'
    denominators), or the duplicate guard's name index. Inside a transaction it is computed
    every time: a write in it has not moved the version yet (PostgreSQL moves it at COMMIT).
    With `unwritten_transaction` (PostgreSQL), a transaction that has written nothing yet is
    served like a read outside one, for one more query asking (an import may be checked in
    the transaction it is then written in). The version is read before the computation, so a
    value is never kept under a version older than the data it saw."""
    from .models import DataVersion

    alias = using or router.db_for_read(DataVersion) or "default"
    connection = connections[alias]
    if not connection.in_atomic_block:
        number = current(alias)
    elif unwritten_transaction and connection.vendor == "postgresql":
        # No transaction id yet: nothing written (any write takes one, in a savepoint too), so
        # it reads the committed data of the number it reads.
        with connection.cursor() as cursor:
            cursor.execute("SELECT number, txid_current_if_assigned() IS NULL FROM registry_dataversion WHERE id = 1")
            row = cursor.fetchone()
        if row is None or not row[1]:
            return compute()
        number = row[0]
    else:
        return compute()
    kept, values = _remembered.get(alias, (None, None))
    if kept != number:
        values = {}
        _remembered[alias] = (number, values)
    if key not in values:
        if len(values) >= REMEMBERED_KEYS:
            values.clear()
        values[key] = compute()
    return values[key]


def install(using="default"):
    """(Re)create the version row and the triggers; idempotent."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO registry_dataversion (id, number) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF current_setting('registry.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
                        PERFORM set_config('registry.data_version_bumped', 'on', true);
                        {_BUMP};
                    END IF;
                    RETURN NULL;
                END $$"""
            )
            for table in tables():
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {quoted}")
                # A constraint trigger's WHEN is evaluated as the row is written, not at
                # COMMIT: only the transaction's first written row queues an event (the
                # condition marks the transaction, a transaction-local setting), instead of
                # every row queuing one that COMMIT then fires to no effect: 80,000 of them
                # for a 50,000-row import. A savepoint rolled back takes its event and its
                # mark with it (settings are undone with the subtransaction), so a later
                # write queues again.
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {quoted} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ({QUEUE_ONCE}) EXECUTE FUNCTION {FUNCTION}()"
                )
                # TRUNCATE has no row to defer on: a statement trigger (corpus clearing, test flushes).
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
        elif connection.vendor == "sqlite":
            for table in tables():
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"{TRIGGER}_{table}_{event.lower()}"
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                    cursor.execute(
                        f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" FOR EACH ROW BEGIN '
                        f"INSERT INTO registry_dataversion (id, number) VALUES (1, 1) "
                        f"ON CONFLICT (id) DO UPDATE SET number = number + 1; END"
                    )


def installed_on(using="default"):
    """The tables that carry the trigger (for the test that every table does)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname = %s", [TRIGGER])
            return sorted(name.strip('"') for (name,) in cursor.fetchall())
        cursor.execute("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER}_%"])
        return sorted(name for (name,) in cursor.fetchall())


def after_migrate(sender, using="default", **kwargs):
    from django.db.utils import OperationalError, ProgrammingError

    # Also sent after `flush` (tests that commit), which empties the version row: its numbers
    # start again and would meet figures kept for other data.
    _remembered.pop(using, None)
    try:
        install(using)
    except (OperationalError, ProgrammingError):
        # Migrated backwards past 0010: there is no version table to keep.
        pass
