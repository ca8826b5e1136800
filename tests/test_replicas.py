"""Read replicas (infra/replicas.py): anonymous GETs read from a replica, taken in turn;
signed-in requests, token requests, the admin and every write use the primary.

The replicas here are test mirrors of the test database ("replica_test" in config/settings.py,
and a second name for it), so the suite needs no second server: which alias served a request
is seen from the queries each connection ran. The test commits (transaction=True) because a
mirror is a second connection, which sees only committed rows."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from infra import replicas
from registry import services
from registry.models import Enterprise
from tests.admin_support import make_user
from tests.api_data import build

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica_test"])
REPLICAS = override_settings(REGISTRY_REPLICAS=["replica_test"])


@pytest.fixture
def d():
    call_command("load_reference", verbosity=0)  # a transactional test starts from an empty database
    return build()


def served_by(client, url, **extra):
    """(status, {alias: number of queries}) for one request."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica_test"]) as replica:
        response = client.get(url, **extra)
    return response.status_code, {"default": len(primary), "replica_test": len(replica)}


@REPLICAS
def test_anonymous_reads_go_to_the_replica(d):
    client = Client()
    for url in ("/api/v1/enterprises/", "/api/v1/claims/?place=chongjin", "/enterprises/", f"/enterprises/{d.e1.pk}/",
                "/api/v1/timeseries/?regions=chongjin", "/compare/?regions=chongjin"):
        status, counts = served_by(client, url)
        assert status == 200, url
        assert counts["default"] == 0, (url, counts)
        assert counts["replica_test"] > 0, (url, counts)


@REPLICAS
def test_signed_in_token_and_admin_requests_read_the_primary(d):
    coder = make_user("coder", "kim")
    signed_in = Client()
    signed_in.force_login(coder)
    token = Token.objects.create(user=coder)
    with_token = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    for client, url in ((signed_in, "/api/v1/enterprises/"), (signed_in, "/enterprises/"), (with_token, "/api/v1/claims/"),
                        (signed_in, "/admin/registry/article/"), (Client(), "/admin/login/")):
        status, counts = served_by(client, url)
        assert status == 200, url
        assert counts == {"default": counts["default"], "replica_test": 0}, (url, counts)
        assert counts["default"] > 0 or url == "/admin/login/", (url, counts)  # the sign-in form reads nothing


@REPLICAS
def test_writes_use_the_primary_even_inside_a_marked_request(d):
    with replicas.reading_from("replica_test"):
        with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica_test"]) as replica:
            enterprise = Enterprise.objects.get(pk=d.e2.pk)  # a read: the replica
            enterprise.notes = "written"
            services.record_save(instance=enterprise, user=None)  # the write: the primary
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)
    assert not any(q["sql"].startswith(("UPDATE", "INSERT", "DELETE")) for q in replica.captured_queries)
    assert Enterprise.objects.get(pk=d.e2.pk).notes == "written"


@override_settings(REGISTRY_REPLICAS=["replica_test", "default"])
def test_replicas_are_taken_in_turn(d):
    turns = [replicas.next_replica() for _ in range(4)]
    assert sorted(turns[:2]) == ["default", "replica_test"]
    assert turns[2:] == turns[:2]


def test_without_replicas_everything_reads_the_primary(d):
    assert settings.REGISTRY_REPLICAS == []
    status, counts = served_by(Client(), "/api/v1/enterprises/")
    assert status == 200 and counts["replica_test"] == 0 and counts["default"] > 0


def test_the_replica_setting_makes_aliases(monkeypatch):
    """DATABASE_REPLICA_URLS, read as config/settings.py reads it (in a fresh interpreter)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": "postgres://u@primary:5432/db",
           "DATABASE_REPLICA_URLS": "postgres://u@r1:5433/db, postgres://u@r2:5434/db", "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps([s.REGISTRY_REPLICAS, {a: [s.DATABASES[a]['HOST'], s.DATABASES[a]['PORT'], s.DATABASES[a]['TEST']] for a in s.REGISTRY_REPLICAS}, s.DATABASE_ROUTERS]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    aliases, details, routers = json.loads(out)
    assert aliases == ["replica1", "replica2"]
    assert details == {"replica1": ["r1", 5433, {"MIRROR": "default"}], "replica2": ["r2", 5434, {"MIRROR": "default"}]}
    assert routers[-1] == "infra.replicas.ReplicaRouter"


@pytest.fixture
def fresh_health():
    replicas.reset()
    yield
    replicas.reset()


@REPLICAS
def test_a_replica_failing_under_a_request_is_answered_around_from_the_primary(d, fresh_health):
    from django.db import OperationalError

    def refuse(execute, sql, params, many, context):
        if "registry_enterprise" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    client = Client(raise_request_exception=False)
    with connections["replica_test"].execute_wrapper(refuse):
        status, counts = served_by(client, "/api/v1/enterprises/")
        assert status == 200 and counts["default"] > 0
        assert replicas.health("replica_test").state == replicas.DOWN
        assert replicas.stats()["retried"] == 1
        # Skipped now, for its back-off: straight to the primary, no second failure.
        status, counts = served_by(client, "/api/v1/enterprises/")
        assert status == 200 and counts["replica_test"] == 0 and replicas.stats()["retried"] == 1
        assert replicas.stats()["fallbacks"] == 2  # the answer again, and this one


@REPLICAS
def test_a_replica_behind_what_the_client_has_seen_is_skipped(d, fresh_health):
    from registry.stored import dataversion

    version = dataversion.current(public=True)  # what anonymous ETags carry
    status, counts = served_by(Client(), "/api/v1/enterprises/", HTTP_X_REGISTRY_SEEN_VERSION=str(version))
    assert counts["default"] == 0  # caught up: the replica serves it
    status, counts = served_by(Client(), "/api/v1/enterprises/", HTTP_IF_NONE_MATCH=f'"d{version + 1}-0123456789ab"')
    # Behind it (by one): asked once more for its version (and, on PostgreSQL, its lag), then
    # the primary answers.
    assert status == 200 and counts["default"] > 0 and counts["replica_test"] <= (2 if connections["default"].vendor == "postgresql" else 1), counts


def test_the_seen_version_is_read_from_our_etags_or_the_header():
    from django.test import RequestFactory

    factory = RequestFactory()
    assert replicas.seen_version(factory.get("/", HTTP_IF_NONE_MATCH='"d7-abc", W/"x", "d12-def"')) == 12
    assert replicas.seen_version(factory.get("/", HTTP_X_REGISTRY_SEEN_VERSION="40")) == 40
    assert replicas.seen_version(factory.get("/", HTTP_X_REGISTRY_SEEN_VERSION="forty")) is None
    assert replicas.seen_version(factory.get("/")) is None


def test_time_outs_on_every_alias_and_no_startup_options_behind_pgbouncer():
    """Read as config/settings.py reads the environment, in a fresh interpreter."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json; from django.conf import settings as s; "
            "print(json.dumps({a: [s.DATABASES[a]['OPTIONS'], s.DATABASES[a].get('DISABLE_SERVER_SIDE_CURSORS', False)] "
            "for a in ['default', *s.REGISTRY_REPLICAS]}))")
    base = {**os.environ, "DATABASE_URL": "postgres://u@primary:5432/db", "DATABASE_REPLICA_URLS": "postgres://u@r1:5433/db",
            "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_CONNECT_TIMEOUT": "3", "REPLICA_STATEMENT_TIMEOUT": "7.5"}

    def read(**env):
        return json.loads(subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True).stdout)

    direct = read(DATABASE_STATEMENT_TIMEOUT="60")
    assert direct == {
        "default": [{"connect_timeout": 3, "options": "-c jit=off -c statement_timeout=60000"}, False],
        "replica1": [{"connect_timeout": 3, "options": "-c jit=off -c statement_timeout=7500"}, False],
    }
    assert read()["default"][0]["options"] == "-c jit=off"  # no limit on the primary by default
    pooled = read(DATABASE_PGBOUNCER="1")
    assert pooled == {"default": [{"connect_timeout": 3}, True], "replica1": [{"connect_timeout": 3}, True]}
    assert read(DATABASE_DISABLE_SERVER_SIDE_CURSORS="yes")["default"][1] is True
