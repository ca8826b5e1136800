"""The article search index: what each article is found by, stored beside it.

Three stored text columns of Article, each a space-separated list of search tokens:
`search_head` (the English and Korean headlines), `search_body` (the summary) and
`search_names` (the names, Hangul names and aliases of the enterprises its claims name; kept,
but ArticleQuerySet.search finds an article by its enterprises through the enterprise search
itself, EnterpriseQuerySet.search, the one definition, and queries only the first two here).
A token is either a lower-cased word of Latin script or digits ("steel", "2019"), or a
Hangul syllable bigram of the folded text (registry/places/hangul.fold): 김책제철련합기업소 is
stored as 김책 책제 제철 철연 연합 합기 기업 업소. Indexing bigrams lets a query find
Hangul inside a longer word, as Korean glues compounds and particles together.

The databases index these columns the same way (migration 0010_hangul_search):
- PostgreSQL: a stored generated column `search_vector`, the three columns as one tsvector
  ('simple' configuration, so a token is a lexeme as written) weighted A, B and C, with a GIN
  index (registry_article_fulltext). A query of Hangul syllables is a phrase of its bigrams
  (제철련합 -> '제철' <-> '철연' <-> '연합'): each bigram is a GIN key, so a two-syllable query
  is one key lookup and longer ones intersect a few posting lists, then check adjacency.
  Ranked by ts_rank: a headline hit (A) outranks a summary hit (B), a name hit (C) comes last.
- SQLite: an FTS5 table registry_article_fts over the three columns (external content: it
  holds only the index), kept in step by triggers; the same phrase queries, ranked by bm25
  with the same column weights.
Both give the same result sets (tests/test_korean_search.py); a single Hangul syllable can
only match as the first syllable of a bigram or a one-syllable word (prefix).

Chosen over pg_trgm: trigrams of Hangul need three syllables, so a two-syllable query such
as 제철 could not use a trigram index; and over a stored bigram column plus LIKE: LIKE '%…%'
cannot use an ordinary index on either database. The columns are maintained by the write
services in the same transaction (refresh_articles), and rebuilt by `manage.py
rebuild_search`."""

from django.db import connection

from infra.bulk import in_sets
from registry.articles.search_terms import article_fields, names_tokens  # noqa: F401 (search.article_fields, as before)
from registry.models import Article, Claim, Enterprise, EnterpriseAlias


def enterprise_names(enterprise_ids):
    """{enterprise id: [name, Hangul name, aliases...]}: what an article naming it is found
    by. Two queries."""
    names = {}
    for ids in in_sets(enterprise_ids):
        for pk, name, hangul in Enterprise.objects.filter(pk__in=ids).order_by().values_list("pk", "name", "hangul"):
            names[pk] = [name, hangul]
        for pk, alias in EnterpriseAlias.objects.filter(enterprise_id__in=ids).order_by().values_list("enterprise_id", "name"):
            names[pk].append(alias)
    return names


def refresh_articles(article_ids):
    """Recompute the stored search columns of these articles from their text and the
    enterprises their claims name (with Hangul names and aliases). Run by the write
    services in their transaction, after the claims changed."""
    ids = sorted({pk for pk in article_ids if pk is not None})
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        pairs = [pair for part in in_sets(chunk) for pair in Claim.objects.filter(article_id__in=part).order_by().values_list("article_id", "enterprise_id")]
        by_enterprise = enterprise_names({e for _, e in pairs})
        names = {pk: [] for pk in chunk}
        for article_id, enterprise_id in pairs:
            names[article_id] += by_enterprise[enterprise_id]
        rows = []
        texts = [row for part in in_sets(chunk) for row in Article.objects.filter(pk__in=part).order_by().values_list("pk", "title", "title_ko", "summary")]
        for pk, title, title_ko, summary in texts:
            own = article_fields(title, title_ko, summary)
            rows.append((own["search_head"], own["search_body"], names_tokens(names[pk]), pk))
        _write(rows)


def refresh_enterprise(enterprise_id):
    """An enterprise's names changed: every article naming it is refreshed."""
    refresh_articles(Claim.objects.filter(enterprise_id=enterprise_id).values_list("article_id", flat=True).distinct())


def _write(rows):
    table = "registry_article"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per chunk: the arrays are unnested into a join.
            cursor.execute(
                f"UPDATE {table} AS a SET search_head = v.h, search_body = v.b, search_names = v.n "
                "FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[]) AS v(h, b, n, id) "
                "WHERE a.id = v.id AND (a.search_head, a.search_body, a.search_names) IS DISTINCT FROM (v.h, v.b, v.n)",
                [list(col) for col in zip(*rows)] if rows else [[], [], [], []],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET search_head = %s, search_body = %s, search_names = %s WHERE id = %s", rows
            )


def rebuild_all(progress=None):
    """Recompute every article's search columns (manage.py rebuild_search)."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 10000):
        refresh_articles(ids[start : start + 10000])
        if progress:
            progress(min(start + 10000, len(ids)), len(ids))
    return len(ids)


# The index structures. PostgreSQL: a generated column, so no write path can forget it.
PG_VECTOR = (
    "setweight(to_tsvector('simple', search_head), 'A') || "
    "setweight(to_tsvector('simple', search_body), 'B') || "
    "setweight(to_tsvector('simple', search_names), 'C')"
)
PG_CREATE = [
    "DROP INDEX IF EXISTS registry_article_fulltext",
    f"ALTER TABLE registry_article ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS registry_article_fulltext ON registry_article USING gin (search_vector)",
]
PG_DROP = ["DROP INDEX IF EXISTS registry_article_fulltext", "ALTER TABLE registry_article DROP COLUMN IF EXISTS search_vector"]

# SQLite: an external-content FTS5 table (it stores only the index) kept by triggers.
# remove_diacritics 0: tokens compare as PostgreSQL's 'simple' configuration compares them.
_COLUMNS = "search_head, search_body, search_names"
_NEW = "new.search_head, new.search_body, new.search_names"
_OLD = "old.search_head, old.search_body, old.search_names"
SQLITE_TRIGGERS = {
    "registry_article_fts_ai": f"AFTER INSERT ON registry_article BEGIN "
    f"INSERT INTO registry_article_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
    "registry_article_fts_ad": f"AFTER DELETE ON registry_article BEGIN "
    f"INSERT INTO registry_article_fts(registry_article_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); END",
    "registry_article_fts_au": f"AFTER UPDATE OF {_COLUMNS} ON registry_article BEGIN "
    f"INSERT INTO registry_article_fts(registry_article_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO registry_article_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END",
}


def ensure_sqlite_index(connection):
    """Create the FTS5 table and its triggers if missing, and rebuild the index when a
    trigger was missing. Run by migration 0010 and after every migrate (post_migrate):
    SQLite's schema editor rebuilds a table to alter it, and its triggers go with it."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE 'registry_article%%'")
        present = {name for (name,) in cursor.fetchall()}
        if "registry_article" not in present or "search_head" not in {c.name for c in connection.introspection.get_table_description(cursor, "registry_article")}:
            return  # before migration 0010 (a migrate back, or a test database being built)
        if "registry_article_fts" not in present:
            cursor.execute(
                f"CREATE VIRTUAL TABLE registry_article_fts USING fts5({_COLUMNS}, content='registry_article', "
                "content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
            )
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
        if missing:
            cursor.execute("INSERT INTO registry_article_fts(registry_article_fts) VALUES ('rebuild')")


def drop_sqlite_index(connection):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute("DROP TABLE IF EXISTS registry_article_fts")


# Single-row writes keep the columns in step wherever they come from (a service, the shell,
# a test's fixtures), in the writer's transaction; bulk writes (import, merge) call
# refresh_articles themselves, as signals do not fire for them.
def _claim_saved(sender, instance, **kwargs):
    refresh_articles([instance.article_id])


def _enterprise_saving(sender, instance, **kwargs):
    if instance.pk is not None:
        instance._search_names_before = type(instance).objects.filter(pk=instance.pk).values_list("name", "hangul").first()


def _enterprise_saved(sender, instance, created, **kwargs):
    before = getattr(instance, "_search_names_before", None)
    if not created and before is not None and before != (instance.name, instance.hangul):
        refresh_enterprise(instance.pk)


def _alias_changed(sender, instance, **kwargs):
    refresh_enterprise(instance.enterprise_id)


def connect_signals():
    from django.db.models.signals import post_delete, post_save, pre_save

    post_save.connect(_claim_saved, sender=Claim, dispatch_uid="search_claim_saved")
    post_delete.connect(_claim_saved, sender=Claim, dispatch_uid="search_claim_deleted")
    pre_save.connect(_enterprise_saving, sender=Enterprise, dispatch_uid="search_enterprise_saving")
    post_save.connect(_enterprise_saved, sender=Enterprise, dispatch_uid="search_enterprise_saved")
    post_save.connect(_alias_changed, sender=EnterpriseAlias, dispatch_uid="search_alias_saved")
    post_delete.connect(_alias_changed, sender=EnterpriseAlias, dispatch_uid="search_alias_deleted")
