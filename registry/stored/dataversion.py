"""The data version: one number, kept in the database, that moves with every write, and the
public data version, which moves only with the writes the public can see.

Anonymous answers are a function of the data, the URL and the language, so the number is
what their ETag and their cache key are made of (infra/caching.py): a write anywhere
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

The public version (`current(public=True)`, `public_changed()`) is what anonymous answers are
keyed by: their ETags and stored answers (infra/caching.py), the kept public figures
(`remember(..., public=True)`: provenance counts, the shares' denominators) and the live
stamp's `last_change` (registry/releases/provenance.py). Coders save drafts all day; with one version,
each save emptied every cached answer, and an anonymous client could watch the ETag move when
a coder edited a draft or an internal note (a side channel). It moves when a transaction
writes a row the public may see (public_rows: a public published article, its claims and
story links, a listed enterprise and its aliases, reference rows), inserting, deleting or
changing a column the public is shown (not RESTRICTED_FIELDS, not BOOKKEEPING); an article
or enterprise leaving the public's view moves it too (the row was public before). The
condition is the visibility rule itself (visibility.visible_articles(None), compiled to SQL;
an enterprise's stored `public_listed`), baked into the triggers when they are installed: a
change of REGISTRY_PUBLISHED_STATUSES needs `migrate` (it reinstalls them) as it needs
`rebuild_evidence`.

On PostgreSQL a plain row trigger marks the transaction (a transaction-local setting, undone
with a savepoint rolled back) when such a row is written, and the deferred trigger that moves
the version at COMMIT moves the public one too when the mark is set: still one UPDATE of the
version row per transaction. On SQLite a row trigger per table and event, whose WHEN is the
condition, moves it.
"""

from django.apps import apps
from django.db import connections, router

from registry.access.visibility import RESTRICTED_FIELDS, visible_articles

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
_PUBLIC_BUMP = (
    "INSERT INTO registry_dataversion (id, number, public_number, public_changed) VALUES (1, 1, 1, CURRENT_TIMESTAMP) "
    "ON CONFLICT (id) DO UPDATE SET number = registry_dataversion.number + 1, "
    "public_number = registry_dataversion.public_number + 1, public_changed = CURRENT_TIMESTAMP"
)
# Tables whose rows the public never sees (blind double-coding's records, reviewers' only):
# their writes move the full version alone. Any other table is public unless public_rows()
# says which of its rows are: a new model is counted public until said otherwise.
PRIVATE_TABLES = {"registry_agreementround", "registry_roundarticle", "registry_secondcoding", "registry_adjudication"}
# Columns that move with every save, an internal note's included: not what the public reads
# a change from. (The optimistic-locking `version` and `updated_at`; with the public version
# unmoved, a stored answer keeps showing the previous ones until something public changes.)
BOOKKEEPING = ("updated_at", "version")
# Beside RESTRICTED_FIELDS: who coded and reviewed an article is shown only with the restricted
# permission (api/serializers.py, ArticleSerializer.restricted_fields).
UNSHOWN = {"registry.article": ("coded_by", "reviewed_by")}


def _public_article(connection, row):
    """SQL: the article `row` ("NEW", "OLD" or the table itself) is one the public may see:
    visibility.visible_articles(None), compiled as the querysets compile it."""
    from registry.models import Article

    query = Article.objects.filter(visible_articles(None)).query
    where, params = query.get_compiler(connection=connection).compile(query.where)
    if row != Article._meta.db_table:
        where = where.replace(connection.ops.quote_name(Article._meta.db_table) + ".", f"{row}.")
    return where % tuple(_literal(value) for value in params)


def _literal(value):
    if not isinstance(value, str):
        raise TypeError(f"not a text value for a trigger: {value!r}")
    return "'" + value.replace("'", "''") + "'"


def public_rows(connection):
    """{table: SQL condition on a row ("{row}" for NEW or OLD)}: which rows the public may see
    (tables not named here and not private: all of them)."""
    article = connection.ops.quote_name("registry_article")
    by_article = (
        f"EXISTS (SELECT 1 FROM {article} WHERE {article}.id = {{row}}.article_id "
        f"AND {_public_article(connection, 'registry_article').replace('{', '{{').replace('}', '}}')})"
    )
    return {
        "registry_article": _public_article(connection, "{row}"),
        "registry_claim": by_article,
        "registry_storymember": by_article,
        # The stored known_through(None) that EnterpriseQuerySet.visible_to reads for the public.
        "registry_enterprise": "{row}.public_listed",
        "registry_enterprisealias": "EXISTS (SELECT 1 FROM registry_enterprise AS e WHERE e.id = {row}.enterprise_id AND e.public_listed)",
    }


def public_references(connection):
    """{table: {column: SQL condition on the row it names ("{id}")}}: columns naming another
    row, shown to the public only when that row is one it may see (an article following up a
    draft shows no follow-up; a unit of a hidden complex, no parent). A change of such a column
    is public when what the public is shown of it changes."""
    article = connection.ops.quote_name("registry_article")
    return {
        "registry_article": {
            "follow_up_of_id": f"EXISTS (SELECT 1 FROM {article} WHERE {article}.id = {{id}} "
            f"AND {_public_article(connection, 'registry_article')})",
        },
        "registry_enterprise": {
            "parent_id": "EXISTS (SELECT 1 FROM registry_enterprise AS p WHERE p.id = {id} AND p.public_listed)",
        },
        # The claim's stored copy of its enterprise's parent complex (registry/stored/copies.py).
        "registry_claim": {
            "enterprise_parent_id": "EXISTS (SELECT 1 FROM registry_enterprise AS p WHERE p.id = {id} AND p.public_listed)",
        },
    }


# The public totals: {what: version-row column}, and per table the condition on a row that
# makes it one the public counts (the stored copies the public's lists read: a claim's public
# date, set while its article is public, evidence.CLAIM_COLUMNS; an enterprise's public_listed).
TOTALS = {"articles": "public_articles", "enterprises": "public_enterprises", "claims": "public_claims"}
_DELTA = "registry.public_delta_"


def counted_rows(connection):
    """{table: (what, SQL condition on a row "{row}")} for the public totals."""
    return {
        "registry_article": ("articles", _public_article(connection, "{row}")),
        "registry_enterprise": ("enterprises", "{row}.public_listed"),
        "registry_claim": ("claims", "{row}.public_published IS NOT NULL"),
    }


def recount(cursor, connection):
    """The public totals counted afresh (install, TRUNCATE): one count a table."""
    sets = []
    for table, (what, condition) in counted_rows(connection).items():
        quoted = connection.ops.quote_name(table)
        sets.append(f"{TOTALS[what]} = (SELECT COUNT(*) FROM {quoted} AS r WHERE {condition.format(row='r')})")
    cursor.execute(f"UPDATE registry_dataversion SET {', '.join(sets)} WHERE id = 1")


def public_columns(table):
    """The columns of `table` a change of which the public can see."""
    for model in apps.get_app_config("registry").get_models(include_auto_created=True):
        if model._meta.db_table == table:
            label = model._meta.label_lower
            hidden = {*RESTRICTED_FIELDS.get(label, ()), *UNSHOWN.get(label, ()), *BOOKKEEPING}
            return [field.column for field in model._meta.concrete_fields if field.name not in hidden]
    raise LookupError(table)


def tables():
    """The registry's tables whose writes change what anyone can read."""
    names = set()
    for model in apps.get_app_config("registry").get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or model.__name__.startswith("Historical") or meta.model_name == "dataversion":
            continue
        names.add(meta.db_table)
    return sorted(names)


def current(using=None, *, public=False):
    """The version number of the database `using` (by default, the one the router reads
    registry data from: a replica serves its own, replicated, number); with `public`, the
    public version (what anonymous answers are keyed by)."""
    from registry.models import DataVersion

    alias = using or router.db_for_read(DataVersion) or "default"
    column = "public_number" if public else "number"
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM registry_dataversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else 0


def public_state(using=None):
    """(when something the public may see last changed, {"articles": n, "enterprises": n,
    "claims": n} the public may see): one primary-key read of the kept figures. The time is
    None when nothing changed since the version row was made (an empty registry)."""
    import datetime

    from django.utils.dateparse import parse_datetime

    from registry.models import DataVersion

    alias = using or router.db_for_read(DataVersion) or "default"
    connection = connections[alias]
    columns = list(TOTALS.values())
    if connection.vendor == "postgresql":
        # Inside a transaction that wrote, its own changes not yet added at COMMIT.
        columns = [f"{c} + coalesce(nullif(current_setting('{_DELTA}{what}', true), ''), '0')::bigint" for what, c in TOTALS.items()]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT public_changed, {', '.join(columns)} FROM registry_dataversion WHERE id = 1")
        row = cursor.fetchone() or (None, 0, 0, 0)
    changed = row[0]
    if isinstance(changed, str):  # SQLite keeps timestamps as text
        changed = parse_datetime(changed).replace(tzinfo=datetime.UTC)
    return changed, dict(zip(TOTALS, row[1:]))


def public_changed(using=None):
    """When something the public may see last changed (see public_state)."""
    return public_state(using)[0]


# {(database alias, public): (version number, {key: value})}: figures that depend on the data alone.
_remembered = {}
REMEMBERED_KEYS = 256  # per process; parameters (date ranges) could otherwise grow it without end


def remember(key, compute, using=None, *, public=False, unwritten_transaction=False):
    """compute(), kept in this process until the data version moves: for figures that are a
    function of the data alone, such as the duplicate guard's name index; with `public`, until
    the public version moves, for figures of what the public may see alone (public counts,
    the shares' denominators): a draft saved keeps them. Inside a transaction it is computed
    every time: a write in it has not moved the version yet (PostgreSQL moves it at COMMIT).
    With `unwritten_transaction` (PostgreSQL), a transaction that has written nothing yet is
    served like a read outside one, for one more query asking (an import may be checked in
    the transaction it is then written in). The version is read before the computation, so a
    value is never kept under a version older than the data it saw."""
    from registry.models import DataVersion

    alias = using or router.db_for_read(DataVersion) or "default"
    connection = connections[alias]
    if not connection.in_atomic_block:
        number = current(alias, public=public)
    elif unwritten_transaction and connection.vendor == "postgresql" and not public:
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
    kept, values = _remembered.get((alias, public), (None, None))
    if kept != number:
        values = {}
        _remembered[(alias, public)] = (number, values)
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
        _start_public_changed(connection, cursor)
        recount(cursor, connection)
        if connection.vendor == "postgresql":
            deltas = {what: f"coalesce(nullif(current_setting('{_DELTA}{what}', true), ''), '0')::bigint" for what in TOTALS}
            add = ", ".join(f"{column} = {column} + {deltas[what]}" for what, column in TOTALS.items())
            any_delta = " OR ".join(f"{delta} <> 0" for delta in deltas.values())
            reset = " ".join(f"PERFORM set_config('{_DELTA}{what}', '0', true);" for what in TOTALS)
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
                            {_PUBLIC_BUMP};
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
    from registry.releases.provenance import last_change

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
        setting = f"{_DELTA}{what}"
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
        for event, tables in (("insert", "NEW TABLE AS new_rows"), ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                              ("delete", "OLD TABLE AS old_rows")):
            name = f"registry_public_totals_{event}"
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {quoted}")
            cursor.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {quoted} REFERENCING {tables} "
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
    _remembered.pop((using, False), None)
    _remembered.pop((using, True), None)
    try:
        install(using)
    except (OperationalError, ProgrammingError):
        # Migrated backwards past 0010: there is no version table to keep.
        pass
