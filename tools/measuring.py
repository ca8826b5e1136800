"""Measuring for the benchmark: timings over repeated runs, and an in-process client
that speaks as an allowed host and fails loudly on anything but a 200."""

import math
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

# As production runs, minus the anonymous rate limit and the answers cache: every request
# does its work (a stored answer costs one primary-key read and would measure nothing).
MEASURED_SETTINGS = {"DEBUG": False, "API_ANON_THROTTLE_RATE": None, "REGISTRY_CACHE_SECONDS": 0}


@dataclass
class Timing:
    runs: list

    @property
    def median(self):
        return statistics.median(self.runs)

    @property
    def p95(self):
        ordered = sorted(self.runs)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(fn, repeats, warmup=1):
    """Run fn warmup + repeats times; return the timings of the repeats and fn's last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return Timing(runs), result


def verdict(ok):
    return "ok" if ok else "MISSED"


def ms(seconds):
    return f"{seconds * 1000:,.1f} ms"


def _host():
    # Outside the test runner "testserver" is no allowed host; speak as the first one that is.
    return next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and not h.startswith(".")), "localhost")


def new_client():
    return Client(HTTP_HOST=_host())


def get_ok(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def capture():
    """CaptureQueriesContext from an empty log: each request empties the log as it starts,
    and a context entered over an older, longer log would then capture nothing."""
    reset_queries()
    return CaptureQueriesContext(connection)
