"""The browsable API and the admin's claim rows in the reader's language: DRF's own chrome
(its Korean catalogue, ko_KR, picked up for "ko") and the sentences it left untranslated
(our templates/rest_framework overrides, translated in our catalogue), the page's language
on <html>; the claim inline's fields named by their column's header in that language."""

import re

import pytest
from django.test import Client

from tests.admin_support import make_user
from tests.api_data import build

pytestmark = pytest.mark.django_db
HTML = {"HTTP_ACCEPT": "text/html"}


def page(path, language, client=None):
    response = (client or Client()).get(path, HTTP_ACCEPT_LANGUAGE=language, **HTML)
    assert response.status_code == 200
    return response.content.decode()


def test_the_api_root_in_korean():
    html = page("/api/v1/", "ko")
    assert '<html lang="ko">' in html
    # Ours, not DRF's catalogue (ko_KR, 메인 콘텐츠): LOCALE_PATHS come first.
    assert 'aria-label="메인 콘텐츠"' not in html
    assert 'aria-label="본문"' in html and 'aria-label="응답 정보"' in html and 'aria-label="탐색 막대"' in html
    assert 'aria-label="GET 요청의 형식 지정"' in html
    assert "자원에 GET 요청 보내기" in html
    assert "Make a GET request" not in html and "Specify a format" not in html


def test_the_api_root_in_english():
    html = page("/api/v1/", "en")
    assert '<html lang="en">' in html
    assert 'aria-label="Specify a format for the GET request"' in html
    assert 'aria-label="main content"' in html
    assert "Make a GET request on the" in html


def test_a_list_with_filters_and_pages_in_korean():
    build()
    html = page("/api/v1/places/?page_size=5", "ko")
    assert "<h2>필드 필터</h2>" in html and ">제출</button>" in html  # django-filter's form
    assert '<h4 class="modal-title" id="filters">필터</h4>' in html and 'aria-label="닫기"' in html
    assert 'aria-label="다음 페이지"' in html and 'aria-label="이전 페이지"' in html
    for english in ("Field filters", ">Submit<", "Next page", ">Filters<"):
        assert english not in html


@pytest.mark.parametrize("language, names", [
    ("en", ["Enterprise", "Activity", "Code", "Detail", "Quantity", "Unit"]),
    ("ko", ["기업소", "활동", "코드", "세부 내용", "수량", "단위"]),
])
def test_the_claim_rows_fields_are_named_by_their_columns(client, language, names):
    client.force_login(make_user("coder"))
    html = page("/admin/registry/article/add/", language, client)
    row = {name: re.search(rf'<(?:select|input|textarea)[^>]*name="claims-0-{name}"[^>]*>', html).group(0)
           for name in ("enterprise", "activity", "code", "detail", "quantity", "unit")}
    labels = [re.search(r'aria-label="([^"]*)"', tag).group(1) for tag in row.values()]
    assert labels == names
    # The add form's rows have no delete box; the change form's existing rows do (its own
    # test is the browser's axe run, tests/test_admin_browser_a11y.py).
    assert 'name="claims-0-DELETE"' not in html


def test_drfs_own_korean_catalogue_is_picked_up_for_ko():
    """DRF ships ko_KR, not ko: gettext's lookup for "ko" expands to ko_KR, so its messages
    come in Korean though our catalogue does not carry them."""
    import polib
    from django.conf import settings

    ours = {e.msgid for e in polib.pofile(str(settings.BASE_DIR / "locale" / "ko" / "LC_MESSAGES" / "django.po"))}
    assert "Invalid page." not in ours
    response = Client().get("/api/v1/enterprises/", {"page": 999}, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 404
    assert response.json() == {"detail": "페이지가 유효하지 않습니다."}
    response = Client().get("/api/v1/enterprises/", {"page": 999}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"detail": "Invalid page."}


def test_the_api_roots_heading_and_description_in_the_readers_language():
    html = page("/api/v1/", "ko")
    assert "<h1>등록부 API 첫 화면</h1>" in html and "북한 기업소 등록부의 API, 버전 1." in html
    assert "Registry Api Root" not in html and "enterprise registry's API" not in html
    html = page("/api/v1/", "en")
    assert "<h1>Registry API root</h1>" in html and "<p>The North Korean enterprise registry's API, version 1.</p>" in html
