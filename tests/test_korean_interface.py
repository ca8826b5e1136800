"""A Korean interface: English by default, Korean for `Accept-Language: ko` or the switcher's
cookie, in the public pages, the admin and the API's messages; data (API keys, CSV headers,
codes, series' group names, a release's codebook) the same in both.

Every message id of ours must have a Korean translation: the strings marked in the code are
extracted here as `makemessages` extracts them (Python calls to gettext and friends, and the
templates through Django's own templatize), without GNU gettext, and compared with
locale/ko/LC_MESSAGES/django.po. A string marked anywhere and left untranslated fails
test_every_message_of_ours_has_a_korean_translation, which lists it."""

import ast
import csv
import functools
import io
import json
import os
import re
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from registry.method.codebook import Activity, Code, codebook_rows, codebook_rows_english
from tests.admin_support import PASSWORD, make_user
from tests.api_data import build

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"
# What `make messages` leaves out (Makefile, MESSAGES_IGNORE), and what makemessages always does.
IGNORED = {".venv", "tests", "tools", "scripts", "docs", "site", "fixtures", "releases", "staticfiles", "artifacts", "ci-reports", "locale", "node_modules"}
# Django's default gettext keywords for Python (makemessages' xgettext call): name -> which
# arguments are (context, singular, plural).
KEYWORDS = {
    "_": (None, 0, None), "gettext": (None, 0, None), "gettext_lazy": (None, 0, None), "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1), "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None), "pgettext_lazy": (0, 1, None), "npgettext": (0, 1, 2), "npgettext_lazy": (0, 1, 2),
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}


def _source_files():
    for folder, subfolders, files in os.walk(ROOT):
        # Pruned, not filtered: .venv alone holds tens of thousands of files.
        subfolders[:] = sorted(d for d in subfolders if d not in IGNORED and not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".html", ".txt")):
                yield Path(folder) / name


def _python_messages(text, where):
    for node in ast.walk(ast.parse(text, filename=str(where))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name not in KEYWORDS:
            continue
        context, singular, plural = KEYWORDS[name]
        args = node.args
        wanted = [i for i in (context, singular, plural) if i is not None]
        if len(args) <= max(wanted) or not all(isinstance(args[i], ast.Constant) and isinstance(args[i].value, str) for i in wanted):
            continue  # a variable, as gettext(calendar.month_name[m]): Django's own catalogue has it
        yield (args[context].value if context is not None else None, args[singular].value,
               args[plural].value if plural is not None else None, f"{where}:{node.lineno}")


def _template_messages(text, where):
    """Django's templatize turns a template into Python-like text (everything but the
    translatable parts blanked out), as makemessages does before it calls xgettext."""
    code = templatize(text, origin=str(where))
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in KEYWORDS or i + 2 >= len(tokens) or tokens[i + 1].string != "(":
            continue
        args, j = [], i + 2
        while j < len(tokens) and tokens[j].string != ")":
            if tokens[j].type == tokenize.STRING:
                args.append(ast.literal_eval(tokens[j].string))
            elif tokens[j].string != ",":
                args.append(None)  # the count of a plural
            j += 1
        context, singular, plural = KEYWORDS[token.string]
        yield (args[context] if context is not None else None, args[singular],
               args[plural] if plural is not None else None, f"{where}:{token.start[0]}")


@functools.cache
def extract():
    """{(context, msgid): (msgid_plural, first place)} for every string of ours marked for translation."""
    found = {}
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        messages = _python_messages(text, where) if path.suffix == ".py" else _template_messages(text, where)
        for context, msgid, plural, place in messages:
            if msgid:
                found.setdefault((context, msgid), (plural, place))
    return found


def _placeholders(text):
    return sorted(re.findall(r"%\([a-z_]+\)[-#0 +]?[0-9.]*[srdfxX]|\{[a-z_]+\}", text))


def test_every_message_of_ours_has_a_korean_translation():
    found = extract()
    assert len(found) > 400  # the extraction itself works (the codebook, the admin, the pages)
    assert (None, "1 established fact") in found and (None, "Cite this record") in found
    catalogue = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(PO)) if not e.obsolete}
    problems = []
    for key, (plural, place) in sorted(found.items(), key=lambda item: item[1][1]):
        entry = catalogue.get(key)
        translations = list(entry.msgstr_plural.values()) if entry is not None and entry.msgid_plural else [entry.msgstr] if entry else []
        if entry is None:
            problems.append(f"not in the .po (run `make messages`; a call inside an f-string is invisible to it): {key[1]!r}  ({place})")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy, not yet checked: {key[1]!r}  ({place})")
        elif not translations or not all(t.strip() for t in translations):
            problems.append(f"no Korean yet: {key[1]!r}  ({place})")
        elif any(_placeholders(t) != _placeholders(entry.msgid) for t in translations):
            problems.append(f"placeholders differ from the English: {key[1]!r} -> {translations[0]!r}  ({place})")
    assert not problems, (
        f"{len(problems)} message(s) of ours without a usable Korean translation in {PO.relative_to(ROOT)}:\n  "
        + "\n  ".join(problems)
    )


def test_the_extraction_finds_what_makemessages_finds():
    """Every entry of the .po (made by makemessages) is found by this test's extraction too,
    so the check above cannot miss a kind of marking (plurals, blocktranslate, contexts)."""
    found = extract()
    stale = [e.msgid for e in polib.pofile(str(PO)) if not e.obsolete and (e.msgctxt, e.msgid) not in found]
    assert stale == [], "in the .po but no longer in the code (run `make messages`): " + repr(stale)


def test_the_compiled_catalogue_is_current_and_speaks_korean():
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime, "run `make install` (scripts/compile_messages.py)"
    with translation.override("ko"):
        assert str(Code.ESTABLISHED.label) == "1 확립된 사실"
        assert translation.gettext("Enterprises") == "기업소"
    with translation.override("en"):
        assert str(Code.ESTABLISHED.label) == "1 established fact"


# ---- pages and the admin ------------------------------------------------------------------

def _text(response):
    return response.content.decode()


def _csv_header(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.django_db
def test_the_public_pages_speak_the_browsers_language(client):
    d = build()
    for url in ("/", reverse("enterprise_list"), reverse("enterprise", args=[d.e1.pk]), reverse("method"),
                reverse("place", args=["chongjin"]), reverse("compare"), reverse("map")):
        english, korean = client.get(url), client.get(url, **KO)
        assert english.status_code == korean.status_code == 200, url
        assert '<html lang="en">' in _text(english) and not HANGUL.search(_text(english).split("<main")[0].replace("한국어", "")), url
        assert '<html lang="ko">' in _text(korean) and "북한 기업소 등록부" in _text(korean), url
        # One copy per language in any cache between us and the reader.
        assert "Accept-Language" in korean["Vary"] and korean["Content-Language"] == "ko", url
    page = _text(client.get(reverse("enterprise", args=[d.e1.pk]), **KO))
    assert "이 기록 인용하기" in page and "특급 (연합기업소, 종합기업소)" in page
    assert "Cite this record" in _text(client.get(reverse("enterprise", args=[d.e1.pk])))
    method = _text(client.get(reverse("method"), **KO))
    assert "건설: " not in method and "새 기업소나 공장의 건설, 준공, 조업" in method  # the codebook's meanings


@pytest.mark.django_db
def test_the_switcher_sets_the_language_cookie_and_goes_back(client):
    home = _text(client.get("/"))
    assert 'action="/i18n/setlang/"' in home and 'value="ko"' in home
    response = client.post(reverse("set_language"), {"language": "ko", "next": "/method/"})
    assert response.status_code == 302 and response["Location"] == "/method/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    # The cookie outranks the browser's Accept-Language.
    assert "방법론" in _text(client.get("/method/", HTTP_ACCEPT_LANGUAGE="en"))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "The method" in _text(client.get("/method/", **KO))
    # A language we do not have, or a next address elsewhere, changes nothing dangerous.
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://example.org/"})
    assert response["Location"] == "/" and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_the_switcher_needs_no_token_so_public_pages_set_no_cookie():
    # A token would give every public page a CSRF cookie, and an answer that sets a cookie is
    # never cached (infra/caching.py); choosing a display language writes no data.
    strict = Client(enforce_csrf_checks=True)
    home = strict.get("/")
    assert not home.cookies and "csrfmiddlewaretoken" not in _text(home)
    response = strict.post(reverse("set_language"), {"language": "ko", "next": "/"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    assert strict.get(reverse("set_language")).status_code == 405  # only POST, as the table says


@pytest.mark.django_db
def test_the_admin_speaks_korean(client):
    d = build()
    login = client.get(reverse("admin:login"), **KO)
    assert "사용자 이름" in _text(login) and 'name="language" value="en"' in _text(login)  # Django's Korean, our switcher
    client.force_login(make_user("coder"))
    form = _text(client.get(reverse("admin:registry_article_add"), **KO))
    for korean in ("기사 추가", "제목 (한글)", "발행일", "공개 여부", "코드…", "활동", "기업소", "language-switcher"):
        assert korean in form, korean
    assert "Add article" in _text(client.get(reverse("admin:registry_article_add")))
    admin = Client()
    admin.force_login(make_user("admin"))
    changelist = _text(admin.get(reverse("admin:registry_enterprise_changelist"), **KO))
    assert "변경할 기업소 선택" in changelist and "선택한 기업소를 하나로 병합…" in changelist
    # Korean dates where the locale says so (Django's Korean formats: when the record was
    # made); a partial date typed by a coder stays as typed, ISO (2016-05-10, 2016-05).
    created = timezone.localtime(d.a1.created_at)
    korean_page = _text(client.get(reverse("admin:registry_article_change", args=[d.a1.pk]), **KO))
    english_page = _text(client.get(reverse("admin:registry_article_change", args=[d.a1.pk])))
    assert f"{created.year}년 {created.month}월 {created.day}일" in korean_page
    assert f"{created:%Y-%m-%d %H:%M}" in english_page
    assert 'value="2016-05-10"' in korean_page and 'value="2016-05-10"' in english_page
    # The import's row errors are Korean too, the column names (data) left as they are.
    upload = io.BytesIO("source,published\nKCNA,2021-02-30\n".encode())
    upload.name = "claims.csv"
    page = _text(client.post(reverse("admin:registry_article_import"), {"file": upload}, **KO))
    assert "<th>행</th><th>열</th><th>값</th><th>문제</th>" in page
    assert "<td>header</td><td>source,published</td><td>빠진 열 title, summary, enterprise" in page


@pytest.mark.django_db
def test_the_api_keeps_its_keys_and_headers_and_translates_its_messages(client):
    build()
    for url in ("/api/v1/enterprises/", "/api/v1/articles/", "/api/v1/claims/", "/api/v1/timeseries/?group_by=grade"):
        english, korean = client.get(url), client.get(url, **KO)
        assert english.status_code == korean.status_code == 200, url

        def keys(value):
            if isinstance(value, dict):
                return {k: keys(v) for k, v in value.items()}
            return [keys(v) for v in value[:1]] if isinstance(value, list) else None

        assert keys(english.json()) == keys(korean.json()), url
        as_csv = url + ("&" if "?" in url else "?") + "format=csv"
        assert _csv_header(client.get(as_csv)) == _csv_header(client.get(as_csv, **KO)), url
    # The series' groups (JSON keys, CSV columns) stay English: "1st grade", not "1급".
    series = client.get("/api/v1/timeseries/?group_by=grade&format=json", **KO).json()
    assert "1st grade" in json.dumps(series) and "1급" not in json.dumps(series)
    # An error: the message in Korean, the parameter's name (machine-readable) as sent.
    error = client.get("/api/v1/enterprises/?grade=zz&colour=red", **KO).json()
    assert set(error["errors"]) == {"grade", "colour"}
    assert "잘못된 질의 매개변수" in error["detail"] and "알 수 없는 매개변수" in " ".join(error["errors"]["colour"])
    assert "Bad query parameter" in client.get("/api/v1/enterprises/?colour=red").json()["detail"]


def test_a_releases_codebook_is_english_whatever_the_language():
    with translation.override("ko"):
        korean_page = list(codebook_rows())
        release = codebook_rows_english()
    with translation.override("en"):
        assert release == list(codebook_rows())
    assert ("activity", "construction", "construction", "new enterprise or factory built, completed, opened", "investment") in release
    assert ("activity", "construction", "construction", "새 기업소나 공장의 건설, 준공, 조업", "investment") in korean_page
    assert [row[:2] for row in korean_page] == [row[:2] for row in release]  # the codes themselves never change
    assert Activity.CONSTRUCTION.value == "construction"


# ---- in a real browser --------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_the_switcher_turns_the_site_and_the_workbench_korean(live_reference, browser):
    """Headless Chromium at 1,366 px: the home page's 한국어 button (a real POST with its CSRF
    token) makes the site Korean, and the coder's article form too; screenshots of both."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser_support import screenshot_path, sign_in

    build()
    make_user("coder")
    wait = WebDriverWait(browser, 10)
    browser.set_window_size(1366, 1000)
    browser.get(live_reference.url + "/")
    wait.until(ec.presence_of_element_located((By.ID, "figures")))
    assert "Published articles" in browser.find_element(By.ID, "figures").text
    browser.find_element(By.CSS_SELECTOR, "form.language-switcher button[value=ko]").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "figures"), "공개된 기사"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    assert "기업소 찾아보기" in browser.find_element(By.CSS_SELECTOR, "ul.doors").text
    browser.save_screenshot(screenshot_path("korean-home-1366.png"))

    # The cookie carries over to the workbench: Django's Korean and ours.
    sign_in(browser, wait, live_reference.url, "coder", PASSWORD)
    browser.get(live_reference.url + "/admin/registry/article/add/")
    wait.until(ec.presence_of_element_located((By.ID, "article_form")))
    assert "기사 추가" in browser.find_element(By.ID, "content").text
    labels = browser.find_element(By.ID, "article_form").text
    assert "제목 (한글)" in labels and "발행일" in labels
    browser.set_window_size(1366, 1300)
    browser.save_screenshot(screenshot_path("korean-admin-article-form-1366.png"))
