"""gunicorn settings for `make serve`, from the environment.

GUNICORN_BIND (default 127.0.0.1:8000; put nginx or a TLS proxy in front), GUNICORN_WORKERS
(default 2 per CPU + 1, gunicorn's own rule), GUNICORN_TIMEOUT (default 60 s: a large CSV
export streams, it does not hold a worker idle)."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# Threads let a worker answer other clients while one waits on the database or streams a
# CSV; GUNICORN_THREADS=1 gives plain sync workers.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The request line (method, path and query string) may be up to 8190 bytes, gunicorn's
# largest bounded value (its default, 4094, cut off a comparison of many places). A longer
# line gets gunicorn's own HTML 414 before Django sees it (docs/operations.md); nginx in
# front needs `large_client_header_buffers 4 16k;` or it refuses such a line first.
limit_request_line = int(os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", "8190"))
# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" turns it off
errorlog = "-"
# The address nginx passes on, for logs; Django's own trust of X-Forwarded-Proto is
# DJANGO_TRUST_X_FORWARDED_PROTO.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket sits at one path per user: a second server (make loadtest
# beside make serve) would take it over. Nothing here uses it.
control_socket_disable = True
