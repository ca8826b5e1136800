"""Every word a person reads in Korean mode is Korean: each public page and API error is
rendered under Accept-Language: ko and its visible text (tags, scripts and styles removed,
attributes a reader meets too: title, aria-label, placeholder, alt) may hold no English word
but the allowed ones: proper names and romanizations of the data shown (places, enterprises,
sources, industries, which have no Hangul name in the reference data yet), units and
abbreviations (CSV, API, JSON, ISO), and the English inside lang="en" fragments."""

import html as htmllib
import re

import pytest

from registry.models import Enterprise, Industry, Location, Source
from tests.api_data import build

pytestmark = pytest.mark.django_db
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}

# Abbreviations, formats and the names of things that are names in Korean texts too.
ALLOWED = {
    "CSV", "API", "JSON", "Excel", "ISO", "ISIC", "KCNA", "DNK", "SHA", "YYYY", "NK", "Q1", "Q2", "Q3", "Q4",
    "OpenStreetMap", "ODbL", "Swagger", "OpenAPI", "UTC", "BOM", "Python", "Django", "REST",
    # The method page's scholars and measures (Passonneau's MASI distance).
    "MASI", "Passonneau",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


def machine_values():
    """The values one types in a URL (grade=special, metric=articles): an error may list
    them as the values accepted, and nowhere else may they stand for words."""
    from registry.method import codebook
    from registry.series import params as series_params
    from registry.models import EnterpriseKind, SourceKind

    values = {*codebook.ACTIVITY_GROUPS, *codebook.Activity.values, *codebook.Grade.values, *codebook.Tier.values,
              *EnterpriseKind.values, *SourceKind.values, *series_params.METRICS, *series_params.INTERVALS}
    return {w for v in values for w in WORD.findall(str(v))}


def split_errors(page):
    """(the page without its error list, the error list's text with the reader's own quoted
    input taken out)."""
    match = re.search(r'<div class="errors" id="form-errors".*?</div>', page, re.S)
    if not match:
        return page, ""
    errors = re.sub(r"&#x27;.*?&#x27;|'[^']*'", " ", match.group(0))
    return page.replace(match.group(0), " "), visible_text(errors)


def visible_text(page):
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"https?://\S+", " ", page)  # addresses are not words
    page = re.sub(r'<([a-z0-9]+)[^>]*\blang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)  # marked English
    attributes = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return htmllib.unescape(text + " " + " ".join(attributes))


def proper_names():
    words = set()
    for model in (Location, Enterprise, Source, Industry):
        for name in model.objects.values_list("name", flat=True):
            words.update(WORD.findall(name))
    # Industries have no Hangul name in the reference data yet (fixtures/reference): every
    # industry is named in English in both languages, and typed by its slug (iron-and-steel).
    for name, slug in Industry.objects.values_list("name", "slug"):
        words.update(w.lower() for w in WORD.findall(name))
        words.update(WORD.findall(slug))
    for short in Source.objects.values_list("short_name", flat=True):
        words.update(WORD.findall(short))
    from registry.models import LocationName

    for name in LocationName.objects.values_list("name", flat=True):
        words.update(WORD.findall(name))
    return words


def english_words(text, allowed):
    return sorted({w for w in WORD.findall(text) if w not in allowed and w.strip("'’-") not in allowed})


@pytest.fixture
def d():
    return build()


def pages(d):
    chongjin = Location.objects.get(slug="chongjin")
    return [
        "/", "/enterprises/", "/enterprises/?q=Kim", f"/enterprises/{d.e1.pk}/", f"/places/{chongjin.slug}/",
        "/method/", "/map/", "/compare/", "/compare/?group_by=grade", "/compare/?group_by=tier",
        "/compare/?group_by=region", "/compare/?regions=chongjin&bands=1&max_code=3",
        "/compare/?regions=chongjinn",  # an error beside its field
        "/map/?measure=nothing", "/enterprises/?grade=nothing",
    ]


def test_every_public_page_reads_in_korean(client, d):
    allowed = ALLOWED | proper_names()
    found = {}
    for url in pages(d):
        response = client.get(url, **KO)
        assert response.status_code in (200, 400), url
        page, errors = split_errors(response.content.decode())
        words = english_words(visible_text(page), allowed) + english_words(errors, allowed | machine_values())
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{u}: {w}" for u, w in found.items())


@pytest.mark.parametrize("url", [
    "/api/v1/timeseries/?regions=Chongjn",
    "/api/v1/enterprises/999999/",
    "/api/v1/enterprises/?grade=nothing",
    "/api/v1/nowhere/",
    "/api/v1/timeseries/?format=csv&labels=fr",
])
def test_api_errors_are_json_in_the_requests_language(client, d, url):
    response = client.get(url, **KO)
    assert response.status_code in (400, 404)
    detail = response.json()["detail"]
    assert re.search(r"[\uac00-\ud7a3]", detail), detail
    allowed = ALLOWED | proper_names() | {"Chongjn", "regions", "grade", "nothing", "labels", "format", "csv", "fr", "api", "nowhere", "docs"} | machine_values()
    assert english_words(detail, allowed) == []
