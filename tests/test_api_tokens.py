"""API tokens are shown once and revocable: the admin shows a new key in one message and
afterwards only a prefix (lists, change page, delete page, action log); revoking is
deleting; the api_token command prints a key only when it creates it."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from .admin_support import make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:api_apitoken_changelist")


@pytest.fixture
def boss(client):
    user = make_user("admin", username="boss")
    client.force_login(user)
    return user


def test_a_new_token_is_shown_once_then_only_by_prefix(client, boss):
    coder = make_user("coder", username="kim")
    response = client.post(reverse("admin:api_apitoken_add"), {"user": coder.pk}, follow=True)
    assert response.status_code == 200
    key = Token.objects.get(user=coder).key
    [message] = [str(m) for m in response.context["messages"]]
    assert key in message and "will not be shown again" in message
    assert key in response.content.decode()

    # It works.
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/articles/").status_code == 200

    # Never again: not in the list, the (read-only) token page, the delete page, the log.
    change = reverse("admin:api_apitoken_change", args=[coder.pk])
    delete = reverse("admin:api_apitoken_delete", args=[coder.pk])
    for url in (CHANGELIST, change, delete, reverse("admin:index")):
        page = client.get(url).content.decode()
        assert key not in page, url
    assert key[:6] + "…" in client.get(CHANGELIST).content.decode()
    assert '<select name="user"' not in client.get(change).content.decode()  # view only
    assert all(key not in entry.object_repr and key not in entry.object_id for entry in LogEntry.objects.all())
    assert key not in change and key not in delete  # addressed by the user's id, not the key

    # Revoking is deleting: the key stops working at once.
    response = client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.exists()
    assert api.get("/api/v1/articles/").status_code == 401


def test_a_token_cannot_be_edited_in_the_admin(client, boss):
    coder = make_user("coder", username="kim")
    token = Token.objects.create(user=coder)
    change = reverse("admin:api_apitoken_change", args=[coder.pk])
    response = client.post(change, {"user": boss.pk})
    assert response.status_code == 403
    assert Token.objects.get().key == token.key and Token.objects.get().user == coder


def test_the_command_prints_a_key_only_when_it_creates_one(capsys):
    make_user("coder", username="kim")
    call_command("api_token", "kim")
    key = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key) and Token.objects.get().key == key
    with pytest.raises(CommandError, match=r"kim already has a token \(" + key[:6] + "…") as raised:
        call_command("api_token", "kim")
    assert key not in str(raised.value) and key not in capsys.readouterr().out
    call_command("api_token", "kim", "--revoke")
    assert "revoked" in capsys.readouterr().out and not Token.objects.exists()
    call_command("api_token", "kim")
    assert capsys.readouterr().out.strip() not in ("", key)
