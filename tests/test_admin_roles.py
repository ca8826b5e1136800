"""Roles and the coding workflow: who may set what, and who did, recorded without typing."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from registry.models import Article
from registry.access.roles import ROLES

from .admin_support import make_article, make_user
from .test_admin_articles import article_post

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:registry_article_change", args=[article.pk])


def test_the_roles_exist_with_their_permissions():
    call_command("setup_roles", verbosity=0)  # idempotent over what the migration made
    for name, codenames in ROLES.items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)
    assert "review_article" in ROLES["reviewer"] and "review_article" not in ROLES["coder"]
    assert not any(c.startswith(("add_", "change_", "delete_")) for c in ROLES["viewer"])


@pytest.mark.slow  # migrates a whole SQLite database
def test_migrating_another_database_makes_the_roles_there(settings, tmp_path, monkeypatch):
    """The migrations that make the roles write to the database being migrated: a release's
    SQLite copy (registry/releases/data.py migrates one) gets its own groups, and migrating it
    leaves the live database's alone (they once went to the default database)."""
    import sqlite3

    from registry.releases import data as release_data

    settings.RELEASES_DIR = tmp_path
    monkeypatch.setattr(release_data, "_templates", {})
    Group.objects.all().delete()  # the live database's; the copy's migration must not remake them
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(release_data.template())
    with sqlite3.connect(copy) as db:
        made = dict(db.execute(
            "SELECT g.name, COUNT(p.id) FROM auth_group g LEFT JOIN auth_group_permissions gp ON gp.group_id = g.id "
            "LEFT JOIN auth_permission p ON p.id = gp.permission_id GROUP BY g.name"
        ).fetchall())
    assert made == {name: len(codenames) for name, codenames in ROLES.items()}
    assert not Group.objects.exists()


def test_a_coder_is_refused_when_setting_reviewed(client):
    coder = make_user("coder")
    client.force_login(coder)
    article = make_article("Oxygen furnace completed", status="coded", coded_by=coder)
    response = client.post(change_url(article), article_post(status="reviewed", **{"claims-TOTAL_FORMS": "0"}))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == ["Only a reviewer can set the status reviewed."]
    article.refresh_from_db()
    assert (article.status, article.reviewed_by) == ("coded", None)
    # The choice is not even offered.
    assert "reviewed" not in dict(response.context["adminform"].form.fields["status"].choices)


def test_a_reviewer_marks_reviewed_and_is_recorded(client):
    coder, reviewer = make_user("coder"), make_user("reviewer")
    article = make_article("Oxygen furnace completed", status="coded", coded_by=coder)
    client.force_login(reviewer)
    response = client.post(change_url(article), article_post(status="reviewed", opened_version=1))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.coded_by, article.reviewed_by) == ("reviewed", coder, reviewer)

    # A coder's change to the reviewed article returns it to coded, and its history says why;
    # the reviewer is forgotten until a reviewer marks it again.
    client.force_login(coder)
    response = client.post(change_url(article), article_post(status="reviewed", summary="Corrected.", opened_version=article.version))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.summary, article.status, article.reviewed_by) == ("Corrected.", "coded", None)
    latest = article.history.latest("history_id")
    assert (latest.history_user, latest.history_change_reason) == (coder, "returned to coded: changed after review")


def test_a_viewer_reads_but_changes_nothing(client):
    article = make_article("Oxygen furnace completed")
    client.force_login(make_user("viewer"))
    assert client.get(reverse("admin:registry_article_changelist")).status_code == 200
    assert client.get(reverse("admin:registry_enterprise_changelist")).status_code == 200
    response = client.post(change_url(article), article_post(title="Changed"))
    assert response.status_code == 403
    assert Article.objects.get().title == "Oxygen furnace completed"
    assert client.get(reverse("admin:registry_article_import")).status_code == 403
