"""An article's whole history: its claims' changes beside each save, people by name, and a
restore that brings the claims back as they were (services.article_restore)."""

import pytest
from django.urls import reverse

from registry.models import Article, Claim
from registry.services import RestoreConflict, article_restore, enterprise_merge

from .admin_support import make_enterprise, make_user, management_form, place
from .test_admin_articles import ADD, article_post

pytestmark = pytest.mark.django_db


def _change(client, article, claims, extra=(), delete=(), **fields):
    """Post the article's change form: `claims` its stored claims with new values, `extra`
    new ones, `delete` stored claims to delete."""
    stored = list(claims) + list(delete)
    data = article_post(opened_version=Article.objects.get(pk=article.pk).version, **fields)
    data.update(management_form("claims", total=len(stored) + len(extra), initial=len(stored)))
    rows = [(c, values) for c, values in claims.items()] + [(c, {"DELETE": "on"}) for c in delete] + [(None, v) for v in extra]
    for i, (claim, values) in enumerate(rows):
        base = {"enterprise": claim.enterprise_id, "activity": claim.activity, "code": claim.code, "detail": claim.detail} if claim else {}
        for name, value in {**base, **values}.items():
            data[f"claims-{i}-{name}"] = value
        if claim:
            data[f"claims-{i}-id"] = claim.pk
            data[f"claims-{i}-article"] = article.pk
    response = client.post(reverse("admin:registry_article_change", args=[article.pk]), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response


@pytest.fixture
def story(client):
    """Kim codes an article with two claims; then, in one save, retitles it, recodes one
    claim, removes the other and adds a third."""
    kim = make_user("coder", username="kim")
    kim.first_name, kim.last_name = "Kim", "Chol"
    kim.save()
    client.force_login(kim)
    steel = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    mine = make_enterprise("Musan Mining Complex", location=place("musan"))
    bags = make_enterprise("Chongjin Bag Factory", location=place("chongjin"))
    response = client.post(ADD, article_post([
        {"enterprise": steel.pk, "activity": "facility", "code": "3", "detail": "furnace"},
        {"enterprise": mine.pk, "activity": "production", "code": "5"},
    ]))
    assert response.status_code == 302
    article = Article.objects.get()
    furnace, ore = article.claims.order_by("id")
    _change(client, article, {furnace: {"code": "2"}}, delete=[ore],
            extra=[{"enterprise": bags.pk, "activity": "operation", "code": "4"}], title="Furnace and bags")
    return {"kim": kim, "article": article, "steel": steel, "mine": mine, "bags": bags}


def test_the_history_shows_each_saves_claim_changes_and_real_names(client, story):
    article = story["article"]
    page = client.get(reverse("admin:registry_article_history", args=[article.pk])).content.decode()
    assert "Deleted user" not in page and "pk=None" not in page
    assert "<strong>coded by:</strong> —&nbsp;&rarr;&nbsp;&nbsp;Kim Chol" not in page  # coded at creation
    assert "added claim: Kim Chaek Iron and Steel Complex — facility, code 3, furnace" in page
    assert "changed claim: Kim Chaek Iron and Steel Complex — facility: code 3 → 2" in page
    assert "removed claim: Musan Mining Complex — production, code 5" in page
    assert "added claim: Chongjin Bag Factory — operation, code 4" in page
    assert "<strong>headline (English):</strong> Oxygen furnace completed&nbsp;&rarr;&nbsp;&nbsp;Furnace and bags" in page
    # the second save's claim changes sit in its row, after its title change
    second = page.index("&nbsp;Furnace and bags</li>")
    assert second < page.index("code 3 → 2") < page.index("removed claim")
    assert page.index("added claim: Kim Chaek") > page.index("removed claim")  # older row below


def test_a_status_change_names_the_reviewer_not_a_deleted_user(client, story):
    article = story["article"]
    reviewer = make_user("reviewer", username="lee")
    reviewer.first_name, reviewer.last_name = "Lee", "Sun"
    reviewer.save()
    client.force_login(reviewer)
    _change(client, article, {c: {} for c in article.claims.all()}, status="reviewed", title="Furnace and bags")
    page = client.get(reverse("admin:registry_article_history", args=[article.pk])).content.decode()
    assert "<strong>reviewed by:</strong> —&nbsp;&rarr;&nbsp;&nbsp;Lee Sun" in page


def test_restoring_the_first_version_restores_its_claims_in_the_admin(client, story):
    article, steel, mine = story["article"], story["steel"], story["mine"]
    first = article.history.order_by("history_id").first()
    revert = reverse("admin:registry_article_simple_history", args=[article.pk, first.history_id])
    page = client.get(revert)
    assert "Historical articles" not in page.content.decode() and ">Articles</a>" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in article_post(opened_version=form.fields["opened_version"].initial).items() if not k.startswith("claims-")}
    response = client.post(revert, data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Oxygen furnace completed"
    claims = {(c.enterprise_id, c.activity): (c.code, c.detail) for c in article.claims.all()}
    assert claims == {(steel.pk, "facility"): (3, "furnace"), (mine.pk, "production"): (5, "")}
    latest = Claim.history.filter(article_id=article.pk).order_by("-history_id").first()
    assert latest.history_user == story["kim"] and latest.history_change_reason.startswith("restored the version of")


def test_a_restore_that_cannot_be_whole_changes_nothing(client, story):
    article, mine = story["article"], story["mine"]
    twin = make_enterprise("Musan Mine Twin")
    enterprise_merge(keep=twin, absorb=mine)  # the first version's ore claim names a deleted enterprise
    first = article.history.order_by("history_id").first()
    before = (Article.objects.get(pk=article.pk).title, sorted(article.claims.values_list("code", flat=True)))
    restored = first.instance
    restored.version = Article.objects.get(pk=article.pk).version
    with pytest.raises(RestoreConflict, match="no longer recorded"):
        article_restore(article=restored, history_id=first.history_id, user=story["kim"])
    after = (Article.objects.get(pk=article.pk).title, sorted(article.claims.values_list("code", flat=True)))
    assert after == before
