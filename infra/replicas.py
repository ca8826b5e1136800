"""Read replicas: anonymous reads go to PostgreSQL streaming replicas that are up and caught up,
everything else to the primary.

DATABASE_REPLICA_URLS (comma-separated) adds the aliases named in settings.REGISTRY_REPLICAS
(config/settings.py). `ReplicaMiddleware` marks a request that is an anonymous read (the same
rule as the answers cache, infra/caching.py) with one replica, taken in turn; while it runs,
and while its streamed answer (a CSV export) is being sent, `ReplicaRouter` sends every read to
that replica. One database for the whole answer, so a page, its count, its rows and the version
its ETag carries all come from the same point of the stream.

Coders, reviewers, the admin, token holders and every write use the primary ("default"):
writes are never routed anywhere else, and a signed-in request is never marked, so a coder
reads what they have just written.

A replica is used only while it is healthy (`_Health`, one per alias and process):

- checked at most every REPLICA_CHECK_SECONDS: one query giving its replay lag (from
  pg_last_xact_replay_timestamp(), 0 when it has replayed all it received) and its data
  version; past REPLICA_MAX_LAG seconds it is "lagging" and skipped until a check finds it
  caught up again;
- a replica that refuses a connection, times out (connect_timeout; REPLICA_STATEMENT_TIMEOUT,
  enforced by the server and, for a server that stopped answering at all, by cutting the
  socket from a watchdog thread) or fails a query is "down": skipped, and tried again after a
  back-off (REPLICA_RETRY_SECONDS, doubling up to REPLICA_RETRY_MAX_SECONDS). A request that
  failed on it before any byte was sent is answered again from another replica or the primary;
- every change of state is logged once (logger "infra.replicas"), and counted (`stats()`).

Time never goes backwards for a client: a request carrying a version it has seen (an ETag of
ours in If-None-Match, or the X-Registry-Seen-Version header, the number after the "d" of an
ETag it got) is served only by a replica whose version is at least that, else by the primary. With no healthy replica, every read goes to the primary.
"""

import contextvars
import itertools
import logging
import re
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created

from infra.caching import anonymous_read, public_version
from infra.watchdog import guarded

log = logging.getLogger("infra.replicas")

_replica = contextvars.ContextVar("registry_replica", default=None)
# The request being served: {"alias": ..., "failed": alias or None}, for the query guard.
_request = contextvars.ContextVar("registry_replica_request", default=None)
_turn = itertools.count()
_turn_lock = threading.Lock()

OK, DOWN, LAGGING = "ok", "down", "lagging"


def _setting(name, default):
    return getattr(settings, name, default)


# ---------------------------------------------------------------------------------------------
# Routing


@contextmanager
def reading_from(alias):
    """Route reads to ALIAS inside the block (None: the primary), except inside a transaction
    opened on the primary within the block (see ReplicaRouter)."""
    token = _replica.set((alias, len(connections["default"].atomic_blocks)) if alias else None)
    try:
        yield alias
    finally:
        _replica.reset(token)


def current_alias():
    """The database this request reads from ("default" outside a marked request); for logs."""
    marked = _replica.get()
    return marked[0] if marked else "default"


class ReplicaRouter:
    """Reads inside a marked request go to its replica; writes, migrations and everything
    outside a marked request stay on the primary."""

    def db_for_read(self, model, **hints):
        marked = _replica.get()
        if marked is None:
            return None
        alias, depth = marked
        # A write's transaction reads its own writes: reads inside a transaction opened on the
        # primary since the mark (a service's atomic block) stay on the primary.
        if len(connections["default"].atomic_blocks) > depth:
            return "default"
        return alias

    def db_for_write(self, model, **hints):
        # Never a replica: an instance read from one is written to the primary. An instance
        # of another database (a release's SQLite copy being migrated) is written where it was
        # read; returning "default" for it sent the copy's role groups' permissions (a
        # many-to-many add) to the live database.
        db = getattr(getattr(hints.get("instance"), "_state", None), "db", None)
        if db and db != "default" and db not in settings.REGISTRY_REPLICAS:
            return db
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Primary and replicas hold the same rows.
        databases = {"default", *settings.REGISTRY_REPLICAS}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, **hints):
        # A replica is migrated by replication, never directly.
        return False if db in settings.REGISTRY_REPLICAS else None


# ---------------------------------------------------------------------------------------------
# Health


class _Health:
    def __init__(self, alias):
        self.alias = alias
        self.state = None  # not checked yet
        self.checked = float("-inf")  # monotonic time of the last check
        self.version = None
        self.lag = None
        self.failures = 0  # consecutive, for the back-off
        self.retry_at = 0.0


_health = {}
_health_lock = threading.Lock()
_stats = {"fallbacks": 0, "retried": 0, "down": 0, "lagging": 0, "up": 0}


def health(alias):
    with _health_lock:
        if alias not in _health:
            _health[alias] = _Health(alias)
        return _health[alias]


def stats():
    """Counters since the process started, and each replica's state: the metric."""
    with _health_lock:
        return {
            **_stats,
            "replicas": {a: {"state": h.state, "lag": h.lag, "version": h.version} for a, h in _health.items()},
        }


def reset():
    """Forget every replica's state (tests)."""
    with _health_lock:
        _health.clear()
        for key in _stats:
            _stats[key] = 0


def _set_state(h, state, detail=""):
    with _health_lock:
        old = h.state
        h.state = state
        if state == DOWN:
            h.failures += 1
            wait = min(
                _setting("REPLICA_RETRY_SECONDS", 2.0) * 2 ** (h.failures - 1), _setting("REPLICA_RETRY_MAX_SECONDS", 60.0)
            )
            h.retry_at = time.monotonic() + wait
        else:
            h.failures = 0
        if old == state:
            return
        _stats["up" if state == OK else state] += 1
    if state == OK:
        log.log(logging.INFO if old is None else logging.WARNING, "replica %s is back: lag %.1f s, version %s%s",
                h.alias, h.lag or 0.0, h.version, "" if old is None else f" (was {old})")
    elif state == LAGGING:
        log.warning("replica %s skipped: %.1f s behind (REPLICA_MAX_LAG %s s), version %s",
                    h.alias, h.lag, _setting("REPLICA_MAX_LAG", 5.0), h.version)
    else:
        log.warning("replica %s down, reads go elsewhere, tried again in %.0f s: %s",
                    h.alias, h.retry_at - time.monotonic(), detail)


_CHECK_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0 "
    # Everything received is replayed: not behind what it knows of (an idle primary writes
    # nothing, and the last replayed transaction grows old without the replica lagging).
    # (After a restart the receiver starts again at a segment's start, behind the replay.)
    "WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 1e9) END"
)


def check(alias):
    """Ask the replica for its lag and version now; updates and returns its health."""
    h = health(alias)
    connection = connections[alias]
    try:
        with guarded(connection, _setting("REPLICA_CHECK_TIMEOUT", 2.0)):
            if connection.errors_occurred or (connection.connection is not None and not connection.is_usable()):
                connection.close()
            lag = 0.0
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(_CHECK_SQL)
                    lag = float(cursor.fetchone()[0])
            # The public version: the one anonymous answers (what replicas serve) carry in
            # their ETags and a client sends back (infra/caching.py).
            version = public_version(using=alias)
    except Exception as error:  # a refused, reset or cut connection; whatever the driver says
        _fail(alias, error)
        return h
    h.lag, h.version, h.checked = lag, version, time.monotonic()
    _set_state(h, LAGGING if lag > _setting("REPLICA_MAX_LAG", 5.0) else OK)
    return h


def _fail(alias, error):
    try:
        connections[alias].close()
    except Exception:
        pass
    h = health(alias)
    h.checked = time.monotonic()
    _set_state(h, DOWN, f"{type(error).__name__}: {str(error).strip()[:300]}")


def usable(alias, seen=None):
    """May this request read from ALIAS? Checks it when its last check is older than
    REPLICA_CHECK_SECONDS (or older than the version the client has seen), and makes sure this
    thread's connection to it answers."""
    h = health(alias)
    now = time.monotonic()
    if h.state == DOWN and now < h.retry_at:
        return False
    fresh = now - h.checked < _setting("REPLICA_CHECK_SECONDS", 2.0)
    if h.state == LAGGING and fresh:
        return False
    checked_now = False
    if not fresh or h.state != OK or (seen is not None and (h.version or 0) < seen):
        check(alias)
        checked_now = True
    if h.state != OK or (seen is not None and (h.version or 0) < seen):
        return False
    if not checked_now:
        # This thread's own connection (another thread's check says nothing of it): the health
        # check Django runs at its first use in a request anyway, bounded here.
        connection = connections[alias]
        try:
            with guarded(connection, _setting("REPLICA_CHECK_TIMEOUT", 2.0)):
                if connection.connection is not None and not connection.is_usable():
                    connection.close()
                connection.ensure_connection()
                connection.health_check_done = True  # Django's own check would repeat this one
        except Exception as error:
            _fail(alias, error)
            return False
    return True


def choose(seen=None):
    """A replica for an anonymous read, taken in turn among the usable ones; None: the primary."""
    replicas = settings.REGISTRY_REPLICAS
    if not replicas:
        return None
    with _turn_lock:
        start = next(_turn)
    for step in range(len(replicas)):
        alias = replicas[(start + step) % len(replicas)]
        if usable(alias, seen):
            return alias
    with _health_lock:
        _stats["fallbacks"] += 1
    return None


def next_replica():
    """The next replica in turn, healthy or not (no check)."""
    replicas = settings.REGISTRY_REPLICAS
    if not replicas:
        return None
    with _turn_lock:
        return replicas[next(_turn) % len(replicas)]


_ETAG_VERSION = re.compile(r'"d(\d+)-')


def seen_version(request):
    """The newest data version this client says it has seen: our ETags in If-None-Match
    (infra/caching.py makes them "d<version>-<digest>"), or X-Registry-Seen-Version."""
    numbers = [int(n) for n in _ETAG_VERSION.findall(request.headers.get("If-None-Match", ""))]
    header = request.headers.get("X-Registry-Seen-Version", "").strip()
    if header.isdigit() and len(header) < 19:
        numbers.append(int(header))
    return max(numbers) if numbers else None


# ---------------------------------------------------------------------------------------------
# Time-outs: the server's statement_timeout, and a watchdog's cut (infra/watchdog.py) for a
# server that stopped answering.


def statement_timeout(alias):
    if alias in settings.REGISTRY_REPLICAS:
        return _setting("REPLICA_STATEMENT_TIMEOUT", 15.0)
    return _setting("DATABASE_STATEMENT_TIMEOUT", 0)


def _guard_query(execute, sql, params, many, context):
    connection = context["connection"]
    seconds = statement_timeout(connection.alias)
    try:
        if not seconds:
            return execute(sql, params, many, context)
        # A little after the server's own statement_timeout, which cancels cleanly.
        with guarded(connection, seconds + 1):
            return execute(sql, params, many, context)
    except DatabaseError:
        marked = _request.get()
        if marked is not None and connection.alias == marked["alias"]:
            marked["failed"] = connection.alias
        raise


def _install_guard(sender, connection, **kwargs):
    if _guard_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_guard_query)


connection_created.connect(_install_guard, dispatch_uid="registry_replica_guard")


# ---------------------------------------------------------------------------------------------
# The middleware


def _streamed_from(alias, chunks):
    """A streamed answer's chunks, each made with reads routed to ALIAS (the view returned
    before its rows were read: without this, a CSV export read the primary)."""
    iterator = iter(chunks)
    try:
        while True:
            with reading_from(alias):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close:
            close()


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.REGISTRY_REPLICAS or not anonymous_read(request):
            return self.get_response(request)
        seen = seen_version(request)
        alias = choose(seen)
        response = self._answer(request, alias)
        if alias is not None and request.replica_failed:
            # The replica failed under this request (a cut or refused connection): it is down
            # now; the same GET answered again from another replica or the primary.
            _fail(alias, request.replica_failed)
            with _health_lock:
                _stats["retried"] += 1
            response = self._answer(request, choose(seen))
        return response

    def _answer(self, request, alias):
        request.replica = alias
        request.replica_failed = None
        state = {"alias": alias, "failed": None}
        token = _request.set(state)
        try:
            with reading_from(alias):
                response = self.get_response(request)
        finally:
            _request.reset(token)
        if state["failed"] and response.status_code >= 500:
            request.replica_failed = DatabaseError(f"a query on {alias} failed")
        elif alias is not None and response.streaming and not response.is_async:
            response.streaming_content = _streamed_from(alias, response.streaming_content)
        return response
