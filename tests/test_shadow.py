"""Non-disclosure by construction. A registry holding restricted articles, drafts,
enterprises and a parent known only from them, internal notes and full texts - all carrying
marker words - is asked every GET an anonymous user and a viewer can make; then everything
they may not see is removed (the "shadow"), and they ask again. Every answer must be the same,
byte for byte after masking per-request tokens, and no marker may appear anywhere: what a user
may not see does not exist for them, not even as a count, a date, a parent or an id."""

import datetime
import re

import pytest

from django.contrib import admin
from django.test import Client, TestCase
from django.urls import reverse

from registry import services
from registry.models import Article, Claim, Enterprise, EnterpriseAlias, Story, StoryMember
from registry.series.timeseries import GROUP_BYS, INTERVALS, METRICS
from registry.vocabulary import facets
from tests.admin_support import make_user
from tests.api_data import MARKERS, build

# Every GET an anonymous user and a viewer can make, twice: the suite's longest test.
pytestmark = pytest.mark.slow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_text(raw):
    """Every cell of every sheet, a line per row."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
    return "\n".join(repr(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))

EXTRA_MARKERS = ["DRAFT-TITLE-MARKER", "DRAFT-ENTERPRISE-MARKER", "DRAFT-SUMMARY-MARKER", "CHANGED-NOTE-MARKER", "CHANGED-FULLTEXT-MARKER"]
ALL_MARKERS = MARKERS + EXTRA_MARKERS
# Per-request values: CSRF tokens and CSP nonces.
_VOLATILE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), 'name="csrfmiddlewaretoken" value=""'),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
    (re.compile(r"nonce-[A-Za-z0-9+/=_-]+"), "nonce-"),
    (re.compile(r"\b[A-Za-z0-9]{64}\b"), "<csrf>"),  # masked CSRF tokens in scripts and forms
]


def body(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith(XLSX):
        # A workbook's zip carries the moment it was written: compare (and search) its cells.
        raw = xlsx_text(raw).encode()
    text = raw.decode("utf-8", "replace")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return response.status_code, text


class Shadow(TestCase):
    @classmethod
    def setUpTestData(cls):
        d = cls.d = build()
        kim = make_user("coder", username="kim")
        cls.viewer = make_user("viewer")
        # Likely reprints of A1 (other source, 2 days, same enterprise and activity, alike headline):
        # a public one the article's admin page suggests, and a restricted one it must not. Made
        # before the saves below: the data's last-change stamp counts hidden rows too (provenance.py).
        rs = d.a2.source
        d.reprint = Article.objects.create(source=rs, published=datetime.date(2016, 5, 11), title="Oxygen furnace built at the Kim Chaek complex", status="coded")
        Claim.objects.create(article=d.reprint, enterprise=d.e1, activity="facility", code=2)
        d.hidden_reprint = Article.objects.create(
            source=rs, published=datetime.date(2016, 5, 12), title="Oxygen furnace built at Kim Chaek complex RESTRICTED-TITLE-MARKER",
            status="coded", disclosure="restricted")
        Claim.objects.create(article=d.hidden_reprint, enterprise=d.e1, activity="facility", code=2)
        # A draft of kim's: a claim on a public enterprise, one on an enterprise known only from it.
        d.draft = Article.objects.create(
            source=d.a1.source, published=datetime.date(2021, 6, 1), title="DRAFT-TITLE-MARKER", summary="DRAFT-SUMMARY-MARKER",
            status="draft", coded_by=kim,
        )
        d.draft_only = Enterprise.objects.create(name="DRAFT-ENTERPRISE-MARKER Plant", location=d.e2.location, grade="2")
        Claim.objects.create(article=d.draft, enterprise=d.e2, activity="production", code=1)
        Claim.objects.create(article=d.draft, enterprise=d.draft_only, activity="construction", code=1)
        # A public enterprise whose parent is known only from the restricted article.
        d.child = Enterprise.objects.create(name="Public Child Shop", parent=d.secret, location=d.e1.location)
        Claim.objects.create(article=d.a3, enterprise=d.child, activity="operation", code=3)
        # Public articles following up hidden ones, and restricted fields changed in history.
        services.article_save(article=_with(d.a2, follow_up_of=d.a4), user=kim)
        services.article_save(article=_with(d.a3, follow_up_of=d.draft), user=kim)
        services.article_save(article=_with(d.a1, full_text="CHANGED-FULLTEXT-MARKER", notes="CHANGED-NOTE-MARKER"), user=kim)
        services.record_save(instance=_with(d.e1, notes="CHANGED-NOTE-MARKER"), user=kim)
        # A story of a public article and a hidden one: its page and metric=stories see one.
        story = Story.objects.create(title="Reported twice")
        StoryMember.objects.create(story=story, article=d.a1)
        StoryMember.objects.create(story=story, article=d.a4)

    def urls(self):
        """Every GET an anonymous user or a viewer can make of this registry."""
        d = self.d
        hidden_articles = [d.a4, d.draft, d.hidden_reprint]
        hidden_enterprises = [d.secret, d.secret_unit, d.draft_only]
        hidden_claims = [d.c5, d.c8, d.c9, *d.draft.claims.all()]
        articles = list(Article.objects.order_by("pk")) 
        enterprises = list(Enterprise.objects.order_by("pk"))
        claims = list(Claim.objects.order_by("pk"))
        assert set(hidden_articles) <= set(articles) and set(hidden_enterprises) <= set(enterprises)
        assert set(hidden_claims) <= set(claims)
        # 제철, 연합기업소: Korean search inside words and North/South folding (E1's Hangul alias,
        # which the restricted A4 names too).
        terms = ["Kim", "furnace", "제철", "연합기업소", *ALL_MARKERS, "SECRET", "DRAFT", "RESTRICTED"]
        urls = ["/api/v1/", "/api/schema/", "/api/docs/"]
        for route, model, rows in (("enterprises", Enterprise, enterprises), ("articles", Article, articles), ("claims", Claim, claims)):
            base = f"/api/v1/{route}/"
            urls += [base, base + "?format=csv", base + "?format=api", base + "?facets=" + ",".join(facets.available(model))]
            urls += [base + "?format=xlsx", base + "?format=csv&bom=1", f"{base}{rows[0].pk}/?format=xlsx"]
            urls += [base + "?format=dta", f"{base}{rows[0].pk}/?format=dta"]  # Stata: the same bytes for the same data
            urls += [f"{base}{row.pk}/" for row in rows]
            urls += [f"{base}{rows[0].pk}/?format=api"]
            urls += [f"{base}?q={term}" for term in terms]
        orderings = {
            "enterprises": ["name", "grade", "claim_count", "first_seen", "last_seen", "id"],
            "articles": ["published", "title", "claim_count", "id"],
            "claims": ["published", "code", "activity", "enterprise", "id"],
        }
        for route, fields in orderings.items():
            urls += [f"/api/v1/{route}/?ordering={sign}{field}" for field in fields for sign in ("", "-")]
        urls += ["/api/v1/articles/?status=draft", "/api/v1/articles/?disclosure=restricted", "/api/v1/claims/?status=draft",
                 f"/api/v1/claims/?enterprise={d.secret.pk}", f"/api/v1/articles/?enterprise={d.draft_only.pk}",
                 "/api/v1/enterprises/?seen_after=2020", "/api/v1/enterprises/?min_claims=2",
                 "/api/v1/enterprises/?place=chongjin&facets=grade,year"]
        for route in ("places", "industries", "sources"):
            urls.append(f"/api/v1/{route}/")
        urls += ["/api/v1/places/chongjin/", "/api/v1/industries/iron-and-steel/"]
        for metric in METRICS:
            for interval in INTERVALS:
                urls.append(f"/api/v1/timeseries/?metric={metric}&interval={interval}&regions=chongjin,pyongyang&start=2015&end=2022")
            for group_by in GROUP_BYS:
                urls.append(f"/api/v1/timeseries/?metric={metric}&group_by={group_by}&start=2015&end=2022")
        urls += ["/api/v1/timeseries/?regions=chongjin&bands=1&format=csv", "/api/v1/timeseries/?status=draft&regions=chongjin"]
        urls += ["/api/v1/timeseries/?regions=chongjin&bands=1&format=xlsx", "/api/v1/timeseries/?per=all&group_by=tier&format=xlsx",
                 "/api/v1/timeseries/?regions=chongjin&bands=1&format=dta", "/api/v1/timeseries/?per=all&group_by=tier&format=dta",
                 "/api/v1/timeseries/?metric=stories&regions=chongjin&format=csv&bom=1"]
        # Shares: the denominators count every article a user may see, so hidden ones must not move them.
        urls += ["/api/v1/timeseries/?per=all&regions=chongjin,pyongyang&start=2015&end=2022",
                 "/api/v1/timeseries/?per=all&interval=month&group_by=tier&start=2015&end=2022&format=csv",
                 reverse("compare") + "?regions=chongjin&per=all&start=2015&end=2022"]
        # Public pages.
        urls += [reverse("compare"), reverse("compare") + "?regions=chongjin&regions=north-hamgyong&start=2015&end=2022&metric=claims"]
        urls += [reverse("enterprise", args=[e.pk]) for e in enterprises]
        urls += [reverse("home"), reverse("method"), reverse("enterprise_list")]
        urls += [reverse("enterprise_list") + f"?q={term}" for term in terms]
        urls += [reverse("enterprise_list") + f"?ordering={o}" for o in ("name", "-claim_count", "-last_seen", "first_seen", "grade")]
        urls += [reverse("enterprise_list") + q for q in ("?place=chongjin&grade=1", "?activity=investment&max_code=2", "?seen_after=2020", "?industry=iron-and-steel")]
        urls += [reverse("place", args=[slug]) for slug in ("chongjin", "north-hamgyong", "sadong", "pyongyang")]
        for measure in METRICS:
            urls += [reverse("map") + f"?measure={measure}", reverse("map") + f"?measure={measure}&format=csv",
                     reverse("map") + f"?measure={measure}&start=2015&end=2019&start2=2020&end2=2022&activity=investment&max_code=3"]
        # The admin: every page a viewer can open, with every marker searched.
        urls += [reverse("admin:index"), reverse("admin:app_list", args=["registry"])]
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label != "registry":
                continue
            info = model._meta.app_label, model._meta.model_name
            changelist = reverse("admin:%s_%s_changelist" % info)
            urls.append(changelist)
            urls += [f"{changelist}?q={term}" for term in terms]
            rows = {Article: articles, Enterprise: enterprises, Claim: claims}.get(model, [])
            for row in rows:
                urls += [reverse("admin:%s_%s_change" % info, args=[row.pk]), reverse("admin:%s_%s_history" % info, args=[row.pk])]
                for version in model.history.filter(id=row.pk).values_list("history_id", flat=True):
                    urls.append(reverse("admin:%s_%s_simple_history" % info, args=[row.pk, version]))
            for field in model_admin.autocomplete_fields:
                for term in ["", "a", *terms]:
                    urls.append(reverse("admin:autocomplete") + f"?app_label={info[0]}&model_name={info[1]}&field_name={field}&term={term}")
        urls += [reverse("admin:registry_enterprise_changelist") + "?o=" + str(i) for i in range(1, 11)]
        urls += [reverse("admin:registry_article_changelist") + "?o=" + str(i) for i in range(1, 8)]
        urls += [reverse("admin:registry_article_changelist") + "?published__year=2020", reverse("admin:registry_article_changelist") + "?status__exact=draft"]
        return urls

    def ask(self, urls):
        anonymous, viewer = Client(), Client()
        viewer.force_login(self.viewer)
        return {(who, url): body(client.get(url)) for url in urls for who, client in (("anonymous", anonymous), ("viewer", viewer))}

    def make_shadow(self):
        """Remove everything the anonymous user and the viewer may not see, leaving what they may."""
        d = self.d
        # The public stamp's time is put back after: on the way, a hidden enterprise whose
        # claims are gone is briefly public (no claims at all: known_through), a real public
        # change the triggers count, though the end state shows nothing new.
        from registry.models import DataVersion

        changed = DataVersion.objects.get().public_changed
        hidden = [d.a4.pk, d.draft.pk, d.hidden_reprint.pk]
        gone_claims = list(Claim.objects.filter(article__in=hidden).values_list("pk", flat=True))
        Claim.objects.filter(pk__in=gone_claims).delete()
        Article.objects.filter(pk__in=hidden).delete()  # follow-ups SET_NULL
        Enterprise.objects.filter(parent__in=[d.secret.pk]).exclude(pk__in=[d.secret_unit.pk]).update(parent=None)
        gone_enterprises = [d.secret.pk, d.secret_unit.pk, d.draft_only.pk]
        EnterpriseAlias.objects.filter(enterprise__in=gone_enterprises).delete()
        Enterprise.objects.filter(pk__in=gone_enterprises).delete()
        Article.objects.update(full_text="", notes="", text_sha256="")
        Enterprise.objects.update(notes="")
        # Their histories go with them; restricted fields are blanked in the history of the rest.
        Claim.history.filter(id__in=gone_claims).delete()
        Article.history.filter(id__in=hidden).delete()
        Enterprise.history.filter(id__in=gone_enterprises).delete()
        EnterpriseAlias.history.filter(enterprise_id__in=gone_enterprises).delete()
        Article.history.update(full_text="", notes="")
        Article.history.filter(follow_up_of__in=hidden).update(follow_up_of=None)
        Enterprise.history.update(notes="")
        Enterprise.history.filter(parent__in=gone_enterprises).update(parent=None)
        DataVersion.objects.update(public_changed=changed)

    def test_anonymous_users_and_viewers_get_the_same_answers_with_and_without_the_hidden_material(self):
        urls = self.urls()
        full = self.ask(urls)
        # A searched marker is echoed in the search box; anywhere else it is a leak.
        leaks = [(key, m) for key, (_, text) in full.items() for m in ALL_MARKERS if m in text and m not in key[1]]
        assert leaks == [], leaks[:10]
        bad = [(key, status, text[:200]) for key, (status, text) in full.items() if status not in (200, 302, 404)]
        assert bad == [], bad[:5]
        self.make_shadow()
        shadow = self.ask(urls)
        differ = [key for key in full if full[key] != shadow[key]]
        if differ:
            import difflib

            key = differ[0]
            diff = "\n".join(
                line for k in differ[:6]
                for line in list(difflib.unified_diff(full[k][1].splitlines(), shadow[k][1].splitlines(), lineterm=""))[:30]
            )
            raise AssertionError(f"{len(differ)} of {len(full)} answers differ, e.g. {key} ({full[key][0]} vs {shadow[key][0]}):\n{diff}\n{differ[:30]}")
        # Figures for the record: how many answers were compared.
        print(f"\nshadow: {len(full)} answers compared ({len(urls)} URLs x anonymous, viewer)")
        assert len(full) > 800


def _with(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj
