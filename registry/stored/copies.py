"""The stored copies, kept by the database: triggers on SQLite and PostgreSQL.

A claim stores what the public's series read without a join (registry/stored/evidence.py defines
each value): its article's date and precision while the article is public and published,
and what its enterprise was on the article's date (models/history.py): place, first-level
region, grade, industry and parent complex. An enterprise stores its first-level region and
its public evidence (claim count, first and last seen with their precisions, listed).

A model's save() kept these once, and a `queryset.update()` of an article's status left its
claims uncounted. A trigger cannot be forgotten by the next kind of write: save(),
`queryset.update()`, `bulk_create`, COPY, raw SQL, a migration, a restore and a merge all
fire it. `install()` (after every migrate, from apps.py, like dataversion.install) creates:

- claims: their copies computed as they are written, and when their article or enterprise
  changes; their enterprises' evidence moved with them (added to on insert, recounted on a
  delete or a move);
- articles: a change of status, disclosure, date or precision recomputes their claims'
  copies and their enterprises' evidence;
- enterprises: the region follows the place; a change of grade, place, industry or parent
  recomputes their claims' dated copies;
- attribute periods: any write recomputes the enterprise's claims' dated copies;
- places: a new path (a place moved in the tree) gives the enterprises and claims on it
  their new region.

The published statuses (settings.REGISTRY_PUBLISHED_STATUSES) are written into the
triggers: after changing that setting, run `migrate` (which reinstalls them) and
`rebuild_evidence`. `rebuild()` recomputes everything with the same expressions.
"""

from contextlib import contextmanager

from django.db import connections, transaction

from registry.stored.dataversion import public_article

PREFIX = "registry_copies"

# (attribute, the period's column, the enterprise's column, the value of a date no period covers)
DATED = {
    "enterprise_place_id": ("place", "location_id", "location_id", "NULL"),
    "enterprise_grade": ("grade", "value", "grade", "'unknown'"),
    "enterprise_industry_id": ("industry", "industry_id", "industry_id", "NULL"),
    "enterprise_parent_id": ("parent", "parent_id", "parent_id", "NULL"),
}


# Every stored copy of a claim, in the order copies() selects them.
COPIES = ("public_published", "public_precision", *DATED, "enterprise_region")


def copies(connection, claims="registry_claim", where=None, enterprises=None, periods=True):
    """SELECT id, every copy FROM the claims `claims` names (a table or a subquery with id,
    article_id and enterprise_id), those `where` keeps: the one statement of each value
    (registry/stored/evidence.py states them again, apart, to check). The article's date and
    precision if the public may see it (visibility.visible_articles(None), compiled for
    `connection` as the data version's triggers compile it); what the
    enterprise was on the article's date (models/history.py): the period covering it; if
    the attribute has periods but none covers the day, unknown; if it has none, the
    enterprise's own field; the first-level region of that place.

    `enterprises` (SQL of their ids) narrows the attribute periods read to those of the
    claims' enterprises: a trigger writing one claim should not scan every period. With
    `periods=False` (claims whose enterprises have no period at all, the import's common
    case) the same values without the eight period lookups: the enterprise's own fields."""
    joins, values = [], {}
    narrowed = f" AND enterprise_id IN ({enterprises})" if enterprises else ""
    for column, (attribute, period_column, plain, unknown) in DATED.items():
        if not periods:
            values[column] = f"e.{plain}"
            continue
        alias = column.removeprefix("enterprise_").removesuffix("_id")
        joins.append(
            f"LEFT JOIN registry_attributeperiod p_{alias} ON p_{alias}.enterprise_id = c.enterprise_id "
            f"AND p_{alias}.attribute = '{attribute}' AND (p_{alias}.valid_from IS NULL OR p_{alias}.valid_from <= a.published) "
            f"AND (p_{alias}.valid_to IS NULL OR p_{alias}.valid_to >= a.published) "
            f"LEFT JOIN (SELECT DISTINCT enterprise_id FROM registry_attributeperiod WHERE attribute = '{attribute}'{narrowed}) h_{alias} "
            f"ON h_{alias}.enterprise_id = c.enterprise_id"
        )
        values[column] = f"COALESCE(p_{alias}.{period_column}, CASE WHEN h_{alias}.enterprise_id IS NOT NULL THEN {unknown} ELSE e.{plain} END)"
    public = public_article(connection, "a")
    if not periods:
        # The enterprise's own place: its region is the one the enterprise stores (kept by
        # the enterprise_region trigger with the same region()).
        values["enterprise_region"] = "e.region_id"
    computed = ", ".join(f"{expression} AS {column}" for column, expression in values.items())
    inner = (
        f"SELECT c.id, CASE WHEN {public} THEN a.published END AS public_published, "
        f"CASE WHEN {public} THEN a.precision END AS public_precision, {computed} "
        f"FROM {claims} c JOIN registry_article a ON a.id = c.article_id JOIN registry_enterprise e ON e.id = c.enterprise_id "
        + " ".join(joins) + (f" WHERE {where}" if where else "")
    )
    if not periods:
        return inner
    return f"SELECT s.*, {region('s.enterprise_place_id')} AS enterprise_region FROM ({inner}) s"


def update_claims(connection, where=None, enterprises=None):
    """UPDATE setting every copy of the claims `where` keeps (on c, the claim)."""
    assignments = ", ".join(f"{column} = s.{column}" for column in COPIES)
    return f"UPDATE registry_claim SET {assignments} FROM ({copies(connection, where=where, enterprises=enterprises)}) s WHERE registry_claim.id = s.id"


def region(place):
    """The first-level place a place lies in (itself at level 1), or null."""
    return (
        f"(SELECT r.id FROM registry_location l JOIN registry_location r "
        f"ON r.level = 1 AND substr(l.path, 1, length(r.path)) = r.path WHERE l.id = {place})"
    )


def _set(values):
    return ", ".join(f"{column} = {expression}" for column, expression in values.items())


def evidence_values(enterprise="registry_enterprise.id"):
    """{enterprise column: expression}: its public evidence recounted from its claims'
    stored public dates (the same figures as evidence.computed())."""
    public_claims = f"FROM registry_claim c WHERE c.enterprise_id = {enterprise} AND c.public_published IS NOT NULL"

    def precision_at(end):
        return (
            f"(SELECT MIN(c.public_precision) {public_claims} AND c.public_published = "
            f"(SELECT {end}(c2.public_published) FROM registry_claim c2 WHERE c2.enterprise_id = {enterprise} "
            f"AND c2.public_published IS NOT NULL))"
        )

    return {
        "public_claim_count": f"(SELECT COUNT(*) {public_claims})",
        "public_first_seen": f"(SELECT MIN(c.public_published) {public_claims})",
        "public_first_seen_precision": precision_at("MIN"),
        "public_last_seen": f"(SELECT MAX(c.public_published) {public_claims})",
        "public_last_seen_precision": precision_at("MAX"),
        # Known through public evidence, or with no claim at all yet (visibility.known_through).
        "public_listed": (
            f"(EXISTS (SELECT 1 {public_claims}) OR NOT EXISTS "
            f"(SELECT 1 FROM registry_claim c WHERE c.enterprise_id = {enterprise}))"
        ),
    }


def recount(where):
    """UPDATE recounting the evidence of the enterprises `where` selects."""
    return f"UPDATE registry_enterprise SET {_set(evidence_values())} WHERE {where}"


def _enterprise_region():
    return f"UPDATE registry_enterprise SET region_id = {region('registry_enterprise.location_id')}"


def _sqlite_statements(connection):
    """(name, CREATE TRIGGER) for SQLite: row triggers; a trigger's own UPDATE does not fire
    it again (recursive_triggers is off), other triggers fire as usual."""
    this = update_claims(connection, "c.id = NEW.id", "NEW.enterprise_id")
    changed_enterprise = "OLD.grade IS NOT NEW.grade OR OLD.location_id IS NOT NEW.location_id OR OLD.industry_id IS NOT NEW.industry_id OR OLD.parent_id IS NOT NEW.parent_id"
    changed_article = "OLD.status IS NOT NEW.status OR OLD.disclosure IS NOT NEW.disclosure OR OLD.published IS NOT NEW.published OR OLD.precision IS NOT NEW.precision"
    # A new claim adds to its enterprise's evidence without recounting the claims it had
    # (an import adds thousands of claims to enterprises holding thousands).
    added = _added_sqlite()
    article_claims = update_claims(connection, "c.article_id = NEW.id", "SELECT enterprise_id FROM registry_claim WHERE article_id = NEW.id")
    return [
        ("claim_insert", f"AFTER INSERT ON registry_claim FOR EACH ROW BEGIN {this}; {added}; END"),
        ("claim_move", "AFTER UPDATE OF article_id, enterprise_id ON registry_claim FOR EACH ROW "
         "WHEN OLD.article_id IS NOT NEW.article_id OR OLD.enterprise_id IS NOT NEW.enterprise_id BEGIN "
         f"{this}; {recount('id IN (OLD.enterprise_id, NEW.enterprise_id)')}; END"),
        ("claim_delete", f"AFTER DELETE ON registry_claim FOR EACH ROW BEGIN {recount('id = OLD.enterprise_id')}; END"),
        ("article_update", "AFTER UPDATE OF status, disclosure, published, precision ON registry_article FOR EACH ROW "
         f"WHEN {changed_article} BEGIN {article_claims}; "
         f"{recount('id IN (SELECT enterprise_id FROM registry_claim WHERE article_id = NEW.id)')}; END"),
        ("enterprise_insert", f"AFTER INSERT ON registry_enterprise FOR EACH ROW BEGIN {_enterprise_region()} WHERE id = NEW.id; END"),
        ("enterprise_region", "AFTER UPDATE OF location_id, region_id ON registry_enterprise FOR EACH ROW "
         f"WHEN NEW.region_id IS NOT {region('NEW.location_id')} BEGIN {_enterprise_region()} WHERE id = NEW.id; END"),
        ("enterprise_update", "AFTER UPDATE OF grade, location_id, industry_id, parent_id ON registry_enterprise FOR EACH ROW "
         f"WHEN {changed_enterprise} BEGIN {update_claims(connection, 'c.enterprise_id = NEW.id', 'NEW.id')}; END"),
        *[
            (f"period_{event.lower()}", f"AFTER {event} ON registry_attributeperiod FOR EACH ROW BEGIN "
             f"{update_claims(connection, f'c.enterprise_id IN ({ids})', ids)}; END")
            for event, ids in (("INSERT", "NEW.enterprise_id"), ("UPDATE", "OLD.enterprise_id, NEW.enterprise_id"), ("DELETE", "OLD.enterprise_id"))
        ],
        ("place_moved", "AFTER UPDATE OF path ON registry_location FOR EACH ROW WHEN OLD.path IS NOT NEW.path BEGIN "
         f"{_enterprise_region()} WHERE location_id = NEW.id; "
         f"UPDATE registry_claim SET enterprise_region = {region('NEW.id')} WHERE enterprise_place_id = NEW.id "
         "AND enterprise_id IN (SELECT id FROM registry_enterprise WHERE location_id = NEW.id "
         "UNION SELECT enterprise_id FROM registry_attributeperiod WHERE location_id = NEW.id); END"),
    ]


def _merged(first, precision, current_first, current_precision, later):
    """CASE expressions folding a new (date, precision) into an enterprise's stored end:
    `later` false for the first seen (the earlier date wins), true for the last; on the same
    date the more precise wins (day < month < year, as text too)."""
    beats = f"{first} > {current_first}" if later else f"{first} < {current_first}"
    return (
        f"CASE WHEN {first} IS NULL THEN {current_first} WHEN {current_first} IS NULL OR {beats} THEN {first} ELSE {current_first} END",
        f"CASE WHEN {first} IS NULL THEN {current_precision} WHEN {current_first} IS NULL OR {beats} THEN {precision} "
        f"WHEN {first} = {current_first} AND {precision} < {current_precision} THEN {precision} ELSE {current_precision} END",
    )


def _added_set(count, first, first_precision, last, last_precision, table="registry_enterprise"):
    f, fp = _merged(first, first_precision, f"{table}.public_first_seen", f"{table}.public_first_seen_precision", False)
    l, lp = _merged(last, last_precision, f"{table}.public_last_seen", f"{table}.public_last_seen_precision", True)
    return (
        f"public_claim_count = {table}.public_claim_count + {count}, public_first_seen = {f}, "
        f"public_first_seen_precision = {fp}, public_last_seen = {l}, public_last_seen_precision = {lp}, "
        f"public_listed = ({table}.public_claim_count + {count}) > 0"
    )


def _added_sqlite():
    row = "(SELECT public_published FROM registry_claim WHERE id = NEW.id)"
    precision = "(SELECT public_precision FROM registry_claim WHERE id = NEW.id)"
    count = f"(CASE WHEN {row} IS NULL THEN 0 ELSE 1 END)"
    return f"UPDATE registry_enterprise SET {_added_set(count, row, precision, row, precision)} WHERE id = NEW.enterprise_id"


def _postgresql_statements(connection):
    """(name, function body, CREATE TRIGGER ... EXECUTE FUNCTION {function}()) for PostgreSQL:
    a claim's copies set BEFORE it is written (no second row version), its enterprises'
    evidence once per statement from the transition tables (a COPY of 50,000 claims updates
    each enterprise once)."""
    def into(periods):
        new = copies(connection, "(SELECT NEW.id AS id, NEW.article_id AS article_id, NEW.enterprise_id AS enterprise_id)",
                     enterprises="NEW.enterprise_id", periods=periods)
        return f"SELECT {', '.join(COPIES)} INTO {', '.join(f'NEW.{column}' for column in COPIES)} FROM ({new}) new"
    batch = (
        "SELECT enterprise_id, COUNT(public_published) AS n, MIN(public_published) AS f, MAX(public_published) AS l, "
        "MIN(CASE WHEN public_published = mf THEN public_precision END) AS fp, "
        "MIN(CASE WHEN public_published = ml THEN public_precision END) AS lp "
        "FROM (SELECT enterprise_id, public_published, public_precision, "
        "MIN(public_published) OVER (PARTITION BY enterprise_id) AS mf, MAX(public_published) OVER (PARTITION BY enterprise_id) AS ml "
        "FROM added) rows GROUP BY enterprise_id"
    )
    changed_enterprise = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("grade", "location_id", "industry_id", "parent_id"))
    changed_article = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ("status", "disclosure", "published", "precision"))
    period_ids = {"INSERT": "NEW.enterprise_id", "UPDATE": "OLD.enterprise_id, NEW.enterprise_id", "DELETE": "OLD.enterprise_id"}
    return [
        # Most imported claims are of enterprises without any period: their copies are
        # their enterprise's fields, read in a tenth of the time of the eight period lookups.
        ("claim_copies", "BEGIN IF EXISTS (SELECT 1 FROM registry_attributeperiod WHERE enterprise_id = NEW.enterprise_id) "
         f"THEN {into(True)}; ELSE {into(False)}; END IF; RETURN NEW; END",
         "BEFORE INSERT OR UPDATE OF article_id, enterprise_id ON registry_claim FOR EACH ROW"),
        ("claim_added", f"BEGIN UPDATE registry_enterprise SET {_added_set('b.n', 'b.f', 'b.fp', 'b.l', 'b.lp')} "
         f"FROM ({batch}) b WHERE registry_enterprise.id = b.enterprise_id; RETURN NULL; END",
         "AFTER INSERT ON registry_claim REFERENCING NEW TABLE AS added FOR EACH STATEMENT"),
        ("claim_removed", f"BEGIN {recount('id IN (SELECT enterprise_id FROM removed)')}; RETURN NULL; END",
         "AFTER DELETE ON registry_claim REFERENCING OLD TABLE AS removed FOR EACH STATEMENT"),
        ("claim_changed", "BEGIN " + recount(
            "id IN (SELECT o.enterprise_id FROM old_claims o JOIN new_claims n ON n.id = o.id WHERE o.enterprise_id IS DISTINCT FROM n.enterprise_id "
            "OR o.public_published IS DISTINCT FROM n.public_published OR o.public_precision IS DISTINCT FROM n.public_precision "
            "UNION SELECT n.enterprise_id FROM old_claims o JOIN new_claims n ON n.id = o.id WHERE o.enterprise_id IS DISTINCT FROM n.enterprise_id "
            "OR o.public_published IS DISTINCT FROM n.public_published OR o.public_precision IS DISTINCT FROM n.public_precision)"
         ) + "; RETURN NULL; END",
         "AFTER UPDATE ON registry_claim REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims FOR EACH STATEMENT"),
        ("article_update", f"BEGIN IF {changed_article} THEN "
         + update_claims(connection, "c.article_id = NEW.id", "SELECT enterprise_id FROM registry_claim WHERE article_id = NEW.id")
         + "; END IF; RETURN NULL; END",
         "AFTER UPDATE OF status, disclosure, published, precision ON registry_article FOR EACH ROW"),
        ("enterprise_region", f"BEGIN NEW.region_id := {region('NEW.location_id')}; RETURN NEW; END",
         "BEFORE INSERT OR UPDATE OF location_id, region_id ON registry_enterprise FOR EACH ROW"),
        ("enterprise_update", f"BEGIN IF {changed_enterprise} THEN {update_claims(connection, 'c.enterprise_id = NEW.id', 'NEW.id')}; "
         "END IF; RETURN NULL; END",
         "AFTER UPDATE OF grade, location_id, industry_id, parent_id ON registry_enterprise FOR EACH ROW"),
        *[
            (f"period_{event.lower()}", f"BEGIN {update_claims(connection, f'c.enterprise_id IN ({ids})', ids)}; RETURN NULL; END",
             f"AFTER {event} ON registry_attributeperiod FOR EACH ROW")
            for event, ids in period_ids.items()
        ],
        ("place_moved", "BEGIN IF OLD.path IS DISTINCT FROM NEW.path THEN "
         f"{_enterprise_region()} WHERE location_id = NEW.id; "
         f"UPDATE registry_claim SET enterprise_region = {region('NEW.id')} WHERE enterprise_place_id = NEW.id "
         "AND enterprise_id IN (SELECT id FROM registry_enterprise WHERE location_id = NEW.id "
         "UNION SELECT enterprise_id FROM registry_attributeperiod WHERE location_id = NEW.id); END IF; RETURN NULL; END",
         "AFTER UPDATE OF path ON registry_location FOR EACH ROW"),
    ]


def _table_of(definition):
    return definition.split(" ON ")[1].split()[0]


def install(using="default"):
    """(Re)create every trigger; idempotent."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, body, definition in _postgresql_statements(connection):
                function = f"{PREFIX}_{name}"
                cursor.execute(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$")
                cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {_table_of(definition)}")
                cursor.execute(f"CREATE TRIGGER {function} {definition} EXECUTE FUNCTION {function}()")
        elif connection.vendor == "sqlite":
            for name, definition in _sqlite_statements(connection):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{PREFIX}_{name}"')
                cursor.execute(f'CREATE TRIGGER "{PREFIX}_{name}" {definition}')


def uninstall(using="default"):
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name, _body, definition in _postgresql_statements(connection):
                cursor.execute(f"DROP TRIGGER IF EXISTS {PREFIX}_{name} ON {_table_of(definition)}")
        elif connection.vendor == "sqlite":
            for name, _definition in _sqlite_statements(connection):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{PREFIX}_{name}"')


def installed(using="default"):
    """The names of the copy triggers on the database (for the test that all are there)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT DISTINCT tgname FROM pg_trigger WHERE tgname LIKE %s", [f"{PREFIX}_%"])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{PREFIX}_%"])
        return sorted(name for (name,) in cursor.fetchall())


# Every enterprise's evidence at once (rebuild): one pass grouping the public claims, where
# recount()'s correlated subqueries per enterprise took minutes at 1M claims. The same
# figures: count, first and last date, the most precise precision on each (day < month < year).
RECOUNT_ALL = (
    "UPDATE registry_enterprise SET public_claim_count = 0, public_first_seen = NULL, public_first_seen_precision = NULL, "
    "public_last_seen = NULL, public_last_seen_precision = NULL, "
    "public_listed = NOT EXISTS (SELECT 1 FROM registry_claim c WHERE c.enterprise_id = registry_enterprise.id)",
    "UPDATE registry_enterprise SET public_claim_count = s.n, public_first_seen = s.f, public_first_seen_precision = s.fp, "
    "public_last_seen = s.l, public_last_seen_precision = s.lp, public_listed = (s.n > 0) "
    "FROM (SELECT a.enterprise_id, a.n, a.f, a.l, "
    "MIN(CASE WHEN c.public_published = a.f THEN c.public_precision END) AS fp, "
    "MIN(CASE WHEN c.public_published = a.l THEN c.public_precision END) AS lp "
    "FROM (SELECT enterprise_id, COUNT(*) AS n, MIN(public_published) AS f, MAX(public_published) AS l FROM registry_claim "
    "WHERE public_published IS NOT NULL GROUP BY enterprise_id) a "
    "JOIN registry_claim c ON c.enterprise_id = a.enterprise_id AND c.public_published IN (a.f, a.l) "
    "GROUP BY a.enterprise_id, a.n, a.f, a.l) s WHERE registry_enterprise.id = s.enterprise_id",
)


def rebuild(using="default"):
    """Recompute every stored copy with the triggers' expressions: the regions, the claims'
    copies, then the enterprises' evidence from them. Returns the number of enterprises.
    The triggers are off meanwhile, in the same transaction (everything is recomputed: on
    PostgreSQL the claims' statement trigger would otherwise recount every enterprise from
    two transition tables of every claim)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        uninstall(using)
        cursor.execute(_enterprise_region())
        cursor.execute(update_claims(connection))
        for sql in RECOUNT_ALL:
            cursor.execute(sql)
        install(using)
        cursor.execute("SELECT COUNT(*) FROM registry_enterprise")
        return cursor.fetchone()[0]


@contextmanager
def suspended(using="default", *, recompute=True):
    """Bulk loads of a whole database (a synthetic corpus): the triggers off while the rows
    go in, the triggers back after, and everything recomputed once (unless the caller does
    it: `recompute=False`)."""
    uninstall(using)
    try:
        yield
    finally:
        install(using)
    if recompute:
        rebuild(using)


def after_migrate(sender, using="default", **kwargs):
    from django.db.utils import OperationalError, ProgrammingError

    try:
        install(using)
    except (OperationalError, ProgrammingError):
        # Migrated backwards past the tables they keep.
        pass
