"""Production log lines (infra/logs.py): one JSON object per record on one line, with the
request id, the database alias and the user id; a traceback inside the line; never a token."""

import io
import json
import logging

import pytest
from django.test import Client, override_settings
from django.urls import path
from rest_framework.authtoken.models import Token

from infra import replicas
from infra.logs import JSONFormatter, RequestContext
from tests.admin_support import make_user


def broken(request):
    from api.views import EnterpriseViewSet  # noqa: F401  (a real import path, then a bug)

    raise ZeroDivisionError("a bug")


urlpatterns = [path("broken/", broken)]


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContext())
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_one_json_line_with_request_user_and_database(lines):
    user = make_user("coder", "logged")
    token = Token.objects.create(user=user)
    client = Client(raise_request_exception=False)
    response = client.get("/broken/", HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 500 and response["X-Request-ID"] == "req-42"
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(user)
    signed_in.get("/broken/")
    with replicas.reading_from("replica_test"):  # as an anonymous read on a replica is
        Client(raise_request_exception=False).get("/broken/")
    first, second, third = lines()
    assert first["level"] == "ERROR" and first["logger"] == "django.request"
    assert first["request_id"] == "req-42" and first["database"] == "default" and first["path"] == "/broken/"
    assert "user_id" not in first  # a token is only read by the API's views: never looked up for a log line
    assert first["error"] == "ZeroDivisionError: a bug" and "raise ZeroDivisionError" in first["traceback"]
    assert token.key not in json.dumps(first)
    assert second["user_id"] == user.pk and second["database"] == "default"
    assert len(second["request_id"]) == 32  # made here when the proxy sent none
    assert third["database"] == "replica_test" and "user_id" not in third


def test_a_request_id_that_is_not_an_id_is_replaced():
    response = Client().get("/api/v1/", HTTP_X_REQUEST_ID="bad id\nforged: line")
    assert "\n" not in response["X-Request-ID"] and response["X-Request-ID"] != "bad id\nforged: line"
