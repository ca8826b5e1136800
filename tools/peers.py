"""The registry against a peer: Datasette serving a SQLite copy of the same public data.

`make benchmark-peers` (or `python -m tools.peers [--rebuild]`; `--explain [WORDS]` prints the
plans of the registry's slowest query per question instead): on the PostgreSQL database of DATABASE_URL (the 1M-claim corpus of tools/corpus.py),

1. builds artifacts/peers.sqlite3, the public data as anyone may see it (public, published
   articles, their claims, the enterprises known from them or from nothing yet; places,
   industries, sources, aliases), with foreign keys, an index on every filtered column and
   FTS5 on headline and summary; rebuilt when the data version moves (registry/stored/dataversion.py);
2. serves it with Datasette (tools/requirements-bench.txt, in .venv-bench; suggest_facets off,
   mutable: counts are counted, as on a live database) and the registry with gunicorn on
   PostgreSQL (caching off: REGISTRY_CACHE_SECONDS=0, so each request does its work);
3. asks the six questions of issue 18 over HTTP, alternating registry and Datasette (and which
   goes first), and checks each pair of answers is the same data;
4. prints the medians and their ratio (registry / Datasette: below 1 the registry is faster).

Datasette gets each question as the SQL a competent user would write against the copy (one
query, page and count together); the registry gets its ordinary API URL.
"""

import http.client
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __name__ == "__main__":  # python -m tools.peers: Django first, then the registry's modules
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

from django.conf import settings
from django.db import connection

from registry.stored import dataversion
from registry.access.visibility import published_statuses
from tools.peer_questions import COPY, questions

ROOT = Path(settings.BASE_DIR)
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "datasette"
REGISTRY_PORT = int(os.environ.get("PEERS_REGISTRY_PORT", "8106"))
DATASETTE_PORT = int(os.environ.get("PEERS_DATASETTE_PORT", "8111"))

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE location (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES location(id), level INTEGER, kind TEXT,
                       name TEXT, slug TEXT, path TEXT);
CREATE TABLE industry (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES industry(id), name TEXT, slug TEXT);
CREATE TABLE source (id INTEGER PRIMARY KEY, short_name TEXT, name TEXT, kind TEXT);
CREATE TABLE enterprise (id INTEGER PRIMARY KEY, name TEXT, name_key TEXT, hangul TEXT, grade TEXT, tier TEXT, kind TEXT,
                         location_id INTEGER REFERENCES location(id), industry_id INTEGER REFERENCES industry(id),
                         region TEXT);
CREATE TABLE alias (id INTEGER PRIMARY KEY, enterprise_id INTEGER REFERENCES enterprise(id), name TEXT, name_key TEXT);
CREATE TABLE article (id INTEGER PRIMARY KEY, source_id INTEGER REFERENCES source(id), published TEXT, precision TEXT,
                      title TEXT, title_ko TEXT, summary TEXT);
CREATE TABLE claim (id INTEGER PRIMARY KEY, article_id INTEGER REFERENCES article(id),
                    enterprise_id INTEGER REFERENCES enterprise(id), activity TEXT, code INTEGER, detail TEXT,
                    quantity TEXT, unit TEXT);
"""
INDEXES = """
CREATE INDEX location_path ON location(path);
CREATE INDEX enterprise_location ON enterprise(location_id);
CREATE INDEX enterprise_industry ON enterprise(industry_id);
CREATE INDEX enterprise_grade ON enterprise(grade);
CREATE INDEX enterprise_region ON enterprise(region);
CREATE INDEX enterprise_kind ON enterprise(kind);
CREATE INDEX alias_enterprise ON alias(enterprise_id);
CREATE INDEX article_published ON article(published);
CREATE INDEX article_source ON article(source_id);
CREATE INDEX claim_article ON claim(article_id);
CREATE INDEX claim_enterprise ON claim(enterprise_id);
CREATE INDEX claim_code ON claim(code);
CREATE INDEX claim_activity ON claim(activity);
CREATE VIRTUAL TABLE article_fts USING fts5(title, summary, content='article', content_rowid='id');
INSERT INTO article_fts(article_fts) VALUES ('rebuild');
ANALYZE;
"""


# --- 1. the SQLite copy --------------------------------------------------------------------

def _copy(cursor, db, table, sql, params=(), batch=20_000):
    cursor.execute(sql, params)
    n = 0
    while rows := cursor.fetchmany(batch):
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", [tuple(str(v) if hasattr(v, "as_tuple") else v for v in r) for r in rows])
        n += len(rows)
    return n


def build_copy(out=print, force=False):
    version = str(dataversion.current())
    if COPY.exists() and not force:
        with sqlite3.connect(COPY) as db:
            try:
                stored = db.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
            except sqlite3.Error:
                stored = None
        if stored and stored[0] == version:
            out(f"SQLite copy {COPY.relative_to(ROOT)} is current (data version {version})")
            return
    COPY.parent.mkdir(exist_ok=True)
    partial = COPY.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(partial)
    db.executescript(SCHEMA)
    statuses = list(published_statuses())
    public = "a.disclosure = 'public' AND a.status = ANY(%s)"
    counts = {}
    with connection.cursor() as cursor:
        counts["location"] = _copy(cursor, db, "location", "SELECT id, parent_id, level, kind, name, slug, path FROM registry_location ORDER BY id")
        counts["industry"] = _copy(cursor, db, "industry", "SELECT id, parent_id, name, slug FROM registry_industry ORDER BY id")
        counts["source"] = _copy(cursor, db, "source", "SELECT id, short_name, name, kind FROM registry_source ORDER BY id")
        # Known from a public, published article, or from nothing yet (visibility.known_through).
        counts["enterprise"] = _copy(cursor, db, "enterprise", f"""
            SELECT e.id, e.name, e.name_key, e.hangul, e.grade, e.tier, e.kind, e.location_id, e.industry_id,
                   split_part(l.path, '/', 2)
            FROM registry_enterprise e LEFT JOIN registry_location l ON l.id = e.location_id
            WHERE EXISTS (SELECT 1 FROM registry_claim c JOIN registry_article a ON a.id = c.article_id
                          WHERE c.enterprise_id = e.id AND {public})
               OR NOT EXISTS (SELECT 1 FROM registry_claim c WHERE c.enterprise_id = e.id)
            ORDER BY e.id""", [statuses])
        db.commit()
        known = {row[0] for row in db.execute("SELECT id FROM enterprise")}
        cursor.execute("SELECT id, enterprise_id, name, name_key FROM registry_enterprisealias ORDER BY id")
        aliases = [row for row in cursor.fetchall() if row[1] in known]
        db.executemany("INSERT INTO alias VALUES (?, ?, ?, ?)", aliases)
        counts["alias"] = len(aliases)
        counts["article"] = _copy(cursor, db, "article", f"""
            SELECT a.id, a.source_id, a.published::text, a.precision, a.title, a.title_ko, a.summary
            FROM registry_article a WHERE {public} ORDER BY a.id""", [statuses])
        counts["claim"] = _copy(cursor, db, "claim", f"""
            SELECT c.id, c.article_id, c.enterprise_id, c.activity, c.code, c.detail, c.quantity, c.unit
            FROM registry_claim c JOIN registry_article a ON a.id = c.article_id WHERE {public} ORDER BY c.id""", [statuses])
    db.commit()
    db.executescript(INDEXES)
    db.execute("INSERT INTO meta VALUES ('data_version', ?)", [version])
    db.commit()
    problems = db.execute("PRAGMA foreign_key_check").fetchall()
    db.close()
    if problems:
        raise SystemExit(f"the copy breaks its foreign keys: {problems[:5]}")
    partial.replace(COPY)
    out(f"built {COPY.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{n:,} {table}" for table, n in counts.items()))


# --- 2. the servers ------------------------------------------------------------------------

def _wait(port, path, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, _ = get(port, path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"nothing answered on port {port} within {timeout} s")


def start_servers(out=print):
    if not BENCH_PYTHON.exists():
        raise SystemExit("Datasette is missing: python3 -m venv .venv-bench && .venv-bench/bin/pip install -r tools/requirements-bench.txt")
    datasette = subprocess.Popen(
        [str(BENCH_PYTHON), "serve", str(COPY), "--host", "127.0.0.1", "--port", str(DATASETTE_PORT),
         "--setting", "suggest_facets", "off", "--setting", "sql_time_limit_ms", "60000",
         "--setting", "facet_time_limit_ms", "60000", "--setting", "max_returned_rows", "200000",
         "--setting", "num_sql_threads", "3"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    env = {
        **os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "peers-benchmark-only"),
        "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SESSION_COOKIE_SECURE": "0", "DJANGO_CSRF_COOKIE_SECURE": "0",
        "GUNICORN_BIND": f"127.0.0.1:{REGISTRY_PORT}", "GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "2"),
        "GUNICORN_ACCESS_LOG": "", "API_ANON_THROTTLE_RATE": "1000000/minute", "REGISTRY_CACHE_SECONDS": "0",
        "DJANGO_CONN_MAX_AGE": "60",
    }
    registry = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--config", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    _wait(DATASETTE_PORT, "/-/versions.json")
    _wait(REGISTRY_PORT, "/api/v1/")
    out(f"Datasette {json.loads(get(DATASETTE_PORT, '/-/versions.json')[2])['datasette']['version']} on :{DATASETTE_PORT}, "
        f"registry (gunicorn, {env['GUNICORN_WORKERS']} workers) on :{REGISTRY_PORT}")
    return [datasette, registry]


def stop(processes):
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for process in processes:
        process.wait(timeout=30)


_connections = {}


def get(port, path):
    """(status, headers, body) over a kept-alive connection."""
    for attempt in (1, 2):
        conn = _connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        _connections[port] = conn
        try:
            conn.request("GET", path, headers={"Accept-Encoding": "identity"})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            _connections.pop(port, None)
            if attempt == 2:
                raise


# --- 4. the run ----------------------------------------------------------------------------

def run(out=print, repeats=7, rebuild=False):
    build_copy(out=out, force=rebuild)
    processes = start_servers(out=out)
    try:
        rows = []
        for label, mine, theirs, check in questions():
            # Warm-up of both (and the answer check).
            status_a, _, body_a = get(REGISTRY_PORT, mine)
            status_b, _, body_b = get(DATASETTE_PORT, theirs)
            if status_a != 200 or status_b != 200:
                raise SystemExit(f"{label}: registry {status_a}, Datasette {status_b}: {body_a[:300]!r} {body_b[:300]!r}")
            try:
                problem = check(body_a, body_b)
            except (KeyError, ValueError, IndexError, TypeError) as error:
                problem = f"could not compare: {error!r}"
            rows.append([label, [], [], problem, len(body_a), len(body_b)])
        for repeat in range(repeats):
            for row, (label, mine, theirs, _) in zip(rows, questions()):
                pair = [(row[1], REGISTRY_PORT, mine), (row[2], DATASETTE_PORT, theirs)]
                for times, port, path in (pair if repeat % 2 == 0 else pair[::-1]):
                    started = time.perf_counter()
                    status, _, _ = get(port, path)
                    times.append(time.perf_counter() - started)
                    assert status == 200, (port, path)
    finally:
        stop(processes)
    out("")
    out(f"| question | registry | Datasette | ratio | same answer |")
    out("| --- | --- | --- | --- | --- |")
    for label, mine, theirs, problem, size_a, size_b in rows:
        a, b = statistics.median(mine), statistics.median(theirs)
        out(f"| {label} | {a * 1000:,.0f} ms | {b * 1000:,.0f} ms | {a / b:.2f} | {'yes' if problem is None else 'NO: ' + problem[:200]} |")
    out(f"\nmedians of {repeats} alternating runs after one warm-up each; ratio = registry / Datasette")
    return rows


def explain(out=print, only=None):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest registry query behind each question (or the
    questions whose label contains ONLY), run in-process as the API runs them."""
    from django.db import transaction
    from django.test.utils import override_settings

    from tools.measuring import capture, get_ok, new_client

    with override_settings(DEBUG=False, API_ANON_THROTTLE_RATE=None), transaction.atomic():
        client = new_client()
        for label, mine, _, _ in questions():
            if only and only not in label:
                continue
            with capture() as queries:
                response = get_ok(client, mine)
                if response.streaming:
                    b"".join(response.streaming_content)
            out(f"== {label}: {mine}")
            for query in queries.captured_queries:
                out(f"-- {float(query['time']) * 1000:8.1f} ms  {query['sql'][:160]}")
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))["sql"]
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest)
                out("\n".join(row[0] for row in cursor.fetchall()) + "\n")
        transaction.set_rollback(True)


if __name__ == "__main__":
    from tools.benchmark import ensure_corpus

    args = sys.argv[1:]
    ensure_corpus(out=print, generate=False, enterprises=20_000, articles=500_000, seed=1)
    if "--explain" in args:
        explain(only=args[args.index("--explain") + 1] if len(args) > args.index("--explain") + 1 else None)
    else:
        run(repeats=int(os.environ.get("PEERS_REPEATS", "7")), rebuild="--rebuild" in args)
