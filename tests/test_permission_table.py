"""The permission table (registry/access/permissions.py), walked: every API route, every admin URL
and every public page × every method × every role, each answer's status computed from the
table alone, and for every write that is not let through, a checksum of every table in the
database before and after. If a door stops asking the table, or the table stops describing a
door, this fails."""

import datetime
import hashlib
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.template.response import SimpleTemplateResponse
from django.test import Client, TestCase
from django.urls import get_resolver, reverse
from django.utils import timezone

from api.models import ApiToken
from api.urls import router
from registry.models import AgreementRound, AttributePeriod, Coverage, Industry, Location, Release, Source, Story
from registry.access.permissions import (
    ADMIN, ADMIN_VIEWS, API, EVERYONE, METHODS, PAGES, ROLES, SAFE, admin_requirement, admin_view_kind, api_requirement,
    satisfied,
)
from tests.admin_support import make_user
from tests.api_data import build

WRITES = [m for m in METHODS if m not in SAFE]
# An allowed request with an empty body: what each method answers once let in.
API_ALLOWED = {"GET": 200, "HEAD": 200, "OPTIONS": 200, "POST": 400, "PUT": 428, "PATCH": 428, "DELETE": 204}
# Claims carry no version: an empty PUT is incomplete, an empty PATCH changes nothing.
API_ALLOWED_CLAIMS = {**API_ALLOWED, "PUT": 400, "PATCH": 200}

_CHECKSUM_SQL = None


def _checksum_sql():
    global _CHECKSUM_SQL
    if _CHECKSUM_SQL is None:
        parts = []
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                if table.startswith("registry_article_fts"):
                    continue  # SQLite's FTS5 index of the articles (registry/articles/search.py): derived from them
                q = connection.ops.quote_name(table)
                if connection.vendor == "postgresql":
                    parts.append(f"SELECT '{table}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {q} x")
                else:
                    cols = [connection.ops.quote_name(c.name) for c in connection.introspection.get_table_description(cursor, table)]
                    row = " || ',' || ".join(f"quote({c})" for c in cols)
                    parts.append(f"SELECT '{table}', group_concat(r, '|') FROM (SELECT {row} AS r FROM {q} ORDER BY rowid)")
        _CHECKSUM_SQL = " UNION ALL ".join(parts)
    return _CHECKSUM_SQL


def checksum():
    """{table: digest of all its rows}, for every table in the database, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_checksum_sql())
        return {table: hashlib.md5((digest or "").encode()).hexdigest() for table, digest in cursor.fetchall()}


def rows_written():
    """Rows inserted, updated or deleted so far on this connection, in any table (SQLite's
    total_changes(); PostgreSQL's counters for the current transaction): read before and
    after each write request, it catches a single row written and put back. A checksum of
    every table (above) is cheap enough only once per walk, around all of its requests."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(pg_stat_get_xact_tuples_inserted(c.oid) + pg_stat_get_xact_tuples_updated(c.oid)"
                " + pg_stat_get_xact_tuples_deleted(c.oid)), 0) FROM pg_class c WHERE c.relkind = 'r'"
            )
        else:
            cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0]


class Walk(TestCase):
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
        assert tuple(cls.users) == ROLES
        cls.token = ApiToken.objects.create(user=cls.users["coder"])
        cls.release = Release.objects.create(
            name="2026.1", created_at=timezone.now(), codebook_version="1", checksum="0" * 64, zip_sha256="0" * 64, zip_size=0,
        )
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        kw = {"user_agent": "x", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*", "path_info": "/admin/login/"}
        cls.objects = {
            "registry.article": cls.d.a1, "registry.claim": cls.d.c1, "registry.enterprise": cls.d.e1,
            "registry.location": Location.objects.get(slug="chongjin"), "registry.industry": Industry.objects.get(slug="metal"),
            "registry.source": Source.objects.get(short_name="KCNA"), "api.apitoken": cls.token,
            "auth.user": cls.users["coder"], "auth.group": Group.objects.get(name="viewer"),
            "axes.accessattempt": AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **kw),
            "axes.accesslog": AccessLog.objects.create(**kw),
            "axes.accessfailurelog": AccessFailureLog.objects.create(locked_out=False, **kw),
            "registry.coverage": Coverage.objects.create(
                source=Source.objects.get(short_name="KCNA"), start=datetime.date(2015, 1, 1), end=datetime.date(2015, 12, 31)),
            "registry.story": Story.objects.create(title="One event"),
            "registry.attributeperiod": AttributePeriod.objects.create(
                enterprise=cls.d.e1, attribute="grade", value="1", valid_to=datetime.date(2001, 12, 31), source="Yearbook"),
            # Second-coded by the coder: its coding page is theirs alone.
            "registry.agreementround": AgreementRound.objects.create(size=1, seed=1, second_coder=cls.users["coder"]),
        }
        # Not a1 (the walk's article): the coder codes it blind, so its claims are hidden from them.
        cls.objects["registry.agreementround"].articles.create(article=cls.d.a2)

    def setUp(self):
        self.clients = {}
        for role, user in self.users.items():
            client = Client()
            if user is not None:
                client.force_login(user)
            self.clients[role] = client
        self.wrong = []
        self.requests = 0
        self.checksum = checksum()

    def call(self, role, method, url, expected, body=b"", content_type="application/json", refused=None):
        """One request; a refused write must leave every table as it was. `refused` says whether
        the table refuses it (default: the answer is 302 to sign in, 401, 403, 404 or 405)."""
        before = rows_written() if method in WRITES else None
        with transaction.atomic():  # a write let in (an empty admin form of lockouts) is undone
            response = self.clients[role].generic(method, url, body, content_type=content_type)
            written = before is not None and rows_written() != before
            transaction.set_rollback(True)
        self.requests += 1
        if response.status_code != expected:
            self.wrong.append(f"{role} {method} {url}: {response.status_code}, table says {expected}")
        if refused is None:
            refused = expected in (302, 401, 403, 404, 405)
        if written and refused:
            self.wrong.append(f"{role} {method} {url}: refused with {response.status_code} but WROTE to the database")
        return response

    def finish(self, at_least):
        assert not self.wrong, "\n".join(self.wrong)
        assert checksum() == self.checksum, "a table changed during the walk"
        assert self.requests >= at_least
        print(f"\n{self._testMethodName}: {self.requests} requests")

    # ---- the API --------------------------------------------------------------------------

    def api_urls(self):
        d = self.d
        detail = {
            "enterprises": d.e1.pk, "articles": d.a1.pk, "claims": d.c1.pk, "places": "chongjin",
            "industries": "metal", "sources": Source.objects.get(short_name="KCNA").pk,
            "releases": self.release.name,
        }
        special = {"timeseries": "/api/v1/timeseries/", "method": "/api/v1/method/", "suggestions": "/api/v1/suggestions/", "root": "/api/v1/", "schema": "/api/schema/", "docs": "/api/docs/"}
        for route, kinds in API.items():
            for kind in kinds:
                if route in special:
                    yield route, kind, special[route]
                else:
                    yield route, kind, f"/api/v1/{route}/" + (f"{detail[route]}/" if kind == "detail" else "")

    @pytest.mark.slow  # thousands of requests
    def test_every_api_route_answers_every_method_and_role_as_the_table_says(self):
        # The table names every route the router serves.
        assert {prefix for prefix, _, _ in router.registry} <= set(API)
        for route, kind, url in self.api_urls():
            for method in METHODS:
                need = api_requirement(route, kind, method)
                for role, user in self.users.items():
                    if need is None:
                        expected = 405
                    elif satisfied(user, need):
                        expected = (API_ALLOWED_CLAIMS if route == "claims" else API_ALLOWED)[method]
                    else:
                        expected = 401 if user is None else 403
                    self.call(role, method, url, expected, b"{}" if method in WRITES else b"")
        self.finish(at_least=len(list(self.api_urls())) * len(METHODS) * len(ROLES))

    def test_anonymous_writes_are_refused_everywhere(self):
        for route, kinds in API.items():
            for kind, methods in kinds.items():
                for method, need in methods.items():
                    assert method in SAFE or (need != EVERYONE and not satisfied(None, need)), (route, kind, method)
        for views in (ADMIN_VIEWS, PAGES):
            for name, methods in views.items():
                # Signing in and out, and choosing a language (a cookie, no row written).
                if name not in ("login", "logout", "set_language"):
                    assert all(m in SAFE or need != EVERYONE for m, need in methods.items()), name

    # ---- the admin ------------------------------------------------------------------------

    def admin_urls(self):
        """(kind, model label or None, url) for every admin view of every registered model."""
        yield "index", None, reverse("admin:index")
        for app in sorted({m._meta.app_label for m in admin.site._registry}):
            yield "app_list", app, reverse("admin:app_list", args=[app])
        for model, model_admin in admin.site._registry.items():
            label, info = model._meta.label_lower, (model._meta.app_label, model._meta.model_name)
            obj = self.objects[label]
            yield "changelist", label, reverse("admin:%s_%s_changelist" % info)
            yield "add", label, reverse("admin:%s_%s_add" % info)
            for kind in ("change", "delete", "history"):
                yield kind, label, reverse(f"admin:%s_%s_{kind}" % info, args=[obj.pk])
            if hasattr(model, "history"):
                version = model.history.filter(id=obj.pk).values_list("history_id", flat=True).first()
                yield "history_version", label, reverse("admin:%s_%s_simple_history" % info, args=[obj.pk, version])
            for field in model_admin.autocomplete_fields:
                target = model._meta.get_field(field).related_model._meta.label_lower
                query = f"?app_label={info[0]}&model_name={info[1]}&field_name={field}&term=a"
                yield "autocomplete", target, reverse("admin:autocomplete") + query
        yield "import", "registry.article", reverse("admin:registry_article_import")
        round = self.objects["registry.agreementround"]
        yield "agreement_code", "registry.agreementround", reverse("admin:registry_agreementround_agreement_code", args=[round.pk, self.d.a2.pk])
        yield "agreement_enterprises", "registry.agreementround", reverse("admin:registry_agreementround_agreement_enterprises", args=[round.pk])
        yield "agreement_close", "registry.agreementround", reverse("admin:registry_agreementround_agreement_close", args=[round.pk])
        yield "agreement_adjudicate", "registry.agreementround", reverse("admin:registry_agreementround_agreement_adjudicate", args=[round.pk])
        yield "link_story", "registry.article", reverse("admin:registry_article_link_story", args=[self.d.a1.pk])
        yield "jsi18n", None, reverse("admin:jsi18n")
        yield "password_change", None, reverse("admin:password_change")
        yield "password_change_done", None, reverse("admin:password_change_done")

    def admin_expected(self, role, kind, label, method):
        allowed = ADMIN_VIEWS[kind]
        if method not in allowed:
            return 405
        user = self.users[role]
        if user is None or not user.is_staff:
            return 302  # to the sign-in page
        action = allowed[method]
        if kind == "app_list":
            # An app the user may see nothing of is a 404 in Django's admin.
            return 200 if any(satisfied(user, admin_requirement(m, "view")) for m in ADMIN if m.startswith(label + ".")) else 404
        if action is None:
            return 200
        may = satisfied(user, admin_requirement(label, action))
        if action == "view":  # Django: seeing also follows from changing
            may = may or satisfied(user, admin_requirement(label, "change"))
        if kind in ("agreement_code", "agreement_enterprises"):  # the table's right, and the round's own second coder
            may = may and user == self.objects[label].second_coder
        if kind in ("agreement_close", "agreement_adjudicate") and may:
            return 302  # back to the round's page, saying what was done (or why not)
        return 200 if may else 403

    @pytest.mark.slow  # thousands of requests
    def test_every_admin_url_answers_every_method_and_role_as_the_table_says(self):
        # Every named admin URL is a view kind of the table.
        names = []

        def collect(patterns, namespace=None):
            for pattern in patterns:
                if hasattr(pattern, "url_patterns"):
                    collect(pattern.url_patterns, pattern.namespace or namespace)
                elif namespace == "admin" and pattern.name:
                    names.append(pattern.name)

        collect(get_resolver().url_patterns)
        assert [n for n in names if admin_view_kind(n) is None] == []
        assert {m._meta.label_lower for m in admin.site._registry} <= set(ADMIN)

        urls = list(self.admin_urls())
        # The answer's status is decided before its template is drawn; drawing a thousand admin
        # pages would only make this slow (test_shadow and the admin tests draw them).
        with mock.patch.object(SimpleTemplateResponse, "rendered_content", new_callable=mock.PropertyMock, return_value=""):
            for kind, label, url in urls:
                for method in METHODS:
                    for role in ROLES:
                        expected = self.admin_expected(role, kind, label, method)
                        if kind == "link_story" and expected == 200:
                            expected = 400  # let in, an empty POST names no reprint to link
                        # A close or an adjudication let in answers 302 too, and may write.
                        refused = False if kind in ("agreement_close", "agreement_adjudicate") and expected == 302 and self.users[role] is not None and self.users[role].is_staff else None
                        self.call(role, method, url, expected, content_type="application/x-www-form-urlencoded", refused=refused)
        self.finish(at_least=len(urls) * len(METHODS) * len(ROLES))

    def test_admin_actions_ask_the_table(self):
        d = self.d
        changelist = reverse("admin:registry_enterprise_changelist")
        for action, need, body in (
            ("delete_selected", admin_requirement("registry.enterprise", "delete"), f"action=delete_selected&_selected_action={d.e4.pk}"),
            ("merge_enterprises", admin_requirement("registry.enterprise", "merge"),
             f"action=merge_enterprises&_selected_action={d.e4.pk}&_selected_action={d.e5.pk}"),
        ):
            for role, user in self.users.items():
                staff = user is not None and user.is_staff
                response = self.call(role, "POST", changelist, 200 if staff else 302, body.encode(), "application/x-www-form-urlencoded")
                # Let in: the confirmation page. Refused: the list again, "no action selected".
                confirms = any("confirmation" in t.name or "merge" in t.name for t in response.templates if t.name)
                if confirms != (staff and satisfied(user, need)):
                    self.wrong.append(f"{role} {action}: confirmation page {confirms}")
        self.finish(at_least=12)

    def test_signing_in_and_out(self):
        assert self.clients["anonymous"].get(reverse("admin:login")).status_code == 200
        assert self.clients["viewer"].get(reverse("admin:login")).status_code == 302  # already in
        assert self.clients["anonymous"].put(reverse("admin:login")).status_code == 405
        assert self.clients["viewer"].get(reverse("admin:logout")).status_code == 405
        assert self.clients["viewer"].post(reverse("admin:logout")).status_code == 200

    # ---- public pages ---------------------------------------------------------------------

    @pytest.mark.slow  # thousands of requests
    def test_every_public_page_answers_every_method_and_role_as_the_table_says(self):
        urls = {
            "home": reverse("home"), "compare": reverse("compare"), "enterprise": reverse("enterprise", args=[self.d.e1.pk]),
            "enterprise_list": reverse("enterprise_list"), "place": reverse("place", args=["chongjin"]), "method": reverse("method"),
            "map": reverse("map"), "set_language": reverse("set_language"),
        }
        assert set(urls) == set(PAGES)
        # Let in, the language switcher answers with a redirect back (and a cookie).
        allowed = {"set_language": 302}
        for name, url in urls.items():
            for method in METHODS:
                need = PAGES[name].get(method)
                for role, user in self.users.items():
                    expected = 405 if need is None else (allowed.get(name, 200) if satisfied(user, need) else 403)
                    self.call(role, method, url, expected, b"language=ko" if method in WRITES else b"",
                              content_type="application/x-www-form-urlencoded", refused=need is None or not satisfied(user, need))
        self.finish(at_least=len(urls) * len(METHODS) * len(ROLES))
