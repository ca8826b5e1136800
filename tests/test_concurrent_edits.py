"""Two coders editing one article or enterprise: the second save is refused with a message
saying who changed the record and when; nothing is silently overwritten (optimistic locking,
infra/locking.py), in the model, the admin and the API."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from infra import locking
from registry.models import Article, Claim, Enterprise

from .admin_support import make_article, make_enterprise, make_user, management_form, place, source

pytestmark = pytest.mark.django_db


def coders(*names):
    clients = []
    for name in names:
        client = Client()
        client.force_login(make_user("coder", username=name))
        clients.append(client)
    return clients


# ---- the model ----------------------------------------------------------------------------


def test_every_save_raises_the_version_by_one():
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    assert kim_chaek.version == 1
    kim_chaek.products = "steel"
    kim_chaek.save()
    kim_chaek.save()
    assert kim_chaek.version == 3
    assert Enterprise.objects.get().version == 3
    assert list(kim_chaek.history.order_by("history_id").values_list("version", flat=True)) == [1, 2, 3]


def test_the_second_of_two_saves_from_one_version_is_refused_naming_the_first():
    alice = make_user("coder", username="alice")
    article = make_article("Oxygen furnace completed")
    first, second = Article.objects.get(), Article.objects.get()
    first.summary, first._history_user = "Alice's summary.", alice
    first.save()
    second.summary = "Bob's summary."
    with pytest.raises(locking.VersionConflict) as raised:
        second.save()
    conflict = raised.value
    assert (conflict.expected, conflict.current, conflict.changed_by) == (1, 2, "alice")
    assert str(conflict).startswith("This article was changed by alice at ")
    assert "(you edited version 1, it is now at version 2)" in str(conflict)
    assert second.version == 1  # unchanged by the refused save
    article.refresh_from_db()
    assert (article.summary, article.version, article.history.count()) == ("Alice's summary.", 2, 2)


def test_a_save_of_a_deleted_record_is_refused():
    first = make_enterprise("Musan Mining Complex")
    stale = Enterprise.objects.get()
    first.delete()
    with pytest.raises(locking.VersionConflict, match="was deleted by someone else"):
        stale.save()
    assert not Enterprise.objects.exists()


def test_merging_moves_the_versions_of_what_it_changes():
    from registry.services import enterprise_merge

    keep, absorb = make_enterprise("Kim Chaek Iron and Steel Complex"), make_enterprise("Kim Chaek Steel Works")
    unit = make_enterprise("Kim Chaek Coke Plant", kind="factory", parent=absorb)
    article = make_article("Coke ovens rebuilt", claims=[(absorb, "modernization", 2)])
    enterprise_merge(keep=keep, absorb=absorb, user=None)
    assert Enterprise.objects.get(pk=keep.pk).version == 2
    assert Enterprise.objects.get(pk=unit.pk).version == 2
    assert Article.objects.get(pk=article.pk).version == 2


# ---- the admin: two coders, two browsers -------------------------------------------------


def opened_version(page):
    [value] = re.findall(r'name="opened_version" value="(\d+)"', page.content.decode())
    return value


def article_form(article, version, claims=(), **fields):
    data = {
        "source": source().pk, "published": "2019-04-15", "precision": "day", "page": "",
        "title": article.title, "title_ko": "", "summary": article.summary, "full_text": "", "notes": "",
        "url": "", "follow_up_of": "", "disclosure": "public", "status": "coded", "opened_version": version,
        **management_form("claims", total=len(claims), initial=len(claims)),
    }
    for i, claim in enumerate(claims):
        data.update({
            f"claims-{i}-id": claim.pk, f"claims-{i}-article": article.pk, f"claims-{i}-enterprise": claim.enterprise_id,
            f"claims-{i}-activity": claim.activity, f"claims-{i}-code": claim.code, f"claims-{i}-detail": claim.detail,
            f"claims-{i}-quantity": "", f"claims-{i}-unit": "",
        })
    data.update(fields)
    return data


def test_in_the_admin_the_second_coder_is_told_and_keeps_their_input():
    alice, bob = coders("alice", "bob")
    article = make_article("Oxygen furnace completed", summary="First draft.")
    url = reverse("admin:registry_article_change", args=[article.pk])
    alice_version, bob_version = opened_version(alice.get(url)), opened_version(bob.get(url))
    assert alice_version == bob_version == "1"

    response = alice.post(url, article_form(article, alice_version, summary="Alice's summary."))
    assert response.status_code == 302
    response = bob.post(url, article_form(article, bob_version, summary="Bob's summary."))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("This article was changed by alice at ")
    assert "Nothing was saved" in error
    page = response.content.decode()
    assert "Bob&#x27;s summary." in page  # what Bob typed is still on his page
    assert opened_version(response) == "1"  # resubmitting cannot overwrite either: he must reload
    article.refresh_from_db()
    assert (article.summary, article.version) == ("Alice's summary.", 2)

    # Bob reloads, sees Alice's text, and saves his own on top of it knowingly.
    reloaded = bob.get(url)
    assert opened_version(reloaded) == "2" and "Alice&#x27;s summary." in reloaded.content.decode()
    assert bob.post(url, article_form(article, "2", summary="Bob's summary.")).status_code == 302
    article.refresh_from_db()
    assert (article.summary, article.version) == ("Bob's summary.", 3)


def test_a_change_to_the_claims_alone_counts_as_a_change_of_the_article():
    alice, bob = coders("alice", "bob")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    article = make_article("Oxygen furnace completed", claims=[(kim_chaek, "facility", 2)])
    claim = article.claims.get()
    url = reverse("admin:registry_article_change", args=[article.pk])
    version = opened_version(alice.get(url))

    response = alice.post(url, article_form(article, version, claims=[claim], **{"claims-0-code": "1"}))
    assert response.status_code == 302
    response = bob.post(url, article_form(article, version, claims=[claim], **{"claims-0-code": "3"}))
    assert response.status_code == 200
    assert "changed by alice" in response.context["adminform"].form.non_field_errors()[0]
    assert Claim.objects.get().code == 1
    assert Article.objects.get().version == 2


def test_a_claim_saved_on_its_own_page_moves_its_article_on():
    alice, bob = coders("alice", "bob")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    article = make_article("Oxygen furnace completed", claims=[(kim_chaek, "facility", 2)])
    claim = article.claims.get()
    url = reverse("admin:registry_article_change", args=[article.pk])
    version = opened_version(bob.get(url))
    claim_url = reverse("admin:registry_claim_change", args=[claim.pk])
    response = alice.post(claim_url, {
        "article": article.pk, "enterprise": kim_chaek.pk, "activity": "facility", "code": "1",
        "detail": "", "quantity": "", "unit": "",
    })
    assert response.status_code == 302
    response = bob.post(url, article_form(article, version, claims=[claim], **{"claims-0-code": "3"}))
    assert response.status_code == 200
    assert Claim.objects.get().code == 1


def enterprise_form(enterprise, version, **fields):
    return {
        "name": enterprise.name, "hangul": "", "grade": "special", "kind": "complex", "integration": "",
        "parent": "", "location": place("chongjin").pk, "industry": "", "products": "", "ministry": "",
        "notes": "", "opened_version": version,
        **management_form("aliases"), **management_form("periods"), **management_form("units"), **management_form("claims"), **fields,
    }


def test_two_coders_on_one_enterprise():
    alice, bob = coders("alice", "bob")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    url = reverse("admin:registry_enterprise_change", args=[kim_chaek.pk])
    version = opened_version(alice.get(url))
    assert alice.post(url, enterprise_form(kim_chaek, version, products="steel")).status_code == 302
    response = bob.post(url, enterprise_form(kim_chaek, version, products="pig iron", ministry="Metal Industry"))
    assert response.status_code == 200
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("This enterprise was changed by alice at ")
    assert "Metal Industry" in response.content.decode()
    kim_chaek.refresh_from_db()
    assert (kim_chaek.products, kim_chaek.ministry, kim_chaek.version) == ("steel", "", 2)


def test_a_change_form_without_its_version_is_refused():
    [alice] = coders("alice")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    url = reverse("admin:registry_enterprise_change", args=[kim_chaek.pk])
    response = alice.post(url, enterprise_form(kim_chaek, "", products="steel"))
    assert response.status_code == 200
    assert Enterprise.objects.get().products == ""


def test_a_save_that_loses_the_race_after_validation_is_shown_as_a_form_error(monkeypatch):
    """SQLite cannot lock the row at validation: another save can land between the check
    and the write. The conditional UPDATE refuses it and the form comes back."""
    [bob] = coders("bob")
    article = make_article("Oxygen furnace completed", summary="First draft.")
    url = reverse("admin:registry_article_change", args=[article.pk])
    article.summary = "Alice's summary."
    article.save()  # version 2; Bob opened version 1
    real_check = locking.check

    def passes_once(instance, expected):  # as if Alice saved just after Bob's check
        monkeypatch.setattr(locking, "check", real_check)

    monkeypatch.setattr(locking, "check", passes_once)
    response = bob.post(url, article_form(article, "1", summary="Bob's summary."))
    assert response.status_code == 200
    assert "was changed" in response.context["adminform"].form.non_field_errors()[0]
    article.refresh_from_db()
    assert (article.summary, article.version) == ("Alice's summary.", 2)


# ---- the API: two clients ------------------------------------------------------------------


def api_coder(name):
    client = APIClient()
    client.force_authenticate(make_user("coder", username=name))
    return client


def test_the_api_sends_an_etag_and_refuses_a_stale_if_match_with_412():
    alice, bob = api_coder("alice"), api_coder("bob")
    article = make_article("Oxygen furnace completed")
    url = f"/api/v1/articles/{article.pk}/"
    got_alice, got_bob = alice.get(url), bob.get(url)
    assert got_alice["ETag"] == got_bob["ETag"] == '"v1"'
    assert got_alice.json()["version"] == 1

    response = alice.patch(url, {"summary": "Alice's summary."}, format="json", HTTP_IF_MATCH=got_alice["ETag"])
    assert response.status_code == 200
    assert response["ETag"] == '"v2"' and response.json()["version"] == 2
    response = bob.patch(url, {"summary": "Bob's summary."}, format="json", HTTP_IF_MATCH=got_bob["ETag"])
    assert response.status_code == 412
    body = response.json()
    assert body["detail"].startswith("This article was changed by alice at ")
    assert (body["current_version"], body["changed_by"]) == (2, "alice")
    assert body["changed_at"]
    assert Article.objects.get().summary == "Alice's summary."


def test_a_stale_version_in_the_body_gets_409():
    alice, bob = api_coder("alice"), api_coder("bob")
    article = make_article("Oxygen furnace completed")
    url = f"/api/v1/articles/{article.pk}/"
    assert alice.patch(url, {"summary": "Alice's.", "version": 1}, format="json").status_code == 200
    full = {"source": "KCNA", "published": "2019-04-15", "precision": "day", "title": "Bob's headline", "version": 1}
    response = bob.put(url, full, format="json")
    assert response.status_code == 409
    assert response.json()["changed_by"] == "alice"
    assert Article.objects.get().title == "Oxygen furnace completed"
    # With the version now current, Bob's change goes through.
    response = bob.put(url, {**full, "version": 2}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Bob's headline", 3)


def test_a_change_without_a_version_gets_428_and_a_malformed_one_400():
    alice = api_coder("alice")
    article = make_article("Oxygen furnace completed")
    url = f"/api/v1/articles/{article.pk}/"
    response = alice.patch(url, {"summary": "Blind."}, format="json")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    for header in ("*", 'W/"v1"', "v1", '"1"'):
        response = alice.patch(url, {"summary": "Blind."}, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 400, header
        assert "If-Match" in response.json()
    response = alice.patch(url, {"summary": "Blind.", "version": "one"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    response = alice.patch(url, {"summary": "Blind.", "version": 2}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 400
    assert Article.objects.get().summary == "" and Article.objects.get().version == 1


def test_a_claim_written_through_the_api_moves_its_article_on():
    alice, bob = api_coder("alice"), api_coder("bob")
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    article = make_article("Oxygen furnace completed")
    url = f"/api/v1/articles/{article.pk}/"
    etag = bob.get(url)["ETag"]
    response = alice.post("/api/v1/claims/", {"article": article.pk, "enterprise": kim_chaek.pk, "activity": "facility", "code": 2}, format="json")
    assert response.status_code == 201, response.content
    response = bob.patch(url, {"summary": "Bob's."}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    assert Article.objects.get().summary == ""


def test_an_enterprise_detail_carries_its_version_as_an_etag():
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    kim_chaek.save()
    response = api_coder("kim").get(f"/api/v1/enterprises/{kim_chaek.pk}/")
    assert response["ETag"] == '"v2"' and response.json()["version"] == 2
    # Not to anonymous readers: the version moves on internal notes they may not watch.
    anonymous = APIClient().get(f"/api/v1/enterprises/{kim_chaek.pk}/")
    assert anonymous.get("ETag") != '"v2"' and "version" not in anonymous.json()


def test_the_schema_documents_the_version_and_the_answers_to_a_stale_one():
    schema = APIClient().get("/api/schema/?format=json").json()
    patch = schema["paths"]["/api/v1/articles/{id}/"]["patch"]
    assert {"409", "412", "428"} <= set(patch["responses"])
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert "ETag" in patch["responses"]["200"]["headers"]
    get = schema["paths"]["/api/v1/articles/{id}/"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]
    assert "409" not in get["responses"]
