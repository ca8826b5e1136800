"""Blind double-coding that stays blind: a round draws coded articles not yet published, so
their first coding is on no public answer, page or release while the round is open; its
second coder, a real coder signing in through the login form, sees the drawn article's
source, date, headline and text on the round's page and nothing of its first coding anywhere
(admin, API, pages), signed in, signed out, and signed in again."""

import datetime
import io
import re
import tempfile
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from registry import services
from registry.releases import files as releases
from registry.importing.rows import ImportFailed
from registry.models import Article, Claim, SecondCoding
from tests.admin_support import PASSWORD, make_article, make_enterprise, make_user, management_form, place

MARKERS = ["FIRST-DETAIL-MARKER", "FIRST-UNIT-MARKER", "FIRST-SUMMARY-MARKER", "FIRST-NOTE-MARKER", "FIRST-ENTERPRISE-MARKER"]
HEADLINE, TEXT = "Drawn headline", "The words of the drawn article"


def sign_in(client, username):
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD, "next": "/admin/"},
                           REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def sign_out(client):
    assert client.post("/admin/logout/").status_code in (200, 302)
    assert "_auth_user_id" not in client.session


def text_of(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", "replace")


class OpenRound(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reviewer, cls.kim = make_user("reviewer"), make_user("coder", username="kim")
        cls.coder = make_user("coder", username="second")  # a real coder: the role's permissions, a password
        cls.e1 = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
        cls.e2 = make_enterprise("Chongjin Bag Factory", location=place("chongjin"), grade="4", kind="factory")
        # Known from a published article: the second coder can name both.
        cls.known = make_article("Known before", coded_by=cls.kim, claims=[(cls.e1, "production", 4), (cls.e2, "operation", 3)],
                                 published=datetime.date(2018, 1, 5))
        # Coded by kim, not yet published: the only article a round can draw here.
        cls.a = make_article(HEADLINE, coded_by=cls.kim, status="draft", summary=MARKERS[2], notes=MARKERS[3], full_text=TEXT)
        # An enterprise the first coder added for this article: its existence is the first coding.
        cls.e3 = make_enterprise("FIRST-ENTERPRISE-MARKER Works", location=place("chongjin"))
        for enterprise, activity, code in ((cls.e1, "facility", 2), (cls.e2, "production", 5), (cls.e3, "construction", 1)):
            services.claim_save(claim=Claim(article=cls.a, enterprise=enterprise, activity=activity, code=code,
                                            detail=MARKERS[0], unit=MARKERS[1], quantity=7), user=cls.kim)
        cls.round = services.round_draw(user=cls.reviewer, size=1, seed=0, second_coder=cls.coder)

    def code_url(self):
        return reverse("admin:registry_agreementround_agreement_code", args=[self.round.pk, self.a.pk])

    def public_urls(self):
        a, e1, e2 = self.a, self.e1, self.e2
        return [
            f"/api/v1/articles/{a.pk}/", "/api/v1/articles/", "/api/v1/articles/?format=csv", "/api/v1/articles/?q=Drawn",
            f"/api/v1/claims/?article={a.pk}", "/api/v1/claims/", "/api/v1/claims/?format=csv", "/api/v1/claims/?format=xlsx",
            f"/api/v1/enterprises/{e1.pk}/", f"/api/v1/enterprises/{e2.pk}/", "/api/v1/enterprises/",
            "/api/v1/timeseries/?metric=claims&regions=chongjin&start=2018&end=2020",
            "/api/v1/timeseries/?metric=claims&regions=chongjin&start=2018&end=2020&format=csv",
            reverse("enterprise", args=[e1.pk]), reverse("enterprise", args=[e2.pk]), reverse("place", args=["chongjin"]),
            reverse("enterprise_list"), "/", reverse("compare") + "?regions=chongjin&metric=claims&start=2018&end=2020",
        ] + [f"/api/v1/claims/{pk}/" for pk in Claim.objects.filter(article=a).values_list("pk", flat=True)]

    def signed_in_urls(self):
        a = self.a
        return self.public_urls() + [
            self.code_url(), reverse("admin:registry_agreementround_change", args=[self.round.pk]),
            reverse("admin:registry_article_change", args=[a.pk]), reverse("admin:registry_article_history", args=[a.pk]),
            reverse("admin:registry_article_changelist") + "?q=Drawn", reverse("admin:registry_claim_changelist") + f"?article__id__exact={a.pk}",
            reverse("admin:registry_enterprise_change", args=[self.e2.pk]),
            reverse("admin:registry_agreementround_agreement_enterprises", args=[self.round.pk]) + "?term=Bag",
        ]

    def leaks(self, client, urls):
        found = []
        for url in urls:
            text = text_of(client.get(url))
            found += [(url, marker) for marker in MARKERS if marker in text]
        return found

    def test_the_round_drew_the_unpublished_article(self):
        assert list(self.round.articles.values_list("article_id", flat=True)) == [self.a.pk]

    def test_the_second_coder_signs_in_out_and_in_and_never_sees_the_first_coding(self):
        client = sign_in(Client(), "second")
        # The round's page: source, date, headline and text, and nothing of the first coding.
        page = text_of(client.get(self.code_url()))
        assert HEADLINE in page and TEXT in page and self.a.source.name in page and "2019" in page
        assert self.leaks(client, self.signed_in_urls()) == []
        # The admin's article page and the API's: the drawn article is not there for them.
        assert client.get(reverse("admin:registry_article_change", args=[self.a.pk])).status_code in (302, 404)
        assert client.get(f"/api/v1/articles/{self.a.pk}/").status_code == 404
        # The enterprise picker offers enterprises known from elsewhere.
        picked = client.get(reverse("admin:registry_agreementround_agreement_enterprises", args=[self.round.pk]) + "?term=Bag").json()
        assert [r["id"] for r in picked["results"]] == [str(self.e2.pk)]
        # Asked for nothing in particular: every enterprise known from elsewhere, by name; not the one
        # known only from the drawn article.
        picked = client.get(reverse("admin:registry_agreementround_agreement_enterprises", args=[self.round.pk])).json()
        assert [r["id"] for r in picked["results"]] == [str(self.e2.pk), str(self.e1.pk)] and picked["pagination"] == {"more": False}
        response = client.post(self.code_url(), {**management_form("coding", total=1), "coding-0-enterprise": self.e3.pk,
                                                  "coding-0-activity": "construction", "coding-0-code": "1", "coding-0-detail": ""})
        assert response.status_code == 200 and not SecondCoding.objects.exists()  # not a choice
        assert not [m for m in MARKERS if m in response.content.decode()]
        sign_out(client)
        # Signed out: the public view, which does not hold unpublished articles.
        assert self.leaks(client, self.public_urls()) == []
        assert HEADLINE not in text_of(client.get("/api/v1/articles/")) and client.get(f"/api/v1/articles/{self.a.pk}/").status_code == 404
        assert client.get(self.code_url()).status_code == 302  # to the login page
        sign_in(client, "second")
        assert self.leaks(client, self.signed_in_urls()) == []
        assert HEADLINE in text_of(client.get(self.code_url()))

    def test_the_public_never_sees_the_drawn_articles_claims(self):
        anonymous = Client()
        assert self.leaks(anonymous, self.public_urls()) == []
        claims = anonymous.get(f"/api/v1/claims/?enterprise={self.e2.pk}").json()
        assert [c["activity"] for c in claims["results"]] == ["operation"]  # the published article's alone

    def test_a_drawn_article_is_not_published_while_its_round_is_open(self):
        article = Article.objects.get(pk=self.a.pk)
        article.status = "coded"
        with pytest.raises(services.WorkflowError, match=f"open agreement round {self.round.pk}"):
            services.article_save(article=article, user=self.kim)
        assert Article.objects.get(pk=self.a.pk).status == "draft"
        # Through the API too: a sentence naming the field, not a 500.
        kim = Client()
        kim.force_login(self.kim)
        version = Article.objects.get(pk=self.a.pk).version
        response = kim.patch(f"/api/v1/articles/{self.a.pk}/", {"status": "coded", "version": version}, content_type="application/json")
        assert response.status_code == 400 and "status" in response.json(), response.content
        services.round_close(user=self.reviewer, round=self.round)
        article = Article.objects.get(pk=self.a.pk)
        article.status = "coded"
        services.article_save(article=article, user=self.kim)
        assert Article.objects.get(pk=self.a.pk).status == "coded"

    @pytest.mark.slow  # makes a release
    def test_a_release_made_while_the_round_is_open_does_not_carry_its_claims(self):
        with tempfile.TemporaryDirectory() as tmp, override_settings(RELEASES_DIR=tmp):
            call_command("make_release", "2026.2", stdout=io.StringIO(), stderr=io.StringIO())
            with zipfile.ZipFile(releases.zip_path("2026.2")) as archive:
                everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                                       if not name.endswith((".png", ".xlsx")))
        assert [m for m in MARKERS if m in everything] == [] and HEADLINE not in everything
        assert "Known before" in everything


@pytest.mark.django_db
def test_an_open_round_on_published_articles_is_not_imported():
    kim, coder = make_user("coder", username="kim"), make_user("coder")
    e1 = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    make_article("Steel Output Up", coded_by=kim, claims=[(e1, "production", 5)], published=datetime.date(2015, 1, 14))
    data = "source,published,title,enterprise,activity,code,detail\nKCNA,2015-01-14,Steel Output Up,Kim Chaek Iron and Steel Complex,production,4,steel\n"
    with pytest.raises(ImportFailed) as failed:
        services.agreement_import(data=data, second_coder=coder)
    assert re.search(r"1 of the articles are published.*--close", failed.value.errors[0])
    assert services.agreement_import(data=data, second_coder=coder, close=True).status == "closed"
