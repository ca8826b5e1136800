"""Settings for the enterprise registry, driven by the environment (read by config/env.py; the
databases and replicas in config/databases.py, named here).

Unset, everything falls back to a local SQLite database with DEBUG on, so a fresh
checkout runs with `make run`. Production sets DATABASE_URL, DJANGO_SECRET_KEY,
DJANGO_DEBUG=0 and DJANGO_ALLOWED_HOSTS.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import DEBUG, TESTING, envbool, envint, envlist

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "registry",
    "api",
    "pages",
]

MIDDLEWARE = [
    # A request id on every log line and answer (infra/logs.py).
    "infra.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL character in the path or the query string never reaches a view (PostgreSQL text
    # cannot hold one): a 404 or a 400 naming the parameter.
    "config.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's documented place): the language comes
    # from the django_language cookie the switcher sets, else the browser's Accept-Language,
    # and every answer says so with Vary: Accept-Language (and Cookie), so a cache keeps one
    # copy per language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user on every history row written during a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # The admin and the public pages answer only the methods the permission table names.
    "registry.access.permissions.MethodGuard",
    # Anonymous reads: to a read replica if there are any (infra/replicas.py), then ETag/304
    # and the answers cache (infra/caching.py). Inside the others, so that a stored answer
    # carries the headers the inner layers set (CSP) and the outer ones add theirs again.
    "infra.replicas.ReplicaMiddleware",
    "infra.caching.ConditionalCacheMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

from config.databases import (  # noqa: E402, F401 (settings: the databases, their replicas and time-outs)
    DATABASE_CONNECT_TIMEOUT, DATABASE_DISABLE_SERVER_SIDE_CURSORS, DATABASE_PGBOUNCER, DATABASE_STATEMENT_TIMEOUT,
    DATABASES, REGISTRY_REPLICAS, REPLICA_CHECK_SECONDS, REPLICA_CHECK_TIMEOUT, REPLICA_MAX_LAG, REPLICA_RETRY_MAX_SECONDS,
    REPLICA_RETRY_SECONDS, REPLICA_STATEMENT_TIMEOUT,
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# English by default, Korean for a browser that asks for it (or the switcher on every page).
# Our strings' Korean is locale/ko/LC_MESSAGES/django.po, compiled by `make install`
# (scripts/compile_messages.py); Django and its apps bring their own Korean.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO dates in every form and list of the admin in English (config/formats/). Korean uses
# Django's Korean formats ("2016년 5월 10일"; form fields still read and show 2016-05-10 first).
FORMAT_MODULE_PATH = ["config.formats"]
# Article dates are calendar dates as printed in Pyongyang; nothing here is a timestamp
# that a reader would interpret in another zone, but audit times are kept in UTC.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest needs `collectstatic`; development and tests serve from the finders.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

if TESTING:
    # Tests serve static files from the finders; there is no collected folder to scan.
    STATIC_ROOT = None
    WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

REST_FRAMEWORK = {
    # A 404 says so in the request's language (DRF passes Django's English "No X matches the given query.").
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # Token first, for every API view: a bad or revoked token is then a 401 with
    # `WWW-Authenticate: Token` (with the session first it was a 403 on some routes).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Each view names its route in the permission table (registry/access/permissions.py).
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TablePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.RegistrySchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "North Korean enterprise registry API",
    "DESCRIPTION": "Enterprises, articles and coded claims from the North Korean state press.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Simple-history stores the user of each change; keep history rows when a user is removed.
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False


# ---------------------------------------------------------------------------------------
# Production hardening. Each switch is on by default once DEBUG is off and can be turned off
# from the environment (a site behind a TLS-terminating proxy on plain HTTP in a lab, say).
# `python manage.py check --deploy` with DJANGO_DEBUG=0 and a real secret reports nothing.


SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
# A year of HSTS by default in production. Start a new site lower (DJANGO_HSTS_SECONDS=3600):
# a browser that has seen the header refuses plain HTTP for that long.
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", not DEBUG)
# Behind nginx or a load balancer that terminates TLS, Django sees plain HTTP; trust the
# proxy's X-Forwarded-Proto only when told to, since a client could send it too.
if envbool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# The language cookie (set by the switcher, i18n/setlang/) goes with the session's
# attributes: SameSite=Lax (Django sets none by default, leaving it to each browser's
# guess), Secure in production, and no script reads it.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True

# Content-Security-Policy (django-csp): only our own origin, no inline script or style
# except a tag carrying this response's nonce (Swagger UI's start-up script). Nothing is
# loaded from a CDN, so nothing else needs allowing. data: images are Swagger UI's icons.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # style="..." attributes (simple-history's history list has one) cannot run script;
        # <style> elements and scripts stay nonce-only.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
if os.environ.get("DJANGO_CSP_REPORT_URI"):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [os.environ["DJANGO_CSP_REPORT_URI"]]
INSTALLED_APPS += ["csp", "axes"]
MIDDLEWARE += ["csp.middleware.CSPMiddleware"]

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked out for the cool-off time; a success resets the count.
# Axes' backend comes first so a locked-out pair is refused before the password is checked.
AUTHENTICATION_BACKENDS = [
    "infra.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Axes' middleware turns a lockout into a 429 page; it must come last.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_FAILURE_LIMIT = envint("DJANGO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("DJANGO_LOGIN_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# Request size. Ordinary form and JSON bodies stay small; an upload (the admin's CSV import)
# may be up to MAX_UPLOAD_BYTES, and is refused from its Content-Length before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_DATA_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# Larger files are spooled to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_FILE_UPLOAD_MAX_MEMORY_BYTES", 5 * 1024 * 1024)
# A claims CSV larger than this is refused before it is parsed (registry/importing/rows.py).
MAX_IMPORT_BYTES = envint("DJANGO_MAX_IMPORT_BYTES", 20 * 1024 * 1024)
MAX_UPLOAD_BYTES = envint("DJANGO_MAX_UPLOAD_BYTES", MAX_IMPORT_BYTES + 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "infra.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Static files: whitenoise serves the hashed, compressed copies `collectstatic` makes (see
# STORAGES above); a hashed name never changes content, so whitenoise sends it with a
# ten-year, immutable Cache-Control, and unhashed names for WHITENOISE_MAX_AGE seconds.
if os.environ.get("DJANGO_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["DJANGO_STATIC_ROOT"])
WHITENOISE_MAX_AGE = envint("DJANGO_STATIC_MAX_AGE", 0 if DEBUG else 3600)
# The REST API (api/): anonymous requests are throttled; tests and the schemathesis run
# raise the rate through the environment.
# What counts as published (registry/access/visibility.py visible_articles): an article in any other
# status is a draft, seen only by its coder, reviewers and admins and counted for nobody else.
REGISTRY_PUBLISHED_STATUSES = envlist("REGISTRY_PUBLISHED_STATUSES", ["coded", "reviewed"])
if not REGISTRY_PUBLISHED_STATUSES or set(REGISTRY_PUBLISHED_STATUSES) - {"draft", "coded", "reviewed"}:
    raise ImproperlyConfigured(
        f"REGISTRY_PUBLISHED_STATUSES: one or more of draft, coded, reviewed; got {REGISTRY_PUBLISHED_STATUSES!r}"
    )

API_ANON_THROTTLE_RATE = os.environ.get("API_ANON_THROTTLE_RATE", "100000/minute" if TESTING else "120/minute")
# Signed-in users and token holders, per user: unset (the default), not throttled.
API_USER_THROTTLE_RATE = os.environ.get("API_USER_THROTTLE_RATE", "")
# Counted in the "throttles" cache (below): Redis with REDIS_URL, shared by every server.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["infra.throttling.AnonThrottle", "infra.throttling.UserThrottle"]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "EnterpriseKindEnum": "registry.models.EnterpriseKind",
    "LocationKindEnum": "registry.models.LocationKind",
    "SourceKindEnum": "registry.models.SourceKind",
    "PrecisionEnum": "registry.models.Precision",
}

# Citable releases (registry/releases/make.py): each under RELEASES_DIR/<name>/, with its zip
# beside it; the SQLite copies that time series are computed from in RELEASES_DIR/.cache/.
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR", BASE_DIR / "releases"))
# The licence a release's data are published under unless make_release --licence says otherwise
# (the place data keep their own: ODbL, GeoNames' CC BY, named in every release).
RELEASE_LICENCE = os.environ.get("RELEASE_LICENCE", "CC-BY-4.0")
# Reads of the registry's tables go to a release's database while a series is computed
# from it (registry/releases/data.py); everything else stays on "default".
# Covering indexes (INCLUDE) are for PostgreSQL's index-only scans; SQLite builds the key
# columns alone, which is all it can use, so its warning about them is no news.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASE_ROUTERS = ["registry.releases.data.ReleaseRouter", "infra.replicas.ReplicaRouter"]

# Conditional GET and the answers cache for anonymous readers (infra/caching.py): every
# anonymous GET answers an ETag made of the data version (304 when it still holds), and with
# REGISTRY_CACHE_SECONDS > 0 whole answers are kept that long, keyed by the data version, so a
# write invalidates them all at once. 0 turns the stored answers off; REGISTRY_ETAGS=0 the
# ETags too. Both off under test unless a test turns them on (tests/test_conditional_get.py,
# the cached walk of tests/test_shadow.py): a test's writes stay uncommitted and PostgreSQL's
# version moves at COMMIT, and the version read (one query) would add to every pinned count.
REGISTRY_ETAGS = envbool("REGISTRY_ETAGS", not TESTING)
# The data version the ETags, the answers cache and the replicas' catch-up check read: the
# domain's function, named here so that infra/ imports nothing of the domain.
REGISTRY_DATA_VERSION = "registry.stored.dataversion.current"
# Lists are counted exactly when the count takes at most this long (infra/paging.py: a
# statement time-out on PostgreSQL, a progress handler on SQLite); past it they say
# count_exact false with the capped count as a lower bound. 0: capped counts only.
REGISTRY_COUNT_BUDGET_MS = envint("REGISTRY_COUNT_BUDGET_MS", 200)
REGISTRY_CACHE_SECONDS = envint("REGISTRY_CACHE_SECONDS", 0 if TESTING else 60)
# For a CDN or caching proxy in front (DEPLOY.md, "A cache in front"): anonymous answers say
# `public, s-maxage=REGISTRY_SHARED_CACHE_SECONDS, stale-while-revalidate=REGISTRY_STALE_SECONDS`;
# 0 says `no-cache` as before (and is the default under test).
REGISTRY_SHARED_CACHE_SECONDS = envint("REGISTRY_SHARED_CACHE_SECONDS", 0 if TESTING else 60)
REGISTRY_STALE_SECONDS = envint("REGISTRY_STALE_SECONDS", 30)
# Where answers are kept, shared by every gunicorn worker on the machine (each worker keeping
# its own would fill five copies, one miss each): Redis when REDIS_URL is set (redis-py is in
# requirements.txt), else files under REGISTRY_CACHE_DIR (no server needed), in development and
# tests each process's memory. REGISTRY_CACHE_BACKEND/_LOCATION name any other Django cache
# (the database: ...backends.db.DatabaseCache and a table, `manage.py createcachetable`).
# Whichever it is, the data version keys the answers, so all workers agree on what is current.
# See DEPLOY.md.
REDIS_URL = os.environ.get("REDIS_URL", "")
if os.environ.get("REGISTRY_CACHE_BACKEND"):
    _answers = {"BACKEND": os.environ["REGISTRY_CACHE_BACKEND"], "LOCATION": os.environ.get("REGISTRY_CACHE_LOCATION", "registry-answers")}
elif REDIS_URL:
    _answers = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
elif DEBUG or TESTING:
    _answers = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "registry-answers"}
else:
    _answers = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("REGISTRY_CACHE_DIR") or str(BASE_DIR / "var" / "answers"),
    }
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "answers": _answers,
    # The throttles' counts (infra/throttling.py): in Redis, one count for every worker and
    # server; without it, each process's memory (one machine; a client is let through once per
    # worker at most). Not the file cache: its increments are not atomic.
    "throttles": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "throttle"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "registry-throttles"},
}
if "redis" not in CACHES["answers"]["BACKEND"]:  # Redis takes client options here, not these
    CACHES["answers"]["OPTIONS"] = {"MAX_ENTRIES": envint("REGISTRY_CACHE_MAX_ENTRIES", 2000)}

# Logging: with DEBUG off (production), every record at LOG_LEVEL (WARNING) and above — a 500's
# traceback included — goes to stderr as one JSON line with the request id, the database alias
# and the user id (infra/logs.py); with DEBUG on, Django's defaults. DJANGO_LOG_FORMAT=text
# writes plain lines instead of JSON.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "infra.logs.RequestContext"}},
    "formatters": {
        "json": {"()": "infra.logs.JSONFormatter"},
        "text": {"()": "infra.logs.TextFormatter"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["request"],
            "formatter": "text" if os.environ.get("DJANGO_LOG_FORMAT") == "text" else "json",
        },
    },
    "loggers": {
        # Django's own handlers (mail_admins, the debug console) are replaced by this one line.
        "django": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": False},
        "registry": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": False},
        "infra": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING"), "propagate": False},
    },
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
if (DEBUG or TESTING) and not envbool("DJANGO_JSON_LOGS", False):
    # Django's defaults (the console in development; pytest's capture under test).
    LOGGING = {"version": 1, "disable_existing_loggers": False}
