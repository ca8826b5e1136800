"""Production logging: one line per record on stderr, JSON, with the request it belongs to.

`RequestIdMiddleware` (first in MIDDLEWARE) gives each request an id (the proxy's X-Request-ID
when it sends a sane one, else a new one), echoed in the answer's X-Request-ID header.
`RequestContext` (a logging filter) adds to every record logged while the request runs: its id,
the database alias its reads go to (infra/replicas.py) and the signed-in user's id — never a
token, a cookie or a header. `JSONFormatter` writes the record, its traceback included, as one
JSON object on one line, so a log shipper keeps an error and its traceback together.

A request that failed on a replica and was answered again from another database
(infra/replicas.py) logs its first failure as a warning, not as an error: the client got
its answer.
"""

import contextvars
import datetime
import json
import logging
import re
import traceback
import uuid

_current = contextvars.ContextVar("registry_log_request", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        token = _current.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def _user_id(request):
    # A user already read (the one DRF's token authentication set, or Django's lazy user once
    # evaluated): a log line never looks a user or a token up.
    from django.utils.functional import SimpleLazyObject

    user = request.__dict__.get("user")
    if user is None or isinstance(user, SimpleLazyObject):
        user = request.__dict__.get("_cached_user")
    if user is not None:
        return user.pk if getattr(user, "is_authenticated", False) else None
    # Not read yet (the error came first): the session's own note of who signed in, one read of
    # the session at most, and never a failure of its own.
    try:
        from django.contrib.auth import SESSION_KEY

        session = getattr(request, "session", None)
        value = session.get(SESSION_KEY) if session is not None else None
        return int(value) if value is not None and str(value).isdigit() else value
    except Exception:
        return None


class RequestContext(logging.Filter):
    def filter(self, record):
        from infra.replicas import _request, current_alias

        request = getattr(record, "request", None) or _current.get()
        if request is not None and hasattr(request, "META"):
            record.request_id = getattr(request, "request_id", None)
            record.user_id = _user_id(request)
            record.method, record.path = request.method, request.path
        marked = _request.get()
        record.database = (marked and marked["alias"]) or current_alias()
        if marked and marked["failed"] and record.name == "django.request" and record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"answered again from another database after a failure on {marked['failed']}: {record.msg}"
        return True


class JSONFormatter(logging.Formatter):
    FIELDS = ("request_id", "user_id", "database", "method", "path", "status_code")

    def format(self, record):
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """DJANGO_LOG_FORMAT=text: one plain line (logfmt-like), "-" for what a record lacks; a
    traceback follows on its own lines."""

    def format(self, record):
        fields = " ".join(f"{name}={getattr(record, name, None) or '-'}" for name in ("request_id", "database", "user_id"))
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {fields} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line
