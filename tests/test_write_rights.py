"""Who may write what, written out by hand from the roles' jobs (DESIGN.md: coders enter
articles and claims, reviewers also review, delete and merge, viewers read) and checked at
the doors: the API over HTTP, the admin through its own has_*_permission gates.

Nothing here is read from registry/access/permissions.py or registry/access/roles.py: the walk in
test_permission_table.py checks that every door asks the table, this file checks that the
table says what the team agreed. Loosen one entry (a viewer may post a claim) and this fails.
"""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client, RequestFactory, TestCase

from api.models import ApiToken
from registry.models import Article, Claim, Coverage, Enterprise, Source, Story
from registry.access.roles import may_review
from tests.admin_support import make_user
from tests.api_data import build

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "signed_in", "viewer", "coder", "reviewer", "admin")
CODING = {"coder", "reviewer", "admin"}
REVIEWING = {"reviewer", "admin"}
ADMIN_ONLY = {"admin"}
NOBODY = set()

# ---- the API: (route, one row?) -> write method -> who may ------------------------------------
# Every other write method on every route exists for no one (405). Deleting goes through the
# admin, where a deletion is confirmed and kept in the history.
API_WRITES = {
    ("articles", False): {"POST": CODING},
    ("articles", True): {"PUT": CODING, "PATCH": CODING},
    ("claims", False): {"POST": CODING},
    ("claims", True): {"PUT": CODING, "PATCH": CODING},
}
API_ROUTES = [
    (route, detail)
    for route in ("enterprises", "articles", "claims", "places", "industries", "sources", "releases")
    for detail in (False, True)
] + [("timeseries", False), ("root", False)]
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# ---- the admin: model -> action -> who may ----------------------------------------------------
ADMIN_WRITES = {
    Article: {"add": CODING, "change": CODING, "delete": REVIEWING},
    Claim: {"add": CODING, "change": CODING, "delete": CODING},  # a wrong claim is removed from its article
    Enterprise: {"add": CODING, "change": CODING, "delete": REVIEWING},
    Coverage: {"add": CODING, "change": CODING, "delete": REVIEWING},
    Story: {"add": CODING, "change": CODING, "delete": ADMIN_ONLY},
    # Reference data is the admins' alone.
    "registry.location": {"add": ADMIN_ONLY, "change": ADMIN_ONLY, "delete": ADMIN_ONLY},
    "registry.industry": {"add": ADMIN_ONLY, "change": ADMIN_ONLY, "delete": ADMIN_ONLY},
    Source: {"add": ADMIN_ONLY, "change": ADMIN_ONLY, "delete": ADMIN_ONLY},
    # A token is issued and revoked, never edited; by admins only.
    ApiToken: {"add": ADMIN_ONLY, "change": NOBODY, "delete": ADMIN_ONLY},
    User: {"add": ADMIN_ONLY, "change": ADMIN_ONLY, "delete": ADMIN_ONLY},
    # Rounds are drawn by reviewers and never edited or deleted by hand, not even by an admin.
    "registry.agreementround": {"add": REVIEWING, "change": NOBODY, "delete": NOBODY},
    # An enterprise's attribute periods (its timeline) follow the enterprise's own rights.
    "registry.attributeperiod": {"add": CODING, "change": CODING, "delete": REVIEWING},
}


class WriteRights(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.d = build()
        cls.users = {
            "anonymous": None,
            "signed_in": User.objects.create_user("plain", password="pw"),
            "viewer": make_user("viewer"),
            "coder": make_user("coder"),
            "reviewer": make_user("reviewer"),
            "admin": make_user("admin"),
        }

    def setUp(self):
        # One signed-in client per role for the whole walk: signing in once, not per request.
        self.clients = {}
        for role, user in self.users.items():
            self.clients[role] = Client()
            if user is not None:
                self.clients[role].force_login(user)

    def client_for(self, role):
        return self.clients[role]

    def url(self, route, detail):
        if route == "timeseries":
            return "/api/v1/timeseries/"
        if route == "root":
            return "/api/v1/"
        key = {
            "enterprises": self.d.e1.pk, "articles": self.d.a1.pk, "claims": self.d.c1.pk, "places": "chongjin",
            "industries": "metal", "sources": Source.objects.get(short_name="KCNA").pk, "releases": "2026.1",
        }[route]
        return f"/api/v1/{route}/" + (f"{key}/" if detail else "")

    def test_the_api_lets_each_role_write_exactly_what_its_job_needs(self):
        wrong = []
        for route, detail in API_ROUTES:
            url = self.url(route, detail)
            for method in WRITE_METHODS:
                allowed = API_WRITES.get((route, detail), {}).get(method)
                for role in ROLES:
                    with transaction.atomic():
                        status = self.client_for(role).generic(method, url, b"{}", content_type="application/json").status_code
                        transaction.set_rollback(True)
                    if allowed is None:
                        expected = "405"
                    elif role in allowed:
                        expected = "let in"
                    else:
                        expected = "401" if role == "anonymous" else "403"
                    got = "let in" if status not in (401, 403, 404, 405) else str(status)
                    if got != expected:
                        wrong.append(f"{role} {method} {url}: {status}, expected {expected}")
        assert not wrong, "\n".join(wrong)

    def test_the_admin_lets_each_role_write_exactly_what_its_job_needs(self):
        from django.apps import apps

        factory = RequestFactory()
        wrong = []
        for model, actions in ADMIN_WRITES.items():
            model = apps.get_model(model) if isinstance(model, str) else model
            model_admin = admin.site._registry[model]
            for action, allowed in actions.items():
                for role in ROLES[1:]:  # anonymous users never reach the admin's views
                    request = factory.get("/admin/")
                    request.user = self.users[role]
                    may = getattr(model_admin, f"has_{action}_permission")(request)
                    if may != (role in allowed):
                        wrong.append(f"{role} {action} {model._meta.label_lower}: {may}")
        assert not wrong, "\n".join(wrong)

    def test_only_reviewers_review_and_merge_and_coders_import(self):
        factory = RequestFactory()
        enterprises = admin.site._registry[Enterprise]
        for role in ROLES[1:]:
            request = factory.get("/admin/")
            request.user = user = self.users[role]
            assert may_review(user) == (role in REVIEWING), role
            assert enterprises.has_merge_permission(request) == (role in REVIEWING), role
            status = self.client_for(role).get("/admin/registry/article/import/").status_code
            assert status == (200 if role in CODING else 302 if role == "signed_in" else 403), (role, status)

    def test_the_expectations_name_every_registered_writable_model_of_the_registry(self):
        # A new model in the admin must be given its writers here, by hand.
        from django.apps import apps

        named = {apps.get_model(m) if isinstance(m, str) else m for m in ADMIN_WRITES}
        registry_models = {m for m in admin.site._registry if m._meta.app_label == "registry"}
        assert registry_models <= named, sorted(m._meta.label_lower for m in registry_models - named)
