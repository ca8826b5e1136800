"""The six questions of issue 18 (tools/peers.py, part 3): each as the registry's API URL and as
the SQL a competent Datasette user would write against the copy, and how two answers are
checked to be the same data."""

import csv
import io
import json
import sqlite3
import urllib.parse
from pathlib import Path

from django.conf import settings

from registry.models.places import place_variants
from registry.access.visibility import published_statuses

# The SQLite copy of the public data Datasette serves (built by tools/peers.py).
COPY = Path(settings.BASE_DIR) / "artifacts" / "peers.sqlite3"


# --- 3. the questions ----------------------------------------------------------------------

def _sql(sql, **params):
    return "/peers.json?" + urllib.parse.urlencode({"sql": " ".join(sql.split()), **params, "_shape": "arrays"})


def _place_prefix(slug):
    with sqlite3.connect(COPY) as db:
        return db.execute("SELECT path FROM location WHERE slug = ?", [slug]).fetchone()[0]


def _named(term):
    """The SQL that finds enterprises named by TERM as the registry's search does
    (Enterprise.objects.search): name or Hangul containing it, or a name key containing one
    of its spellings, in the enterprise's names or aliases."""
    like = "%" + term + "%"
    keys = ["%" + key + "%" for key in place_variants(term)]
    key_match = " OR ".join(["name_key LIKE ?"] * len(keys)) or "0"
    sql = (f"SELECT id FROM enterprise WHERE name LIKE ? OR hangul LIKE ? OR {key_match} "
           f"UNION SELECT enterprise_id FROM alias WHERE name LIKE ? OR {key_match}")
    return sql, [like, like, *keys, like, *keys]


def _inline(sql, params):
    """Datasette's ?sql= takes :named parameters; literals are simpler for a list of LIKEs."""
    for value in params:
        sql = sql.replace("?", "'" + str(value).replace("'", "''") + "'", 1)
    return sql


def questions():
    chongjin, pyongyang = _place_prefix("chongjin"), _place_prefix("pyongyang")
    claims_in = f"""
        FROM claim c JOIN article a ON a.id = c.article_id JOIN enterprise e ON e.id = c.enterprise_id
        JOIN source s ON s.id = a.source_id
        WHERE e.location_id IN (SELECT id FROM location WHERE path LIKE '{chongjin}%')"""
    columns = "c.id, a.published, s.short_name, a.title, e.name, c.activity, c.code, c.detail, c.quantity, c.unit"
    statuses = ", ".join(f"'{s}'" for s in published_statuses())  # noqa: F841 (the copy holds public rows only)

    def search(term):
        named_sql, named_params = _named(term)
        return _sql(_inline(f"""
            SELECT a.id, a.published, a.title, COUNT(*) OVER () AS total FROM article a
            WHERE a.id IN (SELECT rowid FROM article_fts WHERE article_fts MATCH :q
                           UNION SELECT article_id FROM claim WHERE enterprise_id IN ({named_sql}))
            ORDER BY a.published DESC, a.id LIMIT 50""", named_params), q=term)

    return [
        ("claims of codes 1-3 in Chongjin, page of 50 with count",
         "/api/v1/claims/?place=chongjin&max_code=3&page_size=50",
         _sql(f"SELECT {columns}, COUNT(*) OVER () AS total {claims_in} AND c.code <= 3 "
              "ORDER BY a.published DESC, c.article_id, c.id LIMIT 50"),
         same_page),
        ("time series, Pyongyang vs Chongjin, 2015-2021",
         "/api/v1/timeseries/?metric=articles&regions=pyongyang,chongjin&start=2015&end=2021",
         _sql(f"""SELECT g.slug, CAST(substr(a.published, 1, 4) AS INTEGER) AS year, COUNT(DISTINCT a.id)
              FROM claim c JOIN article a ON a.id = c.article_id JOIN enterprise e ON e.id = c.enterprise_id
              JOIN location l ON l.id = e.location_id
              JOIN (SELECT 'pyongyang' AS slug, '{pyongyang}' AS prefix UNION ALL SELECT 'chongjin', '{chongjin}') g
                ON l.path LIKE g.prefix || '%'
              WHERE a.published BETWEEN '2015-01-01' AND '2021-12-31' GROUP BY g.slug, year"""),
         same_series),
        ("CSV of the Chongjin claims",
         "/api/v1/claims/?place=chongjin&format=csv",
         "/peers.csv?" + urllib.parse.urlencode({"sql": " ".join(f"SELECT {columns} {claims_in} ORDER BY a.published DESC, c.article_id, c.id".split()), "_size": "max"}),
         same_csv),
        ("enterprise facets by grade and region",
         "/api/v1/enterprises/?facets=grade,region&page_size=50",
         "/peers/enterprise.json?_facet=grade&_facet=region&_size=50&_sort=name",
         same_facets),
        # Newest first on both sides: unasked, the registry ranks up to 1,000 matches by
        # relevance (ts_rank), which a SQLite FTS5 query would rank differently (bm25).
        ('search "steel" (broad)', "/api/v1/articles/?q=steel&ordering=-published&page_size=50", search("steel"), same_search),
        ('search "chorwon" (rare)', "/api/v1/articles/?q=chorwon&ordering=-published&page_size=50", search("chorwon"), same_search),
    ]


# Each check: (registry body, Datasette body) -> None if the same data, else what differs.

def same_page(registry, peer):
    mine, theirs = json.loads(registry), json.loads(peer)["rows"]
    total = theirs[0][-1] if theirs else 0
    ids_mine, ids_theirs = [r["id"] for r in mine["results"]], [r[0] for r in theirs]
    if mine.get("count_exact", True) and mine["count"] != total:
        return f"count {mine['count']} vs {total}"
    if not mine.get("count_exact", True) and total < mine["count"]:
        return f"count {mine['count']}+ vs {total}"
    return None if ids_mine == ids_theirs else f"page ids differ: {ids_mine[:5]} vs {ids_theirs[:5]}"


def same_series(registry, peer):
    mine = json.loads(registry)
    with sqlite3.connect(COPY) as db:
        names = dict(db.execute("SELECT slug, name FROM location WHERE slug IN ('pyongyang', 'chongjin')"))
    theirs = {}
    for slug, year, n in json.loads(peer)["rows"]:
        theirs.setdefault(names[slug], {})[str(year)] = n
    years = [str(p) for p in mine["periods"]]
    expected = {group: [theirs.get(group, {}).get(y[:4], 0) for y in years] for group in mine["groups"]}
    got = {group: list(values) for group, values in zip(mine["groups"], _series_values(mine))}
    return None if got == expected else f"{got} vs {expected}"


def _series_values(body):
    values = body["values"]
    if isinstance(values, dict):
        return [values[g] for g in body["groups"]]
    return values


def same_csv(registry, peer):
    mine = list(csv.reader(io.StringIO(registry.decode("utf-8-sig"))))
    theirs = list(csv.reader(io.StringIO(peer.decode("utf-8"))))
    id_column = mine[0].index("id") if "id" in mine[0] else 0
    ids_mine = [int(r[id_column]) for r in mine[1:]]
    ids_theirs = [int(r[0]) for r in theirs[1:]]
    return None if ids_mine == ids_theirs else f"{len(ids_mine)} rows vs {len(ids_theirs)}"


def same_facets(registry, peer):
    mine, theirs = json.loads(registry), json.loads(peer)
    total = theirs["filtered_table_rows_count"]
    # The registry stops counting a list at a cap (count_exact false); its facets count all rows.
    if mine["count"] != total and (mine.get("count_exact", True) or total < mine["count"]):
        return f"count {mine['count']} vs {total}"
    for name in ("grade", "region"):
        ours = {str(v["value"]): v["count"] for v in mine["facets"][name]}
        peers = {str(v["value"]): v["count"] for v in theirs["facet_results"][name]["results"] if v["value"] not in (None, "")}
        ours = {k: v for k, v in ours.items() if k not in ("None", "")}
        if ours != peers:
            return f"facet {name}: {ours} vs {peers}"
    return None


def same_search(registry, peer):
    return same_page(registry, peer)
