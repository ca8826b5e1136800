"""Trust: each hole found by probing from outside (issue 10), pinned by a test that failed
before the fix. The whole surface is walked by test_permission_table.py and test_shadow.py;
these are the concrete attacks, one by one."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from infra import locking
from registry.importing.rows import HEADER
from registry.services import claims_import
from registry.models import Article, Claim, Enterprise
from registry.series.timeseries import compute, parse_params
from api import versions
from tests.admin_support import make_user
from tests.api_data import MARKERS, build, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def d():
    d = build()
    # A draft of coder "kim", with a claim on a public enterprise and one on an enterprise
    # known only from it, and a public enterprise whose parent is known only from restricted material.
    d.kim = make_user("coder", username="kim")
    d.draft = Article.objects.create(
        source=d.a1.source, published=datetime.date(2021, 6, 1), title="DRAFT-TITLE-MARKER", status="draft", coded_by=d.kim,
    )
    d.draft_only = Enterprise.objects.create(name="DRAFT-ENTERPRISE-MARKER Plant", location=d.e1.location)
    Claim.objects.create(article=d.draft, enterprise=d.e2, activity="production", code=1)
    Claim.objects.create(article=d.draft, enterprise=d.draft_only, activity="construction", code=1)
    d.child = Enterprise.objects.create(name="Public Child Shop", parent=d.secret, location=d.e1.location)
    Claim.objects.create(article=d.a3, enterprise=d.child, activity="operation", code=3)
    return d


def text(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def as_user(user):
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def people():
    return {
        "anonymous": None,
        "signed in": user_with("plain"),
        "viewer": make_user("viewer"),
        "view_restricted only": user_with("restricted_reader", "view_restricted"),
    }


# ---- 1. anyone could overwrite an enterprise ----------------------------------------------

def test_nobody_overwrites_an_enterprise_through_the_api(d):
    url = f"/api/v1/enterprises/{d.e1.pk}/"
    for who, user in people().items():
        client = as_user(user)
        for method in (client.put, client.patch):
            response = method(url, {"name": "Overwritten", "notes": "x"}, format="json", HTTP_IF_MATCH='"v1"')
            assert response.status_code == 405, (who, response.status_code)
        # Not advertised either: OPTIONS and the schema name only reading.
        assert client.options(url).headers["Allow"] == "GET, HEAD, OPTIONS"
    d.e1.refresh_from_db()
    assert (d.e1.name, d.e1.notes, d.e1.version) == ("Kim Chaek Iron and Steel Complex", "ENTERPRISE-NOTE-MARKER", 1)
    schema = APIClient().get("/api/schema/?format=json").json()
    assert set(schema["paths"]["/api/v1/enterprises/{id}/"]) == {"get"}


def test_anonymous_writes_to_articles_and_claims_are_refused(d):
    client = APIClient(enforce_csrf_checks=True)
    assert client.patch(f"/api/v1/articles/{d.a1.pk}/", {"summary": "x"}, format="json", HTTP_IF_MATCH='"v1"').status_code == 401
    assert client.post("/api/v1/claims/", {"article": d.a1.pk}, format="json").status_code == 401
    d.a1.refresh_from_db()
    assert d.a1.summary == "A new oxygen furnace was completed."


def test_api_writes_name_their_user_in_the_history(d):
    coder = make_user("coder", username="lee")
    response = as_user(coder).patch(f"/api/v1/articles/{d.a1.pk}/", {"summary": "Edited."}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200, response.content
    assert d.a1.history.latest("history_id").history_user == coder


# ---- 2. a stale write told a stranger who edited and when ---------------------------------

def test_a_stale_write_names_the_editor_only_to_who_may_change_the_record(d):
    alice = make_user("coder", username="alice")
    url = f"/api/v1/articles/{d.a1.pk}/"
    assert as_user(alice).patch(url, {"summary": "Alice's."}, format="json", HTTP_IF_MATCH='"v1"').status_code == 200
    for who, user in people().items():
        response = as_user(user).patch(url, {"summary": "Late."}, format="json", HTTP_IF_MATCH='"v1"')
        assert response.status_code in (401, 403), who
        assert "alice" not in response.content.decode()
    stale = as_user(make_user("coder", username="bob")).patch(url, {"summary": "Late."}, format="json", HTTP_IF_MATCH='"v1"')
    assert stale.status_code == 412 and stale.json()["changed_by"] == "alice"
    # The answer itself, for a caller who may not change the record: neither who nor when.
    conflict = locking.conflict(d.a1, 1)
    hidden = versions.stale(conflict, True, reveal=False).detail
    assert set(hidden) == {"detail", "current_version"} and "alice" not in hidden["detail"] and "UTC" not in hidden["detail"]


# ---- 3. the public enterprise page ignored visibility -------------------------------------

def test_the_public_enterprise_page_is_a_404_for_what_the_visitor_may_not_see(d, client):
    missing = client.get(reverse("enterprise", args=[999999]))
    for hidden in (d.secret, d.secret_unit, d.draft_only):
        response = client.get(reverse("enterprise", args=[hidden.pk]))
        assert response.status_code == 404 and response.content == missing.content
    page = client.get(reverse("enterprise", args=[d.child.pk])).content.decode()
    assert "Public Child Shop" in page and "Part of" not in page and "SECRET" not in page
    client.force_login(make_user("coder", username="lee"))  # may see restricted material
    assert "SECRET-ENTERPRISE-MARKER" in client.get(reverse("enterprise", args=[d.child.pk])).content.decode()


# ---- 4. the admin showed a viewer what the viewer may not see -----------------------------

def test_a_viewer_reads_no_restricted_field_in_history(d, client):
    coder = make_user("coder", username="lee")
    client.force_login(coder)
    for model, obj in (("article", d.a1), ("enterprise", d.e1)):
        obj.notes = f"CHANGED-NOTE-MARKER {model}"
        if model == "article":
            obj.full_text = "CHANGED-FULLTEXT-MARKER"
        obj.save()
        page = client.get(reverse(f"admin:registry_{model}_history", args=[obj.pk])).content.decode()
        assert "CHANGED-NOTE-MARKER" in page  # those who may see them, do
    client.force_login(make_user("viewer"))
    for model, obj in (("article", d.a1), ("enterprise", d.e1)):
        page = client.get(reverse(f"admin:registry_{model}_history", args=[obj.pk])).content.decode()
        assert "CHANGED" not in page and "MARKER" not in page
        version = obj.history.earliest("history_id").history_id
        old = client.get(reverse(f"admin:registry_{model}_simple_history", args=[obj.pk, version])).content.decode()
        assert "MARKER" not in old


def test_a_viewer_cannot_open_restricted_history_or_revert_anything(d, client):
    client.force_login(make_user("viewer"))
    assert client.get(reverse("admin:registry_article_history", args=[d.a4.pk])).status_code == 404
    assert client.get(reverse("admin:registry_claim_history", args=[d.c5.pk])).status_code == 404
    assert client.get(reverse("admin:registry_article_history", args=[d.draft.pk])).status_code == 404
    version = d.a4.history.get().history_id
    assert client.get(reverse("admin:registry_article_simple_history", args=[d.a4.pk, version])).status_code == 404
    # simple-history saved a POST to an old version for anyone who could view the history.
    version = d.a1.history.get().history_id
    response = client.post(reverse("admin:registry_article_simple_history", args=[d.a1.pk, version]), {"title": "Reverted by a viewer"})
    assert response.status_code == 403
    assert Article.objects.get(pk=d.a1.pk).title == "Oxygen furnace built at Kim Chaek complex"


def test_the_admin_enterprise_list_counts_and_lists_only_visible_evidence(d, client):
    client.force_login(make_user("viewer"))
    cl = client.get(reverse("admin:registry_enterprise_changelist")).context["cl"]
    rows = {e.name: (e.claim_count or 0, e.first_seen, e.last_seen) for e in cl.result_list}
    # E1: c1 (2016-05-10) and c4 (2018-03-01); c8 is on the restricted A4 (2020).
    assert rows["Kim Chaek Iron and Steel Complex"] == (2, datetime.date(2016, 5, 10), datetime.date(2018, 3, 1))
    # E2: c3 only; the draft's claim is not counted.
    assert rows["Chongjin Bag Factory"] == (1, datetime.date(2018, 3, 1), datetime.date(2018, 3, 1))
    assert not any("MARKER" in name for name in rows)
    for term in ("SECRET", "SECRETUNITMARKER", "DRAFT-ENTERPRISE"):
        search = client.get(reverse("admin:registry_enterprise_changelist"), {"q": term}).context["cl"]
        assert list(search.result_list) == []
        found = client.get(reverse("admin:autocomplete"), {"app_label": "registry", "model_name": "claim", "field_name": "enterprise", "term": term})
        assert found.status_code == 200 and found.json()["results"] == []
    page = client.get(reverse("admin:registry_enterprise_change", args=[d.e1.pk])).content.decode()
    assert "SECRETUNITMARKER" not in page and "SECRET-ENTERPRISE-MARKER" not in page and "RESTRICTED" not in page
    assert client.get(reverse("admin:registry_enterprise_change", args=[d.secret.pk])).status_code == 302  # "does not exist"


def test_a_public_articles_form_does_not_name_a_restricted_follow_up(d, client):
    Article.objects.filter(pk=d.a2.pk).update(follow_up_of=d.a4)
    client.force_login(make_user("viewer"))
    page = client.get(reverse("admin:registry_article_change", args=[d.a2.pk])).content.decode()
    assert "RESTRICTED" not in page
    # A coder who cannot see the followed article saves the form without losing the link.
    other = make_user("coder", username="other")
    Article.objects.filter(pk=d.a2.pk).update(follow_up_of=d.draft)
    client.force_login(other)
    page = client.get(reverse("admin:registry_article_change", args=[d.a2.pk])).content.decode()
    assert "DRAFT-TITLE-MARKER" not in page


# ---- 5. drafts were public and counted ----------------------------------------------------

def test_drafts_are_neither_listed_nor_counted_for_the_public(d):
    client = APIClient()
    assert client.get("/api/v1/articles/?status=draft").json()["results"] == []
    assert client.get(f"/api/v1/articles/{d.draft.pk}/").status_code == 404
    assert client.get(f"/api/v1/enterprises/{d.draft_only.pk}/").status_code == 404
    bag = client.get(f"/api/v1/enterprises/{d.e2.pk}/").json()
    assert bag["claim_count"] == 1 and bag["last_seen"] == "2018-03-01"  # not the draft's 2021
    facets = client.get("/api/v1/articles/?facets=status,year").json()["facets"]
    assert {row["value"] for row in facets["status"]} == {"coded", "reviewed"}
    assert 2021 in {row["value"] for row in facets["year"]}  # A5 (reviewed), not the draft alone
    series = compute(parse_params({"regions": "chongjin", "start": "2021", "end": "2021", "metric": "claims"}), user=AnonymousUser())
    assert series.values == {"Chongjin": [0]}
    page = client.get(reverse("enterprise", args=[d.e2.pk])).content.decode()
    assert "DRAFT" not in page


def test_a_draft_is_seen_by_its_coder_reviewers_and_admins_only(d):
    seen = {}
    for who in ("kim", "other coder", "reviewer", "admin"):
        user = d.kim if who == "kim" else make_user(who.split()[-1], username=who.replace(" ", "_"))
        seen[who] = Article.objects.visible_to(user).filter(pk=d.draft.pk).exists()
    assert seen == {"kim": True, "other coder": False, "reviewer": True, "admin": True}
    series = compute(parse_params({"regions": "chongjin", "start": "2021", "end": "2021", "metric": "claims"}), user=d.kim)
    assert series.values == {"Chongjin": [2]}  # both of the draft's claims, for its coder


def test_what_counts_as_published_is_one_setting(d):
    with override_settings(REGISTRY_PUBLISHED_STATUSES=["reviewed"]):
        assert [a["id"] for a in APIClient().get("/api/v1/articles/").json()["results"]] == [d.a5.pk]
        assert not Article.objects.visible_to(AnonymousUser()).filter(pk=d.a1.pk).exists()
    assert Article.objects.visible_to(AnonymousUser()).filter(pk=d.a1.pk).exists()


# ---- 6. smaller ---------------------------------------------------------------------------

def test_follow_up_of_does_not_name_an_article_the_reader_may_not_see(d):
    Article.objects.filter(pk=d.a2.pk).update(follow_up_of=d.a4)
    Article.objects.filter(pk=d.a3.pk).update(follow_up_of=d.a1)
    client = APIClient()
    rows = {row["id"]: row["follow_up_of"] for row in client.get("/api/v1/articles/").json()["results"]}
    assert (rows[d.a2.pk], rows[d.a3.pk]) == (None, d.a1.pk)
    assert client.get(f"/api/v1/articles/{d.a2.pk}/").json()["follow_up_of"] is None
    csv = text(client.get("/api/v1/articles/?format=csv"))
    assert f",{d.a4.pk}," not in csv.splitlines()[[r.split(",")[0] for r in csv.splitlines()].index(str(d.a2.pk))]
    coder = as_user(make_user("coder", username="lee"))
    assert coder.get(f"/api/v1/articles/{d.a2.pk}/").json()["follow_up_of"] == d.a4.pk


def test_a_coders_change_to_a_reviewed_article_or_its_claims_returns_it_to_coded(d):
    reviewer = make_user("reviewer", username="rev")
    coder = as_user(make_user("coder", username="lee"))
    url = f"/api/v1/articles/{d.a5.pk}/"
    Article.objects.filter(pk=d.a5.pk).update(reviewed_by=reviewer)
    response = coder.patch(url, {"summary": "Changed after review."}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 200 and response.json()["status"] == "coded"
    record = Article.objects.get(pk=d.a5.pk).history.latest("history_id")
    assert (record.status, record.reviewed_by_id, record.history_change_reason) == ("coded", None, "returned to coded: changed after review")

    # Reviewed again by a reviewer; then a coder adds a claim to it.
    assert as_user(reviewer).patch(url, {"status": "reviewed"}, format="json", HTTP_IF_MATCH='"v2"').status_code == 200
    response = coder.post("/api/v1/claims/", {"article": d.a5.pk, "enterprise": d.e2.pk, "activity": "operation", "code": 3}, format="json")
    assert response.status_code == 201, response.content
    article = Article.objects.get(pk=d.a5.pk)
    assert (article.status, article.reviewed_by) == ("coded", None)
    assert article.history.latest("history_id").history_change_reason == "returned to coded: changed after review (a claim)"
    # Only a reviewer marks it reviewed.
    response = coder.patch(url, {"status": "reviewed"}, format="json", HTTP_IF_MATCH=f'"v{article.version}"')
    assert response.status_code == 400 and Article.objects.get(pk=d.a5.pk).status == "coded"


def test_an_article_cannot_follow_up_itself(d):
    d.a1.follow_up_of = d.a1
    with pytest.raises(ValidationError) as error:
        d.a1.full_clean()
    assert "follow_up_of" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=d.a1.pk).update(follow_up_of=d.a1.pk)
    response = as_user(make_user("coder", username="lee")).patch(
        f"/api/v1/articles/{d.a1.pk}/", {"follow_up_of": d.a1.pk}, format="json", HTTP_IF_MATCH='"v1"'
    )
    assert response.status_code == 400 and "follow_up_of" in response.json()


def test_no_marker_reaches_the_public_through_these_doors(d):
    client = APIClient()
    for url in ("/api/v1/articles/", "/api/v1/claims/", "/api/v1/enterprises/", f"/api/v1/enterprises/{d.e1.pk}/",
                f"/api/v1/enterprises/{d.child.pk}/", "/api/v1/articles/?format=csv"):
        body = text(client.get(url))
        assert not [m for m in MARKERS + ["DRAFT-"] if m in body], url


def test_an_import_adding_claims_to_a_reviewed_article_returns_it_to_coded(d):
    coder = make_user("coder", username="lee")
    # A5 "Mine resumes output", RS, 2021-02-02, reviewed: the import finds it by source, date and headline.
    row = "RS,2021-02-02,Mine resumes output,Ore output resumed.,Chongjin Bag Factory,4,factory,,Chongjin,operation,3,,,"
    claims_import(data="\n".join([",".join(HEADER), row]), user=coder)
    article = Article.objects.get(pk=d.a5.pk)
    assert (article.status, article.claims.count()) == ("coded", 2)
    assert article.history.latest("history_id").history_change_reason == "returned to coded: changed after review (a claim)"
