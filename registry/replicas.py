"""Read replicas: anonymous reads go to PostgreSQL streaming replicas, everything else to the primary.

DATABASE_REPLICA_URLS (comma-separated) adds the aliases named in settings.REGISTRY_REPLICAS
(config/settings.py). `ReplicaMiddleware` marks a request that is an anonymous read (the same
rule as the answers cache, registry/caching.py) with one replica, taken in turn; while it runs,
`ReplicaRouter` sends every read to that replica. One replica for the whole request, so a page
and its count never come from two replicas at different points of the stream.

Coders, reviewers, the admin, token holders and every write use the primary ("default"):
writes are never routed anywhere else, and a signed-in request is never marked, so a coder
reads what they have just written. The mark lives in a context variable: per thread under
gunicorn's threads, per task under asyncio, and gone when the request ends.
"""

import contextvars
import itertools
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

from .caching import anonymous_read

_replica = contextvars.ContextVar("registry_replica", default=None)
_turn = itertools.count()
_turn_lock = threading.Lock()


def next_replica():
    replicas = settings.REGISTRY_REPLICAS
    if not replicas:
        return None
    with _turn_lock:
        return replicas[next(_turn) % len(replicas)]


@contextmanager
def reading_from(alias):
    """Route reads to ALIAS inside the block (None: the primary), except inside a transaction
    opened on the primary within the block (see ReplicaRouter)."""
    token = _replica.set((alias, len(connections["default"].atomic_blocks)) if alias else None)
    try:
        yield alias
    finally:
        _replica.reset(token)


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


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = next_replica() if anonymous_read(request) else None
        if alias is None:
            return self.get_response(request)
        request.replica = alias
        with reading_from(alias):
            return self.get_response(request)
