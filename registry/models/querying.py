"""What the articles' and claims' querysets share: counts asked once and bounded
(CountedQuerySet), and the full-text match expressions of PostgreSQL's search vector."""

from django.db import connections, models
from django.db.models import BooleanField, F, Max, Min
from django.db.models.expressions import Expression



class CountedQuerySet(models.QuerySet):
    """Counts that stop at a bound, asked once. `count_cap`: set by a search, the API's
    paginator counts these rows exactly only up to it (api/pagination.py)."""

    count_cap = None
    broad_search = False  # set by a search that matched more than RANKED_MATCHES rows

    def _clone(self):
        clone = super()._clone()
        clone.count_cap, clone.broad_search = self.count_cap, self.broad_search
        clone._counted = self._counts()  # shared: keyed by the exact query
        return clone

    def _counts(self):
        if getattr(self, "_counted", None) is None:
            self._counted = {}
        return self._counted

    def _count_probe(self, limit):
        """The SQL of the first limit + 1 rows' ids, and its parameters."""
        return self.order_by().values("pk")[: limit + 1].query.sql_with_params()

    def _remember_count(self, limit, count):
        sql, params = self._count_probe(limit)
        self._counts()[(sql, repr(params))] = count

    def count_upto(self, limit):
        """min(rows, limit + 1) in one query (COUNT over a LIMIT). Remembered by the query's
        SQL on this queryset and those made from it: the search's ranking check and the
        paginator's count of the same rows are then one query, not two. The probe's SQL,
        compiled for the key, is the query run (Django's count() would compile it again)."""
        sql, params = self._count_probe(limit)
        counts, key = self._counts(), (sql, repr(params))
        if key not in counts:
            with connections[self.db].cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM ({sql}) subquery", params)
                counts[key] = cursor.fetchone()[0]
        return counts[key]


# The stored, weighted tsvector of migration 0010 (a generated column, PostgreSQL only),
# unqualified so it also works inside subqueries, where Django renames the article table.
ARTICLE_TSVECTOR = "search_vector"
ARTICLE_TABLE = "registry_article"


class VectorMatch(Expression):
    """`search_vector @@ to_tsquery('simple', query)`, PostgreSQL's search condition.

    `broad` (more than RANKED_MATCHES rows match): where the rows are read a page at a time
    in date order, or only the first or last date or one row per year is wanted, the test
    is written as the function call ts_match_vq(...). The GIN index cannot answer that and
    the planner takes a third of the rows to match, so it walks the date index and stops at
    the page (22 ms for "oxygen furnace"). Through the index it took the words as
    independent ("oxygen" & "furnace": 519 rows expected where 16,497 match), read every
    match's heap page and sorted them (15k pages, 300-800 ms). Counts and everything else
    keep the indexed operator, whose cost does not depend on the order. Deep pages of a
    broad match cost more: the walk is longer."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, query, broad=False):
        super().__init__()
        self.query, self.broad = query, broad

    def as_sql(self, compiler, connection):
        if self.broad and _reads_by_date(compiler.query):
            return f"ts_match_vq({ARTICLE_TSVECTOR}, to_tsquery('simple', %s))", [self.query]
        return f"{ARTICLE_TSVECTOR} @@ to_tsquery('simple', %s)", [self.query]


def _reads_by_date(query):
    """A page in date order, a first/last date (MIN/MAX), or an existence probe (LIMIT 1)."""
    if query.is_sliced and not query.order_by and query.high_mark is not None and query.high_mark - query.low_mark == 1:
        return True
    if query.is_sliced and query.order_by and str(query.order_by[0]).lstrip("-") == "published":
        return True
    aggregates = list(query.annotation_select.values())
    return bool(aggregates) and all(isinstance(a, (Min, Max)) for a in aggregates)


class ArticleVectorMatch(Expression):
    """`<article>.search_vector @@ to_tsquery('simple', query)` on the article joined
    through `via` ("article__" from a claim): PostgreSQL only. The join is Django's own
    (resolved from the article's date), so its alias is right whatever else is joined."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, via, query):
        super().__init__()
        self.anchor, self.query = F(via + "published"), query

    def get_source_expressions(self):
        return [self.anchor]

    def set_source_expressions(self, exprs):
        (self.anchor,) = exprs

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(self.anchor.alias)
        return f"{table}.{ARTICLE_TSVECTOR} @@ to_tsquery('simple', %s)", [self.query]


def vendor(alias):
    return connections[alias].vendor
