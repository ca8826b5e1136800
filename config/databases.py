"""The databases: DATABASE_URL (SQLite by default), the read replicas of DATABASE_REPLICA_URLS,
their time-outs and pooling. Imported by config/settings.py, which names every setting here."""

import os
from pathlib import Path

import dj_database_url

from config.env import DEBUG, TESTING, envbool, envfloat, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections in production (no connection set-up, a PostgreSQL backend
        # fork, per request; each gunicorn thread keeps one), checked before reuse.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE") or (0 if DEBUG or TESTING else 60)),
        conn_health_checks=True,
    )
}
# Lets several test runs share one PostgreSQL server without clobbering each other.
if os.environ.get("DATABASE_TEST_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}
# Time-outs and pooling (docs/replicas.md). Every PostgreSQL alias connects within
# DATABASE_CONNECT_TIMEOUT seconds; a statement runs at most DATABASE_STATEMENT_TIMEOUT seconds on
# the primary (0: no limit, the default: imports and releases run long statements) and
# REPLICA_STATEMENT_TIMEOUT on a replica, enforced by the server and, for a server that stopped
# answering altogether, by the client cutting the connection (infra/replicas.py).
# PostgreSQL's JIT compiles every plan its cost model calls expensive, which the API's list
# queries over 500k articles are: 75 ms of compiling per query, more than it ever saves here; it
# is turned off, and the server-side statement time-out set, by startup options. PgBouncer in
# transaction mode refuses startup options: with DATABASE_PGBOUNCER=1 none are sent (set jit and
# statement_timeout per database or role instead, DEPLOY.md) and server-side cursors are off.
DATABASE_CONNECT_TIMEOUT = envint("DATABASE_CONNECT_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = envfloat("DATABASE_STATEMENT_TIMEOUT", 0)
REPLICA_STATEMENT_TIMEOUT = envfloat("REPLICA_STATEMENT_TIMEOUT", 15)
DATABASE_PGBOUNCER = envbool("DATABASE_PGBOUNCER", False)
DATABASE_DISABLE_SERVER_SIDE_CURSORS = envbool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", DATABASE_PGBOUNCER)


def _postgres_options(database, statement_timeout):
    if not database["ENGINE"].endswith("postgresql"):
        return
    options = database.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    if not DATABASE_PGBOUNCER:
        startup = "-c jit=off" + (f" -c statement_timeout={int(statement_timeout * 1000)}" if statement_timeout else "")
        options.setdefault("options", startup)
    if DATABASE_DISABLE_SERVER_SIDE_CURSORS:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True


_postgres_options(DATABASES["default"], DATABASE_STATEMENT_TIMEOUT)

# Read replicas (infra/replicas.py): DATABASE_REPLICA_URLS, comma-separated, each a
# streaming replica of DATABASE_URL; anonymous GETs read from the healthy, caught-up ones in
# turn. A replica more than REPLICA_MAX_LAG seconds behind (checked at most every
# REPLICA_CHECK_SECONDS, each check bounded by REPLICA_CHECK_TIMEOUT) is skipped; one that
# fails is skipped for REPLICA_RETRY_SECONDS, doubling up to REPLICA_RETRY_MAX_SECONDS.
# See DEPLOY.md and docs/replicas.md.
REPLICA_MAX_LAG = envfloat("REPLICA_MAX_LAG", 5)
REPLICA_CHECK_SECONDS = envfloat("REPLICA_CHECK_SECONDS", 2)
REPLICA_CHECK_TIMEOUT = envfloat("REPLICA_CHECK_TIMEOUT", 2)
REPLICA_RETRY_SECONDS = envfloat("REPLICA_RETRY_SECONDS", 2)
REPLICA_RETRY_MAX_SECONDS = envfloat("REPLICA_RETRY_MAX_SECONDS", 60)
REGISTRY_REPLICAS = []
for _number, _url in enumerate(envlist("DATABASE_REPLICA_URLS", []), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0), conn_health_checks=True
    )
    _postgres_options(DATABASES[_alias], REPLICA_STATEMENT_TIMEOUT)
    # Under test, a replica is the test database itself (no second server needed), unless
    # the replica tests (tests/replication/) bring up real ones.
    if not os.environ.get("REGISTRY_REAL_REPLICAS"):
        DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REGISTRY_REPLICAS.append(_alias)
if TESTING and not REGISTRY_REPLICAS:
    # tests/test_replicas.py routes to this alias (a mirror of the test database) with
    # override_settings(REGISTRY_REPLICAS=["replica_test"]); nothing else reads from it.
    DATABASES["replica_test"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
