"""Several servers, one state (scripts/test_replicas.sh's Redis): two gunicorn servers (two
workers each) on the primary and the two standbys, REDIS_URL set, share one anonymous throttle
and one answers cache; nginx's proxy_cache in front (DEPLOY.md's example) keeps anonymous
answers by their Cache-Control and never a signed-in one."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.admin_support import make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="no redis-server installed")


def spare_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def get(port, path, **headers):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def servers():
    import redis

    redis.Redis.from_url(REDIS_URL).flushall()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "replication-test-" + "x" * 40, "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SESSION_COOKIE_SECURE": "0", "DJANGO_CSRF_COOKIE_SECURE": "0",
        "REDIS_URL": REDIS_URL, "API_ANON_THROTTLE_RATE": "120/hour", "REGISTRY_CACHE_SECONDS": "60",
        "REGISTRY_SHARED_CACHE_SECONDS": "60", "REGISTRY_STALE_SECONDS": "30",
        "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2", "GUNICORN_ACCESS_LOG": "",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ports, processes = [], []
    try:
        for _ in range(2):
            port = spare_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.wsgi"],
                cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            ports.append(port)
        for port, process in zip(ports, processes):
            wait_listening(port, process)
        # Each worker's first answers load the rest of the app: before the counted requests,
        # and as another client (the throttle counts by X-Forwarded-For's first address).
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: get(ports[i % 2], "/api/v1/sources/", **{"X-Forwarded-For": "10.7.7.7"}), range(8)))
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def test_two_servers_share_one_anonymous_throttle(servers, world):
    # Each request a question of its own (a search no answer in the cache holds: a stored
    # answer is served before the view and its throttle), on one server then the other, each
    # with two workers. Eight at a time: the two servers' four workers count at once, and
    # none is lost.
    from collections import Counter
    from concurrent.futures import ThreadPoolExecutor

    path = "/api/v1/enterprises/?q=probe{}".format
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: get(servers[i % 2], path(i))[0], range(121)))
    assert Counter(statuses) == {200: 120, 429: 1}
    # ...and the next, whichever server answers.
    assert get(servers[1], path(121))[0] == 429 and get(servers[0], path(122))[0] == 429


def test_two_servers_share_one_answers_cache(servers):
    # Behind a load balancer both servers see the site's one host name (the answer's key holds it).
    client = {"X-Forwarded-For": "10.9.9.9", "Host": "localhost"}
    status, first, _ = get(servers[0], "/api/v1/industries/", **client)
    assert status == 200 and "X-Answer-Cache" not in first
    status, second, _ = get(servers[1], "/api/v1/industries/", **client)
    assert status == 200 and second.get("X-Answer-Cache") == "hit"
    assert second["ETag"] == first["ETag"]


@pytest.fixture(scope="module")
def nginx(servers):
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if not binary:
        pytest.skip("nginx is not installed")
    directory = Path(tempfile.mkdtemp(prefix="registry-nginx-"))
    os.chmod(directory, 0o777)
    port = spare_port()
    example = (ROOT / "docs" / "nginx-cache.conf").read_text()
    upstreams = "".join(f"    server 127.0.0.1:{p};\n" for p in servers)
    conf = (
        "daemon off;\nworker_processes 1;\nerror_log stderr warn;\n"
        f"pid {directory}/nginx.pid;\nevents {{}}\nhttp {{\n"
        f"  client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;\n"
        f"  fastcgi_temp_path {directory}/f; uwsgi_temp_path {directory}/u; scgi_temp_path {directory}/s;\n"
        "  access_log off;\n"
        + example.replace("/var/cache/nginx/registry", f"{directory}/cache")
        .replace("    server 127.0.0.1:8000;\n", upstreams)
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        + "}\n"
    )
    (directory / "nginx.conf").write_text(conf)
    process = subprocess.Popen([binary, "-p", str(directory), "-c", str(directory / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def test_nginx_in_front_keeps_anonymous_answers_and_never_a_signed_in_one(nginx, world):
    from rest_framework.authtoken.models import Token

    path = "/api/v1/places/"
    client = {"X-Forwarded-For": "10.8.8.8"}  # not the address the throttle test used up
    status, first, body = get(nginx, path, **client)
    assert status == 200 and first["X-Cache-Status"] == "MISS"
    assert "public" in first["Cache-Control"] and "s-maxage=60" in first["Cache-Control"]
    status, second, again = get(nginx, path, **client)
    assert status == 200 and second["X-Cache-Status"] == "HIT" and again == body
    # A token holder's answer is private: fetched from the app each time, never stored.
    token = Token.objects.get_or_create(user=make_user("coder", "nginx-coder"))[0]
    for _ in range(2):
        status, headers, _ = get(nginx, path, Authorization=f"Token {token.key}", **client)
        assert status == 200 and headers["X-Cache-Status"] == "BYPASS" and "private" in headers["Cache-Control"]
