"""History in the admin: every change to an article, claim or enterprise, with who and when,
and a changed value restored."""

import pytest
from django.urls import reverse

from registry.models import Article

from .admin_support import make_article, make_enterprise, make_user
from .test_admin_articles import article_post

pytestmark = pytest.mark.django_db


def _history_table(page):
    start = page.index('<table id="change-history"')
    return page[start:page.index("</table>", start)]


@pytest.mark.parametrize("model", ["article", "claim", "enterprise"])
def test_history_pages_name_the_user(client, model):
    # The change is recorded as made by one person and the page read by another: the name
    # must come from the history row, not from the page header's "Welcome, …".
    coder = make_user("coder", username="coder-pak")
    client.force_login(make_user("reviewer", username="reviewer-ri"))
    kim_chaek = make_enterprise("Kim Chaek Iron and Steel Complex")
    article = make_article("Oxygen furnace completed", claims=[(kim_chaek, "facility", 2)])
    obj = {"article": article, "claim": article.claims.get(), "enterprise": kim_chaek}[model]
    url = reverse(f"admin:registry_{model}_history", args=[obj.pk])
    page = client.get(url).content.decode()
    table = _history_table(page)
    assert "coder-pak" not in table and "Created" in table  # no user recorded yet
    obj.history.update(history_user=coder)
    page = client.get(url).content.decode()
    table = _history_table(page)
    assert "coder-pak" in table and "Created" in table and "reviewer-ri" not in table


def test_a_changed_title_is_restored_from_history(client):
    coder = make_user("coder")
    client.force_login(coder)
    client.post(reverse("admin:registry_article_add"), article_post(title="Original headline"))
    article = Article.objects.get()
    change = reverse("admin:registry_article_change", args=[article.pk])
    assert client.post(change, article_post(title="Mistyped headline", opened_version=1)).status_code == 302
    original = article.history.order_by("history_id").first()
    assert original.history_user == coder

    revert = reverse("admin:registry_article_simple_history", args=[article.pk, original.history_id])
    form = client.get(revert).context["adminform"].form
    assert form.initial["title"] == "Original headline"
    data = article_post(title="Original headline", opened_version=form.fields["opened_version"].initial)
    assert data["opened_version"] == 2  # the version stored now, not the old one shown
    data = {k: v for k, v in data.items() if not k.startswith("claims-")}
    assert client.post(revert, data).status_code == 302
    article.refresh_from_db()
    assert article.title == "Original headline"
    assert article.history.count() == 3
