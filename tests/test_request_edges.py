"""Requests at the edges of HTTP: a NUL character in the address, a bad token on a method no
one may call, the language cookie's attributes, a request line longer than gunicorn's
default. Each answer is one a client can act on (a 404, a 400 naming the parameter, a 405),
the same on SQLite and PostgreSQL, never a 500."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from registry.access.permissions import API, METHODS, api_requirement
from tests.admin_support import make_user

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Null characters are not allowed."


@pytest.mark.parametrize("url", ["/api/v1/places/a%00/", "/api/v1/industries/%00/", "/api/v1/releases/%00/", "/api/v1/enterprises/1%00/"])
def test_a_nul_character_in_an_api_address_is_a_json_404(client, url):
    # PostgreSQL cannot hold NUL in text: the slug lookup failed inside the driver (a 500).
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No such address: ")


def test_a_nul_character_in_a_page_address_is_the_sites_404(client):
    response = client.get("/places/a%00/")
    assert response.status_code == 404


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/timeseries/?release=%00", "release"),
    ("/api/v1/timeseries/?release=2026.1%00&metric=articles", "release"),
    ("/api/v1/enterprises/?q=%00", "q"),
])
def test_a_nul_character_in_an_api_parameter_is_a_400_naming_it(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {parameter: [NUL_MESSAGE]}
    assert body["detail"] == f"Bad query parameter — {parameter}: {NUL_MESSAGE}"


@pytest.mark.parametrize("url", [
    "/admin/registry/enterprise/?grade=%00",
    "/admin/autocomplete/?app_label=registry&model_name=claim&field_name=enterprise&term=%00",
])
def test_a_nul_character_in_an_admin_parameter_is_a_400_not_a_500(client, url):
    client.force_login(make_user("admin"))
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_the_language_cookie_is_same_site_lax_and_not_for_scripts(client):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ko"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"] is True


def _read_only_routes():
    special = {"timeseries": "/api/v1/timeseries/", "root": "/api/v1/"}
    detail = {"places": "chongjin", "industries": "metal", "releases": "2026.1", "enterprises": "1", "sources": "1"}
    for route, kinds in API.items():
        if route in ("schema", "docs"):
            continue
        for kind in kinds:
            url = special.get(route) or f"/api/v1/{route}/" + (f"{detail.get(route, '1')}/" if kind == "detail" else "")
            for method in METHODS:
                if api_requirement(route, kind, method) is None:
                    yield url, method


@pytest.mark.parametrize("url, method", list(_read_only_routes()))
def test_a_method_no_one_may_call_is_a_405_whatever_the_token(client, url, method):
    # The table: "a method missing from a route's entry does not exist there: 405 for
    # everyone, before anyone is asked who they are". A bad token made it a 401 or a 403.
    for credentials in ({}, {"HTTP_AUTHORIZATION": "Token not-a-real-token"}):
        response = client.generic(method, url, b"{}", content_type="application/json", **credentials)
        assert response.status_code == 405, (credentials, response.content)


def test_there_are_read_only_routes_to_walk():
    assert len(list(_read_only_routes())) >= 20


def test_a_bad_token_on_a_read_is_a_401_that_names_the_scheme(client):
    # The time series took the session first: a bad token was a 403 without the header.
    for url in ("/api/v1/timeseries/?regions=chongjin", "/api/v1/places/"):
        response = client.get(url, HTTP_AUTHORIZATION="Token not-a-real-token")
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_takes_a_request_line_up_to_8_kb_and_answers_json(tmp_path):
    """config/gunicorn.py raises gunicorn's 4 KB request line to its 8 KB maximum (a
    comparison of many places makes a long URL); docs/operations.md says what lies beyond:
    gunicorn's own HTML 414, before Django sees the request."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "DATABASE_"))},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_DEBUG": "1", "REGISTRY_ETAGS": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "1", "GUNICORN_ACCESS_LOG": "",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "--config", "config/gunicorn.py", "config.wsgi"], cwd=ROOT, env=env)
    try:
        def get(path):
            for _ in range(150):
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    connection.request("GET", path)
                    break
                except ConnectionRefusedError:
                    assert process.poll() is None, "gunicorn exited"
                    time.sleep(0.2)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type"), response.read()

        status, content_type, body = get("/api/v1/places/?unknown=" + "x" * 6000)  # past the default 4 KB
        assert status == 400 and content_type == "application/json", (status, body[:300])
        assert list(json.loads(body)["errors"]) == ["unknown"]
        status, _, _ = get("/api/v1/places/?unknown=" + "x" * 9000)
        assert status == 414
    finally:
        process.terminate()
        process.wait(timeout=30)
