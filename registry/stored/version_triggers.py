"""The triggers that move the data version and the public data version, and keep the public
counts on the version row (what they do and why: registry/stored/dataversion.py). `install()`
runs after every `migrate` (apps.py, `after_migrate`); idempotent."""

from django.db import connections

from registry.stored.dataversion import (
    PRIVATE_TABLES, PUBLIC_DELTA, TOTALS, counted_rows, forget, last_change, public_columns, public_references,
    public_rows, recount, tables
)


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


PUBLIC_TRIGGER = "registry_public_version"
# Set (transaction-local, PostgreSQL) once the transaction wrote a row the public may see.
PUBLIC_MARK = "registry.public_changed"
PUBLIC_BUMP = (
    "INSERT INTO registry_dataversion (id, number, public_number, public_changed) VALUES (1, 1, 1, CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO UPDATE SET number = registry_dataversion.number + 1, "
    "public_number = registry_dataversion.public_number + 1, public_changed = CURRENT_TIMESTAMP"
)


def install(using="default"):
    """(Re)create the version row and the triggers; idempotent."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO registry_dataversion (id, number) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
        _start_public_changed(connection, cursor)
        recount(cursor, connection)
        if connection.vendor == "postgresql":
            deltas = {what: f"coalesce(nullif(current_setting('{PUBLIC_DELTA}{what}', true), ''), '0')::bigint" for what in TOTALS}
            add = ", ".join(f"{column} = {column} + {deltas[what]}" for what, column in TOTALS.items())
            any_delta = " OR ".join(f"{delta} <> 0" for delta in deltas.values())
            reset = " ".join(f"PERFORM set_config('{PUBLIC_DELTA}{what}', '0', true);" for what in TOTALS)
            counting = []
            for table, (what, condition) in counted_rows(connection).items():
                quoted = connection.ops.quote_name(table)
                counting.append(f"{TOTALS[what]} = (SELECT COUNT(*) FROM {quoted} AS r WHERE {condition.format(row='r')})")
            cursor.execute(
                f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        -- Rows gone without a row trigger: the totals counted again, now.
                        PERFORM set_config('{PUBLIC_MARK}', 'on', true);
                        UPDATE registry_dataversion SET {', '.join(counting)} WHERE id = 1;
                        {reset}
                    END IF;
                    IF current_setting('registry.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
                        PERFORM set_config('registry.data_version_bumped', 'on', true);
                        IF current_setting('{PUBLIC_MARK}', true) = 'on' THEN
                            {PUBLIC_BUMP};
                        ELSE
                            {_BUMP};
                        END IF;
                    END IF;
                    -- The public totals' changes, summed by the statement triggers (at COMMIT,
                    -- so also after a TRUNCATE earlier in the transaction bumped the versions).
                    IF TG_OP <> 'TRUNCATE' AND ({any_delta}) THEN
                        UPDATE registry_dataversion SET {add} WHERE id = 1;
                        {reset}
                    END IF;
                    RETURN NULL;
                END $$"""
            )
            _install_public_postgresql(connection, cursor)
            _install_totals_postgresql(connection, cursor)
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
            _install_public_sqlite(connection, cursor)
            _install_totals_sqlite(connection, cursor)
            for table in tables():
                for event in ("INSERT", "UPDATE", "DELETE"):
                    name = f"{TRIGGER}_{table}_{event.lower()}"
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                    cursor.execute(
                        f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" FOR EACH ROW BEGIN '
                        f"INSERT INTO registry_dataversion (id, number) VALUES (1, 1) "
                        f"ON CONFLICT (id) DO UPDATE SET number = number + 1; END"
                    )


def _start_public_changed(connection, cursor):
    """A version row made before the public version existed: its last public change is the
    last change there is (the history's), once."""
    cursor.execute("SELECT 1 FROM registry_dataversion WHERE id = 1 AND public_changed IS NULL")
    if cursor.fetchone() is None:
        return
    last = last_change(using=connection.alias)
    if last is not None:
        cursor.execute("UPDATE registry_dataversion SET public_changed = %s WHERE id = 1", [last])


def _public_condition(connection, table, row):
    condition = public_rows(connection).get(table)
    return "TRUE" if condition is None else "(" + condition.format(row=row) + ")"


def _changed(connection, table, *, exact):
    """SQL: an UPDATE changed a public column of the row. Not `exact`: any public column's
    value (no subquery: PostgreSQL's trigger WHEN); `exact`: a reference column (public_references)
    only when what the public is shown of it changed."""
    references = public_references(connection).get(table, {}) if exact else {}
    columns = [c for c in public_columns(table) if c not in references]

    def shown(row, column):
        return f'CASE WHEN {references[column].format(id=f"{row}.{column}")} THEN {row}.{column} END'

    old = [f'OLD."{c}"' for c in columns] + [shown("OLD", c) for c in references]
    new = [f'NEW."{c}"' for c in columns] + [shown("NEW", c) for c in references]
    if connection.vendor == "sqlite":
        return "(" + " OR ".join(f"({n}) IS NOT ({o})" for n, o in zip(new, old)) + ")"
    return f"(ROW({', '.join(old)}) IS DISTINCT FROM ROW({', '.join(new)}))"


def _install_public_postgresql(connection, cursor):
    unmarked = f"current_setting('{PUBLIC_MARK}', true) IS DISTINCT FROM 'on'"
    for table in tables():
        quoted = connection.ops.quote_name(table)
        function = f"{PUBLIC_TRIGGER}_{table}"
        cursor.execute(f"DROP TRIGGER IF EXISTS {PUBLIC_TRIGGER} ON {quoted}")
        cursor.execute(f"DROP TRIGGER IF EXISTS {PUBLIC_TRIGGER}_update ON {quoted}")
        if table in PRIVATE_TABLES:
            continue
        new, old = _public_condition(connection, table, "NEW"), _public_condition(connection, table, "OLD")
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    IF {new} THEN PERFORM set_config('{PUBLIC_MARK}', 'on', true); END IF;
                ELSIF TG_OP = 'DELETE' THEN
                    IF {old} THEN PERFORM set_config('{PUBLIC_MARK}', 'on', true); END IF;
                ELSIF ({old} OR {new}) AND {_changed(connection, table, exact=True)} THEN
                    PERFORM set_config('{PUBLIC_MARK}', 'on', true);
                END IF;
                RETURN NULL;
            END $$"""
        )
        # Once marked, the transaction's further rows skip the function (the WHEN, a setting
        # read); an UPDATE that changed no public column skips it too.
        cursor.execute(
            f"CREATE TRIGGER {PUBLIC_TRIGGER} AFTER INSERT OR DELETE ON {quoted} FOR EACH ROW "
            f"WHEN ({unmarked}) EXECUTE FUNCTION {function}()"
        )
        cursor.execute(
            f"CREATE TRIGGER {PUBLIC_TRIGGER}_update AFTER UPDATE ON {quoted} FOR EACH ROW "
            f"WHEN ({unmarked} AND {_changed(connection, table, exact=False)}) EXECUTE FUNCTION {function}()"
        )


def _install_public_sqlite(connection, cursor):
    bump = (
        "UPDATE registry_dataversion SET public_number = public_number + 1, "
        "public_changed = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = 1"
    )
    for table in tables():
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = f"{PUBLIC_TRIGGER}_{table}_{event.lower()}"
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            if table in PRIVATE_TABLES:
                continue
            new, old = _public_condition(connection, table, "NEW"), _public_condition(connection, table, "OLD")
            when = {"INSERT": new, "DELETE": old, "UPDATE": f"({old} OR {new}) AND {_changed(connection, table, exact=True)}"}[event]
            cursor.execute(f'CREATE TRIGGER "{name}" AFTER {event} ON "{table}" FOR EACH ROW WHEN {when} BEGIN {bump}; END')


def _install_totals_postgresql(connection, cursor):
    """Per statement (its transition tables: one count however many rows it wrote), the change
    of the public totals it made, summed in transaction-local settings that the COMMIT
    trigger adds to the version row: no lock on the row before COMMIT, and a savepoint rolled
    back takes its part of the sums with it."""
    for table, (what, condition) in counted_rows(connection).items():
        quoted = connection.ops.quote_name(table)
        function = f"registry_public_totals_{table}"
        setting = f"{PUBLIC_DELTA}{what}"
        cursor.execute(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE delta bigint := 0;
            BEGIN
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    delta := delta + (SELECT COUNT(*) FROM new_rows AS r WHERE {condition.format(row='r')});
                END IF;
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    delta := delta - (SELECT COUNT(*) FROM old_rows AS r WHERE {condition.format(row='r')});
                END IF;
                IF delta <> 0 THEN
                    PERFORM set_config('{setting}',
                        (coalesce(nullif(current_setting('{setting}', true), ''), '0')::bigint + delta)::text, true);
                END IF;
                RETURN NULL;
            END $$"""
        )
        for event, transition in (("insert", "NEW TABLE AS new_rows"), ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                              ("delete", "OLD TABLE AS old_rows")):
            name = f"registry_public_totals_{event}"
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {quoted} REFERENCING {transition} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )


def _install_totals_sqlite(connection, cursor):
    for table, (what, condition) in counted_rows(connection).items():
        column = TOTALS[what]
        new, old = f"({condition.format(row='NEW')})", f"({condition.format(row='OLD')})"
        change = {
            "insert": ("1", new),
            "delete": ("-1", old),
            "update": (f"(CASE WHEN {new} THEN 1 ELSE 0 END) - (CASE WHEN {old} THEN 1 ELSE 0 END)", f"{new} IS NOT {old}"),
        }
        for event, (delta, when) in change.items():
            name = f"registry_public_totals_{table}_{event}"
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            cursor.execute(
                f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON "{table}" FOR EACH ROW WHEN {when} BEGIN '
                f"UPDATE registry_dataversion SET {column} = {column} + {delta} WHERE id = 1; END"
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
    forget(using)
    try:
        install(using)
    except (OperationalError, ProgrammingError):
        # Migrated backwards past 0010: there is no version table to keep.
        pass
