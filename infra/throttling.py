"""Throttles, at rates read from settings at each request (so tests and the schemathesis run
can set them), counted in the "throttles" cache: Redis when REDIS_URL is set, so every worker
of every server counts against one limit; else each process's memory (one machine, as before).

Anonymous requests are counted per client address (API_ANON_THROTTLE_RATE; the public pages
under their own scope, pages/throttling.py); a signed-in user or token per user
(API_USER_THROTTLE_RATE, unset: not throttled).

The count is a sliding window made of two fixed ones: this window's count, kept by the cache's
atomic increment (no read-modify-write that two servers could interleave, as DRF's list of
timestamps is), plus the previous window's, weighted by how much of it the sliding window still
covers. Two small keys per client instead of a list of every request's time."""

import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

CACHE_ALIAS = "throttles"


class SharedCountMixin:
    timer = time.time

    @property
    def cache(self):
        return caches[CACHE_ALIAS]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window, into = divmod(now, self.duration)
        current, previous = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        cache = self.cache
        # Kept for two windows: the next one still weighs this one's count.
        cache.add(current, 0, int(self.duration * 2) + 1)
        try:
            count = cache.incr(current)
        except ValueError:  # expired between the add and the increment
            cache.set(current, 1, int(self.duration * 2) + 1)
            count = 1
        weight = 1 - into / self.duration
        estimate = count + (cache.get(previous) or 0) * weight
        if estimate <= self.num_requests:
            return True
        # Refused: not counted against later requests (undone), and told how long to wait.
        cache.decr(current)
        self.wait_seconds = max(1.0, self.duration - into)
        return False

    def wait(self):
        return getattr(self, "wait_seconds", None)


class AnonThrottle(SharedCountMixin, AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE


class UserThrottle(SharedCountMixin, UserRateThrottle):
    """Per signed-in user or token holder; anonymous requests are AnonThrottle's."""

    def get_rate(self):
        return settings.API_USER_THROTTLE_RATE or None

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
