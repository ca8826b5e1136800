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
stamp's `last_change` (here; registry/releases/provenance.py shows it). Coders save drafts all day; with one version,
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
condition, moves it."""

import datetime

from django.apps import apps
from django.db import connections, router
from django.utils.dateparse import parse_datetime

from registry.access.visibility import RESTRICTED_FIELDS, visible_articles
from registry.models import (
    Article, Claim, DataVersion, Enterprise, EnterpriseAlias, Industry, Location, Source
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


def public_article(connection, row):
    """SQL: the article `row` ("NEW", "OLD" or the table itself) is one the public may see:
    visibility.visible_articles(None), compiled as the querysets compile it."""
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
        f"AND {public_article(connection, 'registry_article').replace('{', '{{').replace('}', '}}')})"
    )
    return {
        "registry_article": public_article(connection, "{row}"),
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
            f"AND {public_article(connection, 'registry_article')})",
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
PUBLIC_DELTA = "registry.public_delta_"


def counted_rows(connection):
    """{table: (what, SQL condition on a row "{row}")} for the public totals."""
    return {
        "registry_article": ("articles", public_article(connection, "{row}")),
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
    alias = using or router.db_for_read(DataVersion) or "default"
    connection = connections[alias]
    columns = list(TOTALS.values())
    if connection.vendor == "postgresql":
        # Inside a transaction that wrote, its own changes not yet added at COMMIT.
        columns = [f"{c} + coalesce(nullif(current_setting('{PUBLIC_DELTA}{what}', true), ''), '0')::bigint" for what, c in TOTALS.items()]
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


def forget(using="default"):
    """Drop the figures kept for the database `using` (after `migrate` or `flush`, which
    start its version numbers again: they would meet figures kept for other data)."""
    _remembered.pop((using, False), None)
    _remembered.pop((using, True), None)


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


def last_change(using=None):
    """The newest history record's time: one query, each MAX read from the end of an index."""
    histories = [m.history.model for m in (Claim, Article, Enterprise, EnterpriseAlias, Location, Industry, Source)]
    connection = connections[using or router.db_for_read(Claim) or "default"]
    table = connection.ops.quote_name
    changes = " UNION ALL ".join(f"SELECT MAX(history_date) AS changed FROM {table(m._meta.db_table)}" for m in histories)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(changed) FROM ({changes}) AS changes")
        (last,) = cursor.fetchone()
    if isinstance(last, str):  # SQLite keeps timestamps as text
        last = parse_datetime(last).replace(tzinfo=datetime.UTC)
    return last
