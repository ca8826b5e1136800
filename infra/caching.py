"""Conditional GET and a short-lived cache for anonymous readers.

An anonymous GET's answer depends on the data, the URL, the language, the Accept header
(the API's formats) and, for the citation's "accessed" date, the day. So:

- (REGISTRY_ETAGS, on by default outside tests) its ETag is made of the public data version
  (registry/stored/dataversion.py) and a digest of the rest, computed before the view runs: a client
  that sends the ETag back gets a 304 for the price of one primary-key read, and after any
  write the public can see it gets the new answer (a draft or an internal note moves nothing);
- with REGISTRY_CACHE_SECONDS > 0 the whole answer is kept in the "answers" cache under the
  same key for that long: a public write moves the version and so misses every stored answer at once.
  A streamed answer (a CSV export) is kept once it has been sent whole, if it is no larger than
  MAX_STORED_BYTES; and when many readers miss the same key together, one computes it while
  the others wait a little for its answer (a lock in the same cache), rather than all at once.

Only requests that are anonymous by construction qualify (`anonymous_read`): GET or HEAD,
no session cookie, no messages cookie, no Authorization header, not the admin. A signed-in
user, or a token, never reads from the cache and never writes to it, so a coder's answer
(drafts, restricted articles) can never be served to anyone else. An answer is stored only
when it is a plain 200 that sets no cookie, used no CSRF token or CSP nonce and touched no
session: anything else was made for one client.

For a CDN or caching proxy in front (REGISTRY_SHARED_CACHE_SECONDS > 0), these answers say
`Cache-Control: public, max-age=0, s-maxage=…, stale-while-revalidate=…` with their strong
ETag; every other answer (signed in, a token, an answer made for one client) says `private`
or nothing a shared cache may keep.

Note that a stored answer (or a 304) is served without running the view, so also without the
API's anonymous throttle: it costs less than the throttle's own bookkeeping.
"""

import datetime
import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import get_language_from_request

from django.utils.module_loading import import_string


def public_version(using=None):
    """The public data version: a number that moves with every write the public can see.
    Infrastructure knows that such a number exists, not how it is kept: the function is named
    by settings.REGISTRY_DATA_VERSION (the domain's registry.stored.dataversion.current), so
    that infra/ imports nothing of the domain (docs/architecture.md)."""
    return import_string(settings.REGISTRY_DATA_VERSION)(using=using, public=True)

CACHE_ALIAS = "answers"
# Headers an answer carries that belong to its content (the rest, e.g. Date, are the server's).
_KEPT_HEADERS = (
    "Content-Type", "Content-Disposition", "Content-Language", "Content-Security-Policy", "Vary", "ETag",
    "Cache-Control", "Allow", "Link", "X-Frame-Options", "X-Left-Out", "X-Coverage", "X-Data-Version",
    "X-Codebook-Version", "X-Total-Count",
)
# Larger answers (whole-table CSV exports) are left to the ETag alone: an answer is buffered
# in memory while it streams, so this also bounds what one request holds.
MAX_STORED_BYTES = 8 * 1024 * 1024
# How long a reader waits for another one computing the same answer, polling the cache, before
# computing it itself; and how long a lock is trusted (a worker that died leaves one behind).
WAIT_SECONDS, POLL_SECONDS, LOCK_SECONDS = 15.0, 0.05, 60


def anonymous_read(request):
    """Is this request an anonymous read, judged from the request alone (no database)?"""
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    return not request.path.startswith("/admin/")


def _digest(request):
    parts = (
        request.build_absolute_uri(),
        get_language_from_request(request),
        request.headers.get("Accept", ""),
        datetime.datetime.now(datetime.UTC).date().isoformat(),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def _for_anyone(request, response):
    """Was this answer made for anyone, not for this one client? Not if it sets a cookie,
    carries a CSRF token or this response's CSP nonce, or changed the session."""
    return (
        not response.cookies
        and not response.has_header("Set-Cookie")
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not isinstance(getattr(request, "_csp_nonce", None), str)
        and not getattr(getattr(request, "session", None), "modified", False)
    )


def _storable(request, response):
    return (
        request.method == "GET"
        and (not response.is_async if response.streaming else len(response.content) <= MAX_STORED_BYTES)
        and _for_anyone(request, response)
    )


def _not_modified(etag):
    from django.http import HttpResponseNotModified

    response = HttpResponseNotModified()
    response["ETag"] = etag
    _patch(response)
    return response


def _patch(response):
    patch_vary_headers(response, ("Accept", "Accept-Language", "Cookie"))
    if not response.has_header("Cache-Control"):
        shared = settings.REGISTRY_SHARED_CACHE_SECONDS
        if shared > 0:
            # A CDN or caching proxy in front keeps it `shared` seconds and may serve it up to
            # REGISTRY_STALE_SECONDS longer while it asks us again (with the ETag: a 304 costs
            # one read); a browser asks again each time (max-age=0), the ETag answering.
            patch_cache_control(
                response, public=True, max_age=0, s_maxage=shared, stale_while_revalidate=settings.REGISTRY_STALE_SECONDS
            )
        else:
            # Stored by a browser, but asked about again each time: the data may change any minute.
            patch_cache_control(response, no_cache=True)


class ConditionalCacheMiddleware:
    """ETag/304 for every anonymous read, and the answers cache when REGISTRY_CACHE_SECONDS > 0."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.REGISTRY_CACHE_SECONDS
        if not settings.REGISTRY_ETAGS and seconds <= 0:
            return self.get_response(request)
        if not anonymous_read(request):
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and not response.has_header("Cache-Control"):
                # A signed-in answer (or one sent with a token) is for that user only.
                patch_cache_control(response, private=True)
            return response

        try:
            version = public_version()
        except DatabaseError:
            # No version table (a database not migrated yet): answer as if all this were off.
            return self.get_response(request)
        digest = _digest(request)
        etag = f'"d{version}-{digest[:12]}"'
        if settings.REGISTRY_ETAGS and etag in parse_etags(request.headers.get("If-None-Match", "")):
            return _not_modified(etag)

        cache = caches[CACHE_ALIAS] if seconds > 0 else None
        key = f"answer:{version}:{digest}"
        lock = None
        if cache is not None:
            stored = cache.get(key)
            if stored is None:
                lock, stored = _take_turn(cache, key)
            if stored is not None:
                return _rebuild(stored, request)

        try:
            response = self.get_response(request)
            if response.status_code != 200 or response.has_header("ETag") or not _for_anyone(request, response):
                # Errors are not versioned answers; a record's own ETag (its version, for If-Match)
                # stays; an answer made for this client alone is no answer for its URL, and no
                # cache in front may keep it either.
                if response.status_code == 200 and not _for_anyone(request, response) and not response.has_header("Cache-Control"):
                    patch_cache_control(response, private=True)
                return response
            if settings.REGISTRY_ETAGS:
                response["ETag"] = etag
            _patch(response)
            if cache is not None and _storable(request, response):
                headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
                if response.streaming:
                    # Kept once sent whole; the lock is given back when the stream ends.
                    response.streaming_content = _kept_when_sent(
                        response.streaming_content, lambda content: cache.set(key, (200, headers, content), seconds), cache, lock
                    )
                    lock = None
                else:
                    cache.set(key, (response.status_code, headers, response.content), seconds)
            return response
        finally:
            if lock is not None:
                cache.delete(lock)


def _take_turn(cache, key):
    """(lock, None) when this reader computes the answer, (None, answer) when another reader
    computing it stored it meanwhile; (None, None) when the wait ran out: compute it too."""
    lock = f"computing:{key}"
    if cache.add(lock, 1, LOCK_SECONDS):
        return lock, None
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        stored = cache.get(key)
        if stored is not None:
            return None, stored
        if cache.get(lock) is None:
            # The other reader's answer was not storable (an error, too large): no use waiting.
            break
    return None, None


class _kept_when_sent:
    """A streamed answer passed through as it is sent, and kept (`keep(content)`) only once sent
    to its end. The turn to compute it (`lock`) is given back at the end, once the answer
    outgrows MAX_STORED_BYTES (it will not be kept) or when the server closes the answer,
    whichever comes first: a client that hangs up before the first chunk closes a generator
    that never started, whose own `finally` would never run."""

    def __init__(self, chunks, keep, cache, lock):
        self.chunks, self.keep, self.cache, self.lock = chunks, keep, cache, lock

    def __iter__(self):
        kept, size = [], 0
        for chunk in self.chunks:
            yield chunk
            if kept is not None:
                size += len(chunk)
                if size > MAX_STORED_BYTES:
                    kept = None  # too large to keep: sent on, no longer buffered
                    # Nothing will be stored: the readers waiting for it compute their own
                    # now rather than wait WAIT_SECONDS for an answer that never comes.
                    self.close()
                else:
                    kept.append(chunk)
        if kept is not None:
            self.keep(b"".join(kept))
        self.close()

    def close(self):
        if self.lock is not None:
            self.cache.delete(self.lock)
            self.lock = None


def _rebuild(stored, request):
    from django.http import HttpResponse

    status, headers, content = stored
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    # Tells the outer layers (and the tests) that no view ran.
    response["X-Answer-Cache"] = "hit"
    return response
