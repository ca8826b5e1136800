"""A small registry for the API tests, built so every expected number can be counted by
hand. Restricted material carries MARKER strings that must never reach an anonymous user.

Anonymous users see articles A1, A2, A3, A5 and claims c1–c4, c6, c7; enterprise
"Secret Works" (known only from the restricted article A4) is hidden.

| article | source | date | status | claims |
| A1 | KCNA | 2016-05-10 | coded | E1 facility 2 (c1), E3 construction 1 (c2) |
| A2 | RS | 2018-03 (month) | coded | E2 production 5 (c3), E1 operation 3 (c4) |
| A3 | DNK | 2019-07-01 | coded | E4 modernization 2 (c6) |
| A4 | KCNA | 2020 (year), RESTRICTED | coded | SECRET construction 1 (c5), E1 technology 4 (c8) |
| A5 | RS | 2021-02-02 | reviewed | E5 production 5 (c7) |

Drafts, hidden from all but their coder, reviewers and admins, are tested in test_trust.py.
"""

import datetime
from types import SimpleNamespace

from django.contrib.auth.models import Permission, User

from registry.models import Article, Claim, Enterprise, EnterpriseAlias, Industry, Location, Source

MARKERS = [
    "RESTRICTED-TITLE-MARKER", "RESTRICTED-KO-MARKER", "RESTRICTED-SUMMARY-MARKER", "FULLTEXT-MARKER",
    "ARTICLE-NOTE-MARKER", "ENTERPRISE-NOTE-MARKER", "SECRET-ENTERPRISE-MARKER", "RESTRICTED-DETAIL-MARKER",
    "SECRET-ALIAS-MARKER", "SECRETUNITMARKER",
]


def build():
    place = {slug: Location.objects.get(slug=slug) for slug in ("chongjin", "sadong", "north-hamgyong")}
    industry = {slug: Industry.objects.get(slug=slug) for slug in ("iron-and-steel", "metal", "leather-and-bags", "chemical", "metal-ore-mining")}
    source = {s.short_name: s for s in Source.objects.all()}

    def enterprise(name, grade, kind, location, industry_, **extra):
        return Enterprise.objects.create(
            name=name, grade=grade, kind=kind, location=place[location], industry=industry[industry_], **extra
        )

    e1 = enterprise("Kim Chaek Iron and Steel Complex", "special", "complex", "chongjin", "iron-and-steel", notes="ENTERPRISE-NOTE-MARKER")
    EnterpriseAlias.objects.create(enterprise=e1, name="김책제철연합기업소")
    EnterpriseAlias.objects.create(enterprise=e1, name="Songjin Steel Works")
    e2 = enterprise("Chongjin Bag Factory", "4", "factory", "chongjin", "leather-and-bags")
    e3 = enterprise("Kim Chaek Coke Plant", "3", "factory", "chongjin", "metal", parent=e1)
    e4 = enterprise("Pyongyang Cosmetics Factory", "2", "factory", "sadong", "chemical")
    e5 = enterprise("Musan Area Mine", "unknown", "mine", "north-hamgyong", "metal-ore-mining")
    secret = enterprise("SECRET-ENTERPRISE-MARKER Works", "1", "factory", "chongjin", "iron-and-steel", parent=e1)
    EnterpriseAlias.objects.create(enterprise=secret, name="SECRET-ALIAS-MARKER")
    # A unit of a complex known only from restricted material: hidden from the complex too.
    secret_unit = enterprise("SECRETUNITMARKER Shop", "5", "factory", "chongjin", "iron-and-steel", parent=e1)

    def article(src, published, title, precision="day", **extra):
        return Article.objects.create(
            source=source[src], published=published, precision=precision, title=title, status=extra.pop("status", "coded"), **extra
        )

    a1 = article(
        "KCNA", datetime.date(2016, 5, 10), "Oxygen furnace built at Kim Chaek complex",
        summary="A new oxygen furnace was completed.", full_text="FULLTEXT-MARKER one", notes="ARTICLE-NOTE-MARKER one",
    )
    a2 = article("RS", datetime.date(2018, 3, 1), "Chongjin bag factory fulfils plan", precision="month", summary="Plan fulfilled.")
    a3 = article("DNK", datetime.date(2019, 7, 1), "Cosmetics line modernized in Pyongyang", summary="Packaging modernized.")
    a4 = article(
        "KCNA", datetime.date(2020, 1, 1), "RESTRICTED-TITLE-MARKER", precision="year", title_ko="RESTRICTED-KO-MARKER",
        summary="RESTRICTED-SUMMARY-MARKER furnace", full_text="FULLTEXT-MARKER two", notes="ARTICLE-NOTE-MARKER two",
        disclosure="restricted",
    )
    a5 = article("RS", datetime.date(2021, 2, 2), "Mine resumes output", summary="Ore output resumed.", status="reviewed")

    def claim(a, e, activity, code, detail=""):
        return Claim.objects.create(article=a, enterprise=e, activity=activity, code=code, detail=detail)

    c1 = claim(a1, e1, "facility", 2, "Oxygen furnace")
    c2 = claim(a1, e3, "construction", 1)
    c3 = claim(a2, e2, "production", 5)
    c4 = claim(a2, e1, "operation", 3)
    c5 = claim(a4, secret, "construction", 1, "RESTRICTED-DETAIL-MARKER one")
    c6 = claim(a3, e4, "modernization", 2)
    c7 = claim(a5, e5, "production", 5)
    c8 = claim(a4, e1, "technology", 4, "RESTRICTED-DETAIL-MARKER two")
    c9 = claim(a4, secret_unit, "operation", 3, "RESTRICTED-DETAIL-MARKER three")
    return SimpleNamespace(
        e1=e1, e2=e2, e3=e3, e4=e4, e5=e5, secret=secret, secret_unit=secret_unit,
        a1=a1, a2=a2, a3=a3, a4=a4, a5=a5,
        c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, c7=c7, c8=c8, c9=c9,
    )


def user_with(username, *codenames, groups=()):
    user = User.objects.create_user(username, password="pw")
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="registry"))
    for group in groups:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return User.objects.get(pk=user.pk)  # fresh: no cached permissions


def ids(response):
    return sorted(row["id"] for row in response.json()["results"])
