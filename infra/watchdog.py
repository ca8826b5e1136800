"""Time-outs that hold when the server does not answer: a watchdog thread cuts the socket of a
query that outlives its time-out. A server whose processes are stopped (or a machine gone from
the network) never answers, so neither its statement_timeout nor TCP notices; the cut turns the
wait into an OperationalError. Used by infra/replicas.py for every database's queries."""

import itertools
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager

log = logging.getLogger("infra.replicas")  # the replicas' logger: a cut is one of their events


class _Watchdog:
    def __init__(self):
        self._lock = threading.Lock()
        self._due = {}
        self._keys = itertools.count()
        self._thread = None

    def arm(self, seconds, connection):
        key = next(self._keys)
        with self._lock:
            self._due[key] = (time.monotonic() + seconds, connection)
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._run, name="registry-db-watchdog", daemon=True)
                self._thread.start()
        return key

    def disarm(self, key):
        with self._lock:
            self._due.pop(key, None)

    def _run(self):
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                late = [key for key, (due, _) in self._due.items() if due <= now]
                fired = [self._due.pop(key)[1] for key in late]
            for connection in fired:
                _cut(connection)


_watchdog = _Watchdog()


def _cut(connection):
    raw = connection.connection
    if raw is None or connection.vendor != "postgresql":
        return
    try:
        fd = raw.pgconn.socket if hasattr(raw, "pgconn") else raw.fileno()
        sock = socket.socket(fileno=os.dup(fd))
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()
        log.warning("database %s: no answer within its time-out, connection cut", connection.alias)
    except OSError:
        pass


@contextmanager
def guarded(connection, seconds):
    if not seconds or connection.vendor != "postgresql":
        yield
        return
    key = _watchdog.arm(seconds, connection)
    try:
        yield
    finally:
        _watchdog.disarm(key)
