"""Inter-coder agreement rounds: a reproducible (stratified) draw, who may draw and code,
blind second coding through every door, alpha of a round by hand, adjudication through the
claim services, the report command, the release table and the CSV import."""

import csv
import datetime
import io
import json
import random
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse

from registry.method import agreement_rounds
from registry.stored import evidence
from registry.releases import files as release_files
from registry import services
from registry.importing.rows import ImportFailed
from registry.models import Adjudication, AgreementRound, Article, Claim, RoundStatus, SecondCoding
from tests.admin_support import make_article, make_enterprise, make_user, management_form, place, source


def _articles(spec, coder=None, enterprise=None):
    """{(short_name, year): n} -> articles coded by `coder` (one claim on `enterprise`), not
    yet published: what a round draws."""
    made = []
    for (short_name, year), n in spec.items():
        for i in range(n):
            made.append(make_article(f"{short_name} {year} no. {i}", source=source(short_name), status="draft",
                                     published=datetime.date(year, 3, 1 + i), coded_by=coder,
                                     claims=[(enterprise, "production", 3)] if enterprise else ()))
    return made


def _drawn(round):
    return sorted(round.articles.values_list("article_id", flat=True))


class Drawing(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.reviewer, cls.coder, cls.kim = make_user("reviewer"), make_user("coder"), make_user("coder", username="kim")
        e = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
        cls.made = _articles({("KCNA", 2019): 12, ("RS", 2019): 6, ("RS", 2020): 2}, coder=cls.kim, enterprise=e)
        # Never drawn: a published article (its first coding is public), a draft not coded yet
        # (no claim), and an article the second coder coded first.
        cls.published = make_article("Published", coded_by=cls.kim, claims=[(e, "production", 3)])
        cls.draft = make_article("A draft", status="draft", coded_by=cls.kim)
        cls.own = make_article("The coder's own", status="draft", coded_by=cls.coder, claims=[(e, "production", 3)])

    def draw(self, **options):
        options = {"user": self.reviewer, "size": 6, "seed": 7, "second_coder": self.coder, **options}
        return services.round_draw(**options)

    def test_the_same_seed_over_the_same_articles_draws_the_same_sample(self):
        first, again, other = self.draw(), self.draw(), self.draw(seed=8)
        assert _drawn(first) == _drawn(again)
        # Exactly random.Random(seed).sample over the candidates in id order.
        candidates = sorted(a.pk for a in self.made)
        assert _drawn(first) == sorted(random.Random(7).sample(candidates, 6))
        assert _drawn(other) == sorted(random.Random(8).sample(candidates, 6)) != _drawn(first)

    def test_published_articles_uncoded_drafts_and_the_second_coders_own_are_never_drawn(self):
        everything = self.draw(size=20)
        assert _drawn(everything) == sorted(a.pk for a in self.made)
        with pytest.raises(ValidationError) as error:
            self.draw(size=21)
        assert "size" in error.value.message_dict and "20" in error.value.message_dict["size"][0]

    def test_strata_get_proportional_shares_by_largest_remainder(self):
        by_both = self.draw(size=10, by_source=True, by_year=True)
        counts = {}
        for stratum in by_both.articles.values_list("stratum", flat=True):
            counts[stratum] = counts.get(stratum, 0) + 1
        # 12, 6 and 2 of 20 articles: 10 * 12/20, 10 * 6/20, 10 * 2/20.
        assert counts == {"KCNA 2019": 6, "RS 2019": 3, "RS 2020": 1}
        # By source, 7 of 20: KCNA 4.2, RS 2.8 -> 4 and 2, and the one left to RS (.8 > .2).
        by_source = self.draw(size=7, by_source=True)
        kcna = set(a.pk for a in self.made[:12])
        assert len(set(_drawn(by_source)) & kcna) == 4 and len(_drawn(by_source)) == 7
        # Each stratum drawn in key order from one generator: reproducible too.
        assert _drawn(by_source) == _drawn(self.draw(size=7, by_source=True))

    def test_bad_input_names_the_field_and_writes_nothing(self):
        for options, field in (({"size": 0}, "size"), ({"seed": -1}, "seed"), ({"second_coder": make_user("viewer")}, "second_coder")):
            with pytest.raises(ValidationError) as error:
                self.draw(**options)
            assert field in error.value.message_dict
        assert AgreementRound.objects.count() == 0

    def test_a_coder_cannot_draw(self):
        with pytest.raises(PermissionDenied):
            self.draw(user=self.coder)
        client = Client()
        client.force_login(self.coder)
        assert client.get(reverse("admin:registry_agreementround_add")).status_code == 403
        assert client.post(reverse("admin:registry_agreementround_add"), {"size": 3, "seed": 1, "second_coder": self.coder.pk}).status_code == 403
        assert AgreementRound.objects.count() == 0

    def test_a_reviewer_draws_in_the_admin(self):
        client = Client()
        client.force_login(self.reviewer)
        response = client.post(reverse("admin:registry_agreementround_add"),
                               {"size": 4, "seed": 3, "second_coder": self.coder.pk, "by_year": "on"})
        round = AgreementRound.objects.get()
        assert response.status_code == 302 and response.url == reverse("admin:registry_agreementround_change", args=[round.pk])
        assert (round.size, round.seed, round.by_year, round.created_by) == (4, 3, True, self.reviewer)
        assert len(_drawn(round)) == 4
        # Too many: the form says so, nothing is drawn.
        response = client.post(reverse("admin:registry_agreementround_add"), {"size": 999, "seed": 3, "second_coder": self.coder.pk})
        assert response.status_code == 200 and "Only 20 coded, unpublished articles" in response.content.decode()
        assert AgreementRound.objects.count() == 1


class Coding(TestCase):
    """Two articles coded by kim; `coder` second-codes them."""

    @classmethod
    def setUpTestData(cls):
        cls.reviewer, cls.coder, cls.kim = make_user("reviewer"), make_user("coder"), make_user("coder", username="kim")
        cls.other = make_user("coder", username="other")
        cls.e1 = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
        cls.e2 = make_enterprise("Chongjin Bag Factory", location=place("chongjin"), grade="4", kind="factory")
        cls.a = make_article("Steel and bags", coded_by=cls.kim, status="draft", claims=[(cls.e1, "production", 5), (cls.e2, "facility", 2)])
        cls.b = make_article("A new shop", coded_by=cls.kim, status="draft", claims=[(cls.e1, "construction", 1)], published=datetime.date(2020, 5, 2))
        # The enterprises are known from a published article too: the second coder can name them.
        make_article("Known before", coded_by=cls.kim, claims=[(cls.e1, "operation", 3), (cls.e2, "operation", 3)],
                     published=datetime.date(2014, 1, 2))
        cls.round = services.round_draw(user=cls.reviewer, size=2, seed=1, second_coder=cls.coder)

    def drawn(self, article):
        return self.round.articles.get(article=article)

    def code(self, article, rows, user=None):
        return services.second_coding_save(user=user or self.coder, drawn=self.drawn(article), codings=[
            {"enterprise": e.pk, "activity": activity, "code": code, "detail": detail} for e, activity, code, detail in rows])

    def code_both(self):
        self.code(self.a, [(self.e1, "production", 5, "steel"), (self.e2, "facility", 3, "a line")])
        self.code(self.b, [(self.e1, "construction", 1, ""), (self.e2, "operation", 3, "staff meeting")])

    def test_only_the_assigned_coder_codes_and_only_while_open(self):
        for user in (self.other, self.reviewer, self.kim):
            with pytest.raises(PermissionDenied):
                self.code(self.a, [(self.e1, "production", 5, "")], user=user)
        client = Client()
        client.force_login(self.other)
        url = reverse("admin:registry_agreementround_agreement_code", args=[self.round.pk, self.a.pk])
        assert client.get(url).status_code == 403
        assert SecondCoding.objects.count() == 0
        self.code(self.a, [(self.e1, "production", 5, "")])
        services.round_close(user=self.reviewer, round=self.round)
        with pytest.raises(ValidationError, match="closed"):
            self.code(self.a, [(self.e1, "production", 4, "")])
        assert list(SecondCoding.objects.values_list("code", flat=True)) == [5]

    def test_bad_units_name_the_row_and_write_nothing(self):
        with pytest.raises(ValidationError, match="Row 2: the code is a number from 1 to 5"):
            self.code(self.a, [(self.e1, "production", 5, ""), (self.e2, "facility", 9, "")])
        with pytest.raises(ValidationError, match="Row 2 repeats"):
            self.code(self.a, [(self.e1, "production", 5, ""), (self.e1, "production", 4, "")])
        assert SecondCoding.objects.count() == 0 and not self.drawn(self.a).coded_at

    def test_the_second_coder_codes_on_the_rounds_page(self):
        client = Client()
        client.force_login(self.coder)
        url = reverse("admin:registry_agreementround_agreement_code", args=[self.round.pk, self.a.pk])
        page = client.get(url).content.decode()
        assert "Steel and bags" in page
        data = {**management_form("coding", total=2), "coding-0-enterprise": self.e1.pk, "coding-0-activity": "production",
                "coding-0-code": "5", "coding-0-detail": "steel", "coding-1-enterprise": "", "coding-1-activity": "",
                "coding-1-code": "", "coding-1-detail": ""}
        response = client.post(url, data)
        assert response.status_code == 302
        assert list(SecondCoding.objects.values_list("enterprise", "activity", "code", "detail", "coder")) == [
            (self.e1.pk, "production", 5, "steel", self.coder.pk)]
        assert self.drawn(self.a).coded_at is not None
        # Claims are untouched: the second coding is a table of its own.
        assert sorted(Claim.objects.filter(article=self.a).values_list("code", flat=True)) == [2, 5]

    def test_alpha_of_a_round_by_hand(self):
        self.code_both()
        found = agreement_rounds.results(self.round)
        # The code (ordinal): units (a,e1,production) 5/5, (a,e2,facility) 2/3, (b,e1,construction)
        # 1/1, (b,e2,operation) -/3 (one value: not pairable). Values 1,1,2,3,5,5: n = 6, n1 = 2,
        # n2 = n3 = 1, n5 = 2. Ordinal distances (sum of the marginals from c to k less half the
        # ends, squared): d(1,2) = 2.25, d(1,3) = 6.25, d(1,5) = 16, d(2,3) = 1, d(2,5) = 6.25,
        # d(3,5) = 2.25. Do = (1 + 1) / 6; De = 2 * (2*2.25 + 2*6.25 + 4*16 + 1 + 2*6.25 + 2*2.25)
        # / (6 * 5) = 198/30. alpha = 1 - (2/6) / (198/30) = 1 - 10/198 = 94/99.
        assert found["all"]["code"]["alpha"] == round(94 / 99, 3) == 0.949
        assert found["all"]["units"] == 4 and found["articles"] == 2
        # The activity (nominal) over article x enterprise: production/production, facility/
        # facility, construction/construction, none/operation. n = 8: Do = 2/8; De = (64 - (4 +
        # 4 + 4 + 1 + 1)) / 56 = 50/56; alpha = 1 - 14/50 = 0.72 (MASI: every disagreement here is
        # a disjoint pair, distance 1, so the same). The verdict reads the interval's lower bound:
        # resampling the 2 articles, a quarter of the resamples are b twice: construction x 4,
        # none x 2, operation x 2, Do sum 4, De sum 64 - 24 = 40, alpha = 1 - 7 x 4 / 40 = 0.3,
        # the 2.5th percentile: unreliable, whatever the point estimate says.
        assert found["all"]["activity"]["alpha"] == 0.72 and found["all"]["activity"]["interval"] == (0.3, 1.0)
        assert found["all"]["activity"]["verdict"] == "unreliable"
        assert found["all"]["code"]["units"] == 3 and found["all"]["code"]["one_coder_only"] == {"first": 0, "second": 1}
        assert found["all"]["activity"]["units"] == 4
        low, high = found["all"]["code"]["interval"]
        assert low <= 0.949 <= high
        assert [(p["first_coder"], p["second_coder"], p["articles"]) for p in found["pairs"]] == [("kim", "coder", 2)]
        assert found["pairs"][0]["code"] == found["all"]["code"]

    def test_an_article_not_yet_second_coded_is_not_measured(self):
        self.code(self.a, [(self.e1, "production", 5, ""), (self.e2, "facility", 2, "")])
        found = agreement_rounds.results(self.round)
        assert found["articles"] == 1 and found["all"]["units"] == 2 and found["all"]["disagreements"] == []

    def test_adjudication_changes_the_claims_through_the_services_with_history(self):
        self.code_both()
        with pytest.raises(ValidationError, match="Close round"):
            services.adjudicate(user=self.reviewer, round=self.round, article=self.a, enterprise=self.e2, activity="facility", outcome="second")
        services.round_close(user=self.reviewer, round=self.round)
        self.round.refresh_from_db()
        before = agreement_rounds.results(self.round)["all"]
        assert [(d["article"], d["enterprise"], d["activity"], d["first"], d["second"]) for d in agreement_rounds.disagreements(self.round)] == [
            (self.a.pk, self.e2.pk, "facility", (2, ""), (3, "a line")),
            (self.b.pk, self.e2.pk, "operation", None, (3, "staff meeting")),
        ]
        with pytest.raises(PermissionDenied):
            services.adjudicate(user=self.coder, round=self.round, article=self.a, enterprise=self.e2, activity="facility", outcome="second")
        with pytest.raises(ValidationError, match="not a disagreement"):
            services.adjudicate(user=self.reviewer, round=self.round, article=self.a, enterprise=self.e1, activity="production", outcome="second")

        client = Client()
        client.force_login(self.reviewer)
        url = reverse("admin:registry_agreementround_agreement_adjudicate", args=[self.round.pk])
        page = client.get(reverse("admin:registry_agreementround_change", args=[self.round.pk])).content.decode()
        assert "0.949" in page and "0.72" in page and "staff meeting" in page
        assert client.post(url, {"article": self.a.pk, "enterprise": self.e2.pk, "activity": "facility", "outcome": "second"}).status_code == 302
        services.adjudicate(user=self.reviewer, round=self.round, article=self.b, enterprise=self.e2, activity="operation", outcome="second")

        changed = Claim.objects.get(article=self.a, enterprise=self.e2, activity="facility")
        assert (changed.code, changed.detail) == (3, "a line")
        record = changed.history.first()
        assert record.history_user == self.reviewer and record.history_change_reason == f"adjudicated in agreement round {self.round.pk}"
        added = Claim.objects.get(article=self.b, enterprise=self.e2, activity="operation")
        assert added.code == 3 and added.history.first().history_type == "+"
        assert list(Adjudication.objects.values_list("outcome", "decided_by")) == [("second", self.reviewer.pk)] * 2
        with pytest.raises(ValidationError, match="settled already"):
            services.adjudicate(user=self.reviewer, round=self.round, article=self.b, enterprise=self.e2, activity="operation", outcome="first")
        # The round is measured against the claims as they stood when it closed.
        assert agreement_rounds.results(self.round)["all"] == before

    def test_the_report_command(self):
        self.code_both()
        out = io.StringIO()
        call_command("agreement_report", "--format", "json", stdout=out)
        rows = json.loads(out.getvalue())
        assert [(r["round"], r["first_coder"], r["second_coder"], r["units"], r["alpha_code"], r["alpha_activity"]) for r in rows] == [
            (self.round.pk, "kim", "coder", 4, 0.949, 0.72), (self.round.pk, "all", "coder", 4, 0.949, 0.72)]
        out = io.StringIO()
        call_command("agreement_report", "--round", str(self.round.pk), stdout=out)
        assert re.search(r"kim\s+coder\s+2\s+4\s+4\s+0\.949 \[", out.getvalue())
        out = io.StringIO()
        call_command("agreement_report", "--format", "csv", stdout=out)
        assert out.getvalue().splitlines()[0].startswith("round,status,first_coder,second_coder,articles,units,activity_units,alpha_code")
        with pytest.raises(Exception, match="no agreement round 999"):
            call_command("agreement_report", "--round", "999", stdout=io.StringIO())

    @pytest.mark.slow  # makes and loads a release
    def test_the_release_carries_closed_rounds_over_public_articles(self):
        self.code_both()
        services.round_close(user=self.reviewer, round=self.round)
        Article.objects.filter(pk__in=[self.a.pk, self.b.pk]).update(status="coded")  # published once closed
        # A restricted article of the sample leaves the released measure.
        Article.objects.filter(pk=self.b.pk).update(disclosure="restricted")
        import tempfile
        from django.test import override_settings

        with tempfile.TemporaryDirectory() as tmp, override_settings(RELEASES_DIR=tmp):
            call_command("make_release", "2026.1", stdout=io.StringIO(), stderr=io.StringIO())
            with open(release_files.release_path("2026.1") / "data/agreement.csv", encoding="utf-8") as f:
                lines = f.read().splitlines()
            with open(release_files.release_path("2026.1") / "data/codings.csv", encoding="utf-8") as f:
                codings = list(csv.DictReader(f))
            with open(release_files.release_path("2026.1") / "datapackage.json", encoding="utf-8") as f:
                package = json.load(f)
        # Article a alone: (e1, production) 5/5 and (e2, facility) 2/3: ordinal over 5,5,2,3.
        expected = agreement_rounds.agreement.compare({(1, 1, "p"): 5, (1, 2, "f"): 2}, {(1, 1, "p"): 5, (1, 2, "f"): 3}, seed=1)
        assert lines[0].startswith("round,drawn,closed,articles,units,activity_units,alpha_code,")
        row = lines[1].split(",")
        assert row[0] == str(self.round.pk) and row[3:6] == ["1", "2", "2"]
        assert row[6] == str(expected["code"]["alpha"])
        assert "kim" not in "\n".join(lines) and "coder" not in lines[1]
        # The two codings of the public article a, the coders anonymised: b (restricted) is not there.
        e1, e2 = sorted([self.e1.pk, self.e2.pk])
        assert [(r["round"], r["article_id"], r["enterprise_id"], r["enterprise_unit"], r["activity"], r["coder"], r["code"]) for r in codings] == [
            (str(self.round.pk), str(self.a.pk), str(e1), "1", "production", "A", "5"),
            (str(self.round.pk), str(self.a.pk), str(e2), "2", "facility", "A", "2"),
            (str(self.round.pk), str(self.a.pk), str(e1), "1", "production", "B", "5"),
            (str(self.round.pk), str(self.a.pk), str(e2), "2", "facility", "B", "3"),
        ]
        described = {r["name"]: r for r in package["resources"]}["codings"]["schema"]
        assert [f["name"] for f in described["fields"]] == ["round", "article_id", "enterprise_id", "enterprise_unit", "activity", "coder", "code"]
        # Alpha from the release alone: the codings' rows through compare(), seeded with the
        # round's seed, give the agreement table's figures, intervals included.
        by_coder = {"A": {}, "B": {}}
        for r in codings:
            by_coder[r["coder"]][(int(r["article_id"]), int(r["enterprise_unit"]), r["activity"])] = int(r["code"])
        again = agreement_rounds.agreement.compare(by_coder["A"], by_coder["B"], seed=self.round.seed)
        released = dict(zip(lines[0].split(","), lines[1].split(",")))
        for measure, column in (("code", "alpha_code"), ("activity", "alpha_activity")):
            low, high = again[measure]["interval"] or ("", "")
            assert (released[column], released[column + "_low"], released[column + "_high"]) == (
                str(again[measure]["alpha"]), str(low), str(high)), measure
        # By hand: values 2, 3, 5, 5 (n = 4); ordinal distances d(2,3) = 1, d(2,5) = 6.25, d(3,5) =
        # 2.25; observed 2 x 1, expected 2 x (1 + 2 x 6.25 + 2 x 2.25) = 36: 1 - 3 x 2 / 36 = 5/6.
        assert released["alpha_code"] == str(round(5 / 6, 3)) == "0.833" and released["code_verdict"] == again["code"]["verdict"]


class Blind(TestCase):
    """Everything the second coder can ask about a drawn article while the round is open,
    compared with the same questions once its first coding is gone: the same answers."""

    MARKERS = ["FIRST-CODING-DETAIL-MARKER", "FIRST-CODING-UNIT-MARKER", "FIRST-CODING-SUMMARY-MARKER", "FIRST-CODING-NOTE-MARKER"]

    @classmethod
    def setUpTestData(cls):
        cls.reviewer, cls.coder, cls.kim = make_user("reviewer"), make_user("coder"), make_user("coder", username="kim")
        cls.e1 = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
        cls.e2 = make_enterprise("Chongjin Bag Factory", location=place("chongjin"), grade="4", kind="factory")
        # Drawn: coded, not yet published (services.round_draw), its summary and notes the first coding too.
        cls.a = make_article("Drawn article", coded_by=cls.kim, status="draft", summary=cls.MARKERS[2], notes=cls.MARKERS[3],
                             full_text="What the article says")
        for enterprise, activity, code in ((cls.e1, "facility", 2), (cls.e2, "production", 5)):
            services.claim_save(claim=Claim(article=cls.a, enterprise=enterprise, activity=activity, code=code,
                                            detail=cls.MARKERS[0], quantity=12345, unit=cls.MARKERS[1]), user=cls.kim)
        # Both enterprises are known from a published article too (one known only from the
        # drawn article does not exist for its second coder; without its claims it would).
        cls.other = make_article("Another article", coded_by=cls.kim, claims=[(cls.e1, "production", 5), (cls.e2, "operation", 3)],
                                 published=datetime.date(2018, 1, 5))
        cls.round = AgreementRound.objects.create(size=1, seed=0, second_coder=cls.coder, created_by=cls.reviewer)
        cls.round.articles.create(article=cls.a)

    def urls(self):
        a, e1, e2 = self.a, self.e1, self.e2
        claims = list(Claim.objects.filter(article=a).values_list("pk", flat=True))
        urls = [
            reverse("admin:registry_article_change", args=[a.pk]), reverse("admin:registry_article_history", args=[a.pk]),
            reverse("admin:registry_article_changelist"), reverse("admin:registry_article_changelist") + "?q=Drawn",
            reverse("admin:registry_claim_changelist"), reverse("admin:registry_claim_changelist") + f"?article__id__exact={a.pk}",
            reverse("admin:registry_claim_add"),
            reverse("admin:registry_enterprise_change", args=[e1.pk]), reverse("admin:registry_enterprise_changelist"),
            reverse("admin:registry_agreementround_change", args=[self.round.pk]),
            reverse("admin:registry_agreementround_agreement_code", args=[self.round.pk, a.pk]),
            "/api/v1/claims/", f"/api/v1/claims/?article={a.pk}", "/api/v1/claims/?format=csv", "/api/v1/claims/?q=Kim",
            "/api/v1/articles/?q=Kim", "/api/v1/articles/?q=Bag", "/api/v1/articles/?q=Cheongjin", "/api/v1/articles/?q=Kimchaek", f"/api/v1/articles/?enterprise={e2.pk}",
            f"/api/v1/enterprises/?min_claims=1", "/api/v1/enterprises/?facets=grade,year",
            f"/api/v1/articles/{a.pk}/", "/api/v1/articles/", "/api/v1/articles/?format=csv",
            f"/api/v1/enterprises/{e1.pk}/", f"/api/v1/enterprises/{e2.pk}/", "/api/v1/enterprises/",
            "/api/v1/timeseries/?metric=claims&regions=chongjin&start=2018&end=2020",
            "/api/v1/timeseries/?metric=articles&group_by=tier&start=2018&end=2020",
            reverse("enterprise", args=[e1.pk]), reverse("enterprise", args=[e2.pk]), reverse("place", args=["chongjin"]),
        ]
        for version in Article.history.filter(id=a.pk).values_list("history_id", flat=True):
            urls.append(reverse("admin:registry_article_simple_history", args=[a.pk, version]))
        for pk in claims:
            urls += [reverse("admin:registry_claim_change", args=[pk]), reverse("admin:registry_claim_history", args=[pk]), f"/api/v1/claims/{pk}/"]
        for model, field in (("claim", "enterprise"), ("claim", "article"), ("article", "follow_up_of")):
            for term in ("", "Kim", "Drawn", "Bag"):
                urls.append(reverse("admin:autocomplete") + f"?app_label=registry&model_name={model}&field_name={field}&term={term}")
        return urls

    def ask(self, urls):
        client = Client()
        client.force_login(self.coder)
        answers = {}
        for url in urls:
            response = client.get(url)
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            text = raw.decode("utf-8", "replace")
            text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
            text = re.sub(r'nonce="[^"]+"|nonce-[A-Za-z0-9+/=_-]+|\b[A-Za-z0-9]{64}\b', "", text)
            answers[url] = (response.status_code, text)
        return answers

    def test_the_second_coder_never_receives_the_first_coding(self):
        urls = self.urls()
        blind = self.ask(urls)
        leaks = [(url, m) for url, (_, text) in blind.items() for m in self.MARKERS if m in text]
        assert leaks == []
        # The round's page gives them the article: source, date, headline and text, nothing else.
        page = blind[reverse("admin:registry_agreementround_agreement_code", args=[self.round.pk, self.a.pk])][1]
        assert "Drawn article" in page and "What the article says" in page
        # Anywhere else the drawn article does not exist for them.
        assert blind[f"/api/v1/articles/{self.a.pk}/"][0] == 404
        # The shadow: the first coding gone (its history too); the round still open.
        claims = list(Claim.objects.filter(article=self.a).values_list("pk", flat=True))
        Claim.objects.filter(pk__in=claims).delete()
        Claim.history.filter(id__in=claims).delete()
        evidence.rebuild()  # the stored public evidence as it would be without them
        shadow = self.ask(urls)
        differ = [url for url in urls if blind[url] != shadow[url]]
        assert differ == [], differ
        assert all(status in (200, 302, 403, 404) for status, _ in blind.values())

    def test_the_second_coder_cannot_write_claims_on_it(self):
        with pytest.raises(services.WorkflowError, match="open agreement round"):
            services.claim_save(claim=Claim(article=self.a, enterprise=self.e1, activity="facility", code=3), user=self.coder)
        with pytest.raises(services.WorkflowError):
            services.article_save(article=Article.objects.get(pk=self.a.pk), user=self.coder)
        client = Client()
        client.force_login(self.coder)
        response = client.post("/api/v1/claims/", {"article": self.a.pk, "enterprise": self.e1.pk, "activity": "facility", "code": 3},
                               content_type="application/json")
        assert response.status_code == 400 and "FIRST" not in response.content.decode()
        assert Claim.objects.filter(article=self.a).count() == 2

    def test_closing_the_round_lifts_the_blind_and_others_always_see(self):
        kim = Client()
        kim.force_login(self.kim)
        assert self.MARKERS[0] in kim.get(f"/api/v1/articles/{self.a.pk}/").content.decode()
        services.round_close(user=self.reviewer, round=self.round)
        Article.objects.filter(pk=self.a.pk).update(status="coded")  # published once the round closed
        client = Client()
        client.force_login(self.coder)
        assert self.MARKERS[0] in client.get(f"/api/v1/articles/{self.a.pk}/").content.decode()

    def test_a_reviewer_second_coding_is_blind_too_and_sees_no_results(self):
        round = AgreementRound.objects.create(size=1, seed=0, second_coder=self.reviewer, created_by=self.reviewer)
        round.articles.create(article=self.other)
        assert Claim.objects.visible_to(self.reviewer).filter(article=self.other).count() == 0
        # Not even its summary: the article itself is not there for them but on the round's page.
        assert not Article.objects.visible_to(self.reviewer).filter(pk=self.other.pk).exists()
        client = Client()
        client.force_login(self.reviewer)
        page = client.get(reverse("admin:registry_agreementround_change", args=[round.pk])).content.decode()
        assert "agreement-results" not in page and "agreement-disagreements" not in page


@pytest.mark.django_db
def test_a_round_imported_from_csv_all_or_nothing():
    kim, coder = make_user("coder", username="kim"), make_user("coder")
    e1 = make_enterprise("Kim Chaek Iron and Steel Complex", location=place("chongjin"))
    make_article("Steel Output Up", coded_by=kim, claims=[(e1, "production", 5)], published=datetime.date(2015, 1, 14))
    good = "source,published,title,enterprise,activity,code,detail\nKCNA,2015-01-14,Steel Output Up,Kim Chaek Iron and Steel Complex,production,4,steel\n"
    bad = good + "KCNA,2015-01-15,No Such Headline,Kim Chaek Iron and Steel Complex,production,9,x\n"
    with pytest.raises(ImportFailed) as failed:
        services.agreement_import(data=bad, second_coder=coder)
    assert failed.value.errors == ["line 3: title: no article 'No Such Headline' of KCNA on 2015-01-15"]
    assert AgreementRound.objects.count() == 0
    round = services.agreement_import(data=good, second_coder=coder, close=True)
    assert round.status == RoundStatus.CLOSED and list(SecondCoding.objects.values_list("code", flat=True)) == [4]
    assert services.agreement_import(data=good, second_coder=coder, close=True) == round  # imported again: nothing new
    assert agreement_rounds.results(round)["all"]["disagreements"] == [{"unit": (round.articles.get().article_id, e1.pk, "production"), "first": 5, "second": 4}]
