"""Session and token authentication, tokens from the command, throttled anonymous
requests, and coders writing articles and claims under the admin's rules."""

import pytest
from django.contrib import admin
from django.core.cache import cache, caches
from django.core.management import call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token, TokenProxy
from rest_framework.test import APIClient

from registry.models import Article, Claim
from registry.access.roles import may_review
from tests.api_data import build, user_with

pytestmark = pytest.mark.django_db

CODER_PERMS = ("add_article", "change_article", "add_claim", "change_claim")


@pytest.fixture
def d():
    return build()


def token_client(user, capsys):
    call_command("api_token", user.username)
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client, key


def new_article(**extra):
    return {"source": "KCNA", "published": "2022-04-15", "precision": "day", "title": "New line at a factory", **extra}


def test_a_token_from_the_command_lets_a_coder_write_and_revoking_it_stops_that(d, capsys):
    coder = user_with("coder", *CODER_PERMS)
    client, key = token_client(coder, capsys)
    response = client.post("/api/v1/articles/", new_article(status="coded"), format="json")
    assert response.status_code == 201, response.content
    article = Article.objects.get(pk=response.json()["id"])
    assert article.coded_by == coder
    assert article.history.first().history_user == coder  # the edit is attributed

    call_command("api_token", "coder", "--revoke")
    assert not Token.objects.filter(key=key).exists()
    assert client.post("/api/v1/articles/", new_article(title="Another"), format="json").status_code == 401


def test_tokens_are_managed_in_the_admin_too():
    from api.models import ApiToken

    assert admin.site.is_registered(ApiToken) and not admin.site.is_registered(TokenProxy)


def test_session_authentication(d):
    client = APIClient()
    client.force_login(user_with("coder", *CODER_PERMS))
    response = client.post("/api/v1/claims/", {"article": d.a3.pk, "enterprise": d.e2.pk, "activity": "operation", "code": 3}, format="json")
    assert response.status_code == 201, response.content


def test_anonymous_and_unpermitted_users_cannot_write(d):
    assert APIClient().post("/api/v1/articles/", new_article(), format="json").status_code in (401, 403)
    client = APIClient()
    client.force_login(user_with("reader"))
    assert client.post("/api/v1/articles/", new_article(), format="json").status_code == 403
    assert client.patch(f"/api/v1/claims/{d.c1.pk}/", {"code": 1}, format="json").status_code == 403
    assert client.post("/api/v1/enterprises/", {"name": "X"}, format="json").status_code == 405


def test_the_models_rules_apply_to_api_writes(d):
    client = APIClient()
    client.force_login(user_with("coder", *CODER_PERMS))
    # clean(): a month-precise date is stored as the 1st.
    response = client.post("/api/v1/articles/", new_article(precision="month"), format="json")
    assert response.status_code == 400
    assert "published" in response.json()
    # clean(): a headline in English or Korean.
    response = client.post("/api/v1/articles/", new_article(title=""), format="json")
    assert response.status_code == 400 and "title" in response.json()
    # The code is 1 to 5.
    response = client.post("/api/v1/claims/", {"article": d.a1.pk, "enterprise": d.e2.pk, "activity": "operation", "code": 6}, format="json")
    assert response.status_code == 400 and "code" in response.json()
    # One claim per article, enterprise and activity.
    response = client.post("/api/v1/claims/", {"article": d.a1.pk, "enterprise": d.e1.pk, "activity": "facility", "code": 3}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    # A coder who may not see restricted articles cannot attach claims to one.
    response = client.post("/api/v1/claims/", {"article": d.a4.pk, "enterprise": d.e2.pk, "activity": "operation", "code": 3}, format="json")
    assert response.status_code == 400 and "article" in response.json()
    assert Claim.objects.count() == 9


def test_only_reviewers_mark_an_article_reviewed(d):
    coder = user_with("coder", *CODER_PERMS)
    reviewer = user_with("reviewer1", *CODER_PERMS, groups=["reviewer"])
    assert not may_review(coder) and may_review(reviewer)

    client = APIClient()
    client.force_login(coder)
    response = client.patch(f"/api/v1/articles/{d.a2.pk}/", {"status": "reviewed", "version": 1}, format="json")
    assert response.status_code == 400
    assert "reviewer" in response.json()["status"][0]

    client.force_login(reviewer)
    response = client.patch(f"/api/v1/articles/{d.a2.pk}/", {"status": "reviewed", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    d.a2.refresh_from_db()
    assert (d.a2.status, d.a2.reviewed_by) == ("reviewed", reviewer)

    # A coder's edit of a reviewed article returns it to coded (test_trust.py has the rest).
    client.force_login(coder)
    response = client.patch(f"/api/v1/articles/{d.a2.pk}/", {"summary": "Plan fulfilled early.", "version": 2}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "coded"


def test_anonymous_requests_are_throttled(d):
    cache.clear()
    caches["throttles"].clear()
    with override_settings(API_ANON_THROTTLE_RATE="3/minute"):
        codes = [APIClient().get("/api/v1/sources/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert "detail" in APIClient().get("/api/v1/sources/").json()
        # A signed-in user is not throttled by the anonymous rate.
        client = APIClient()
        client.force_login(user_with("reader"))
        assert client.get("/api/v1/sources/").status_code == 200
    cache.clear()
    caches["throttles"].clear()
