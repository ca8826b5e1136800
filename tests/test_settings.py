"""Production settings: `check --deploy` is clean, the security headers and the
Content-Security-Policy are sent, static files are hashed and cached, a typo in the
environment is refused. Production runs in a subprocess so settings.py is read afresh."""

import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from config.env import envbool, envint

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def run(args, env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow  # Django started afresh in a subprocess
def test_check_deploy_reports_nothing_in_production(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert result.stderr == ""


@pytest.mark.slow  # Django started afresh in a subprocess
def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = production_env(tmp_path)
    del env["DJANGO_SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.slow  # Django started afresh in a subprocess
def test_switching_hsts_and_redirect_off_is_reported_by_check_deploy(tmp_path):
    env = production_env(tmp_path, DJANGO_HSTS_SECONDS="0", DJANGO_SECURE_SSL_REDIRECT="false")
    result = run(["manage.py", "check", "--deploy"], env)
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


# Requests a page and a hashed static file through the production settings, after
# collectstatic has built the manifest, and prints what came back.
PROBE = textwrap.dedent(
    """
    import json, django
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment
    from django.test import Client
    from django.contrib.staticfiles.storage import staticfiles_storage
    call_command("collectstatic", "--noinput", verbosity=0)
    setup_test_environment()
    client = Client()
    plain = client.get("/admin/login/")
    page = client.get("/admin/login/", secure=True)
    css_url = staticfiles_storage.url("admin/css/base.css")
    css = client.get(css_url, secure=True)
    unhashed = client.get("/static/admin/css/base.css", secure=True)
    print(json.dumps({
        "plain": [plain.status_code, plain.headers.get("Location")],
        "page": [page.status_code, dict(page.headers.items()), [c.output() for c in page.cookies.values()]],
        "css_url": css_url,
        "css": [css.status_code, css.headers.get("Cache-Control")],
        "unhashed": [unhashed.status_code, unhashed.headers.get("Cache-Control")],
    }))
    """
)


@pytest.mark.slow  # Django started afresh in a subprocess
def test_production_sends_security_headers_and_caches_hashed_static_files(tmp_path):
    result = run(["-c", PROBE], production_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings"))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])

    assert out["plain"] == [301, "https://testserver/admin/login/"]
    status, headers, cookies = out["page"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "script-src 'self' 'nonce-" not in headers["Content-Security-Policy"]  # no nonce asked for
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    [csrf] = [c for c in cookies if "csrftoken=" in c]
    assert "Secure" in csrf and "SameSite=Lax" in csrf

    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", out["css_url"])
    assert out["css"] == [200, "max-age=315360000, public, immutable"]
    assert out["unhashed"] == [200, "max-age=3600, public"]


def csp(response):
    return dict(
        (part.split()[0], part.split()[1:]) for part in response.headers["Content-Security-Policy"].split("; ")
    )


@pytest.mark.django_db
def test_admin_pages_carry_a_strict_content_security_policy(client, admin_user):
    client.force_login(admin_user)
    for url in ("/admin/login/", "/admin/", "/admin/auth/user/", f"/admin/auth/user/{admin_user.pk}/change/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        policy = csp(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"], url  # the admin needs no inline script
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in str(policy["script-src"] + policy["style-src"]) and "'unsafe-eval'" not in str(policy)
        # No inline <script> without a src: the admin passes data in JSON script tags only.
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html), url


def test_swagger_ui_runs_its_start_up_script_under_this_responses_nonce(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = csp(response)
    [nonce] = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    value = nonce.removeprefix("'nonce-").removesuffix("'")
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{value}"']
    assert f'<style nonce="{value}">' in html
    # A fresh nonce for every response.
    assert csp(client.get("/api/docs/"))["script-src"] != policy["script-src"]


@override_settings(MAX_UPLOAD_BYTES=1000)
def test_an_oversized_upload_is_refused_from_its_content_length(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("claims.csv", b"x" * 2000, content_type="text/csv")
    response = client.post("/admin/login/", {"file": big})
    assert response.status_code == 400
    small = SimpleUploadedFile("claims.csv", b"x" * 100, content_type="text/csv")
    assert client.post("/admin/login/", {"file": small}).status_code == 200  # the login form, re-shown


def test_envbool_refuses_a_typo(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "ture")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG='ture'"):
        envbool("DJANGO_DEBUG", True)
    for value, expected in (("0", False), ("Off", False), ("yes", True), (" TRUE ", True), ("", True)):
        monkeypatch.setenv("DJANGO_DEBUG", value)
        assert envbool("DJANGO_DEBUG", True) is expected


def test_envint_refuses_a_unit(monkeypatch):
    monkeypatch.setenv("DJANGO_HSTS_SECONDS", "1y")
    with pytest.raises(ImproperlyConfigured, match="expected a whole number"):
        envint("DJANGO_HSTS_SECONDS", 0)
    monkeypatch.setenv("DJANGO_HSTS_SECONDS", " 3600 ")
    assert envint("DJANGO_HSTS_SECONDS", 0) == 3600


@pytest.mark.slow  # Django started afresh in a subprocess
def test_a_typo_in_the_environment_stops_the_server_starting(tmp_path):
    result = run(["manage.py", "check"], production_env(tmp_path, DJANGO_SESSION_COOKIE_SECURE="ture"))
    assert result.returncode != 0
    assert "DJANGO_SESSION_COOKIE_SECURE='ture'" in result.stderr
