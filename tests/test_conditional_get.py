"""Conditional GET and the answers cache (infra/caching.py, registry/stored/dataversion.py).

Anonymous reads answer an ETag made of the data version, 304 while it holds; every kind of
write, through the services, moves the version (database triggers, at COMMIT on PostgreSQL:
those tests commit for real); a stored answer is served without the view until a write;
signed-in requests and token requests are never stored nor served from the store."""

import datetime
import re
import threading
import time

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from infra import caching
from registry.stored import dataversion, version_triggers
from registry import services
from registry.models import Article, Claim, Enterprise, Location
from tests.admin_support import make_user
from tests.api_data import build

ON = override_settings(REGISTRY_ETAGS=True, REGISTRY_CACHE_SECONDS=60)
TAG = re.compile(r'^"d(\d+)-[0-9a-f]{12}"$')


@pytest.fixture(autouse=True)
def _clean_cache():
    caches["answers"].clear()
    yield
    caches["answers"].clear()


@pytest.fixture
def d(db):
    return build()


def version_of(response):
    match = TAG.match(response["ETag"])
    assert match, response.get("ETag")
    return int(match.group(1))


@ON
def test_an_anonymous_read_answers_an_etag_and_a_304_while_nothing_changed(client, d):
    first = client.get("/api/v1/enterprises/")
    assert first.status_code == 200
    assert version_of(first) == dataversion.current(public=True)
    assert "Accept-Language" in first["Vary"] and "Cookie" in first["Vary"]
    assert first["Cache-Control"] == "no-cache"
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/api/v1/enterprises/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    # The view did not run: one read of the version, nothing else.
    assert [q["sql"] for q in queries] == ["SELECT public_number FROM registry_dataversion WHERE id = 1"]
    # Another URL, format or language is another answer with another tag.
    tags = {
        first["ETag"],
        client.get("/api/v1/enterprises/?place=chongjin").get("ETag"),
        client.get("/api/v1/enterprises/", HTTP_ACCEPT_LANGUAGE="ko").get("ETag"),
        client.get("/api/v1/enterprises/", HTTP_ACCEPT="text/csv").get("ETag"),
    }
    assert len(tags) == 4
    assert client.get("/api/v1/enterprises/?place=chongjin", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@ON
def test_public_pages_and_csv_exports_answer_304_too(client, d):
    for url in ("/", "/enterprises/", f"/enterprises/{d.e1.pk}/", "/api/v1/claims/?format=csv", "/api/v1/timeseries/?regions=chongjin"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, url
        assert client.head(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, url


@ON
def test_errors_and_a_records_own_etag_are_left_alone(client, d):
    missing = client.get("/api/v1/enterprises/999999/")
    assert missing.status_code == 404 and not missing.has_header("ETag")
    assert client.get("/api/v1/enterprises/?grade=nonsense").status_code == 400
    detail = client.get(f"/api/v1/enterprises/{d.e1.pk}/")
    assert version_of(detail) >= 1  # anonymous: the public answer's ETag, not the record's version
    assert "version" not in detail.json() and "updated_at" not in detail.json()
    client.force_login(make_user("coder", "kim"))
    detail = client.get(f"/api/v1/enterprises/{d.e1.pk}/")
    assert detail["ETag"] == f'"v{d.e1.version}"'  # the record's version, for If-Match
    assert detail.json()["version"] == d.e1.version


@ON
@pytest.mark.django_db(transaction=True)
def test_every_kind_of_write_moves_the_version_and_public_ones_the_etag():
    call_command("load_reference", verbosity=0)  # a transactional test starts from an empty database
    d = build()
    coder, reviewer = make_user("coder", "kim"), make_user("reviewer", "lee")
    client = Client()
    url = "/api/v1/claims/"
    seen = [client.get(url)["ETag"]]
    versions = [dataversion.current()]

    def written(what, public=True):
        # The public totals the stamp shows, kept by the triggers, are what a count finds.
        counted = {
            "articles": Article.objects.public().count(), "enterprises": Enterprise.objects.visible_to(None).count(),
            "claims": Claim.objects.public().count(),
        }
        assert dataversion.public_state()[1] == counted, what
        assert dataversion.current() > versions[-1], f"{what}: the full version did not move"
        versions.append(dataversion.current())
        response = client.get(url, HTTP_IF_NONE_MATCH=seen[-1])
        if not public:
            assert response.status_code == 304, f"{what}: the public version moved"
            return
        assert response.status_code == 200, f"{what}: still 304"
        assert int(TAG.match(response["ETag"]).group(1)) > int(TAG.match(seen[-1]).group(1)), what
        assert response["ETag"] not in seen, what
        seen.append(response["ETag"])
        assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304, f"{what}: unstable"

    services.claim_save(claim=Claim(article=d.a1, enterprise=d.e4, activity="production", code=2), user=coder)
    written("claim added")
    claim = Claim.objects.get(article=d.a1, enterprise=d.e4)
    claim.code = 3
    services.claim_save(claim=claim, user=coder)
    written("claim changed")
    services.claim_delete(claim=Claim.objects.get(pk=claim.pk), user=coder)
    written("claim deleted")
    article = Article.objects.get(pk=d.a2.pk)
    article.disclosure = "restricted"
    services.article_save(article=article, user=reviewer)
    written("article made restricted (it leaves the public's view)")
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2022, 1, 1), title="Draft", status="draft")
    written("draft written (the full version moves, the public one does not)", public=False)
    draft.status = "coded"
    services.article_save(article=draft, user=coder)
    written("draft coded")
    services.enterprise_merge(keep=Enterprise.objects.get(pk=d.e3.pk), absorb=Enterprise.objects.get(pk=d.e2.pk), user=reviewer)
    written("enterprises merged")
    place = Location.objects.get(slug="chongjin")
    place.latitude = 41.8
    services.record_save(instance=place, user=reviewer)
    written("place changed")
    services.claims_import(
        data="source,published,title,summary,enterprise,grade,kind,industry,location,activity,code,detail,quantity,unit\n"
        "KCNA,2023-03-03,New bag line,,Kim Chaek Coke Plant,3,factory,metal,Chongjin,production,1,,,\n",
        user=coder,
    )
    written("claims imported")
    Enterprise.objects.filter(pk=d.e4.pk).update(notes="bulk")  # no signal, no service: the trigger still sees it
    written("queryset update of an internal note", public=False)
    Enterprise.objects.filter(pk=d.e4.pk).update(products="bulk")
    written("queryset update of a public field")
    Claim.objects.filter(article=d.a5).delete()
    written("queryset delete")
    Article.objects.filter(pk=d.a1.pk).update(status="draft")  # no save(): the claims' stored copies stay
    Claim.objects.filter(article=d.a1).update(public_published=None, public_precision=None)
    written("queryset unpublish")


@ON
@pytest.mark.django_db(transaction=True)
def test_drafts_internal_notes_and_restricted_articles_leave_the_public_etag_and_stamp():
    """Issue 28: what the public cannot see moves neither the anonymous ETag nor the data
    version stamp (a side channel, and every cached answer emptied by each draft saved); a
    publication moves both. Signed-in stamps keep the full history."""
    from registry.releases import provenance

    call_command("load_reference", verbosity=0)
    d = build()
    coder, reviewer = make_user("coder", "kim"), make_user("reviewer", "lee")
    draft = Article.objects.create(
        source=d.a1.source, published=datetime.date(2022, 1, 1), title="Draft", status="draft", coded_by=coder
    )
    services.claim_save(claim=Claim(article=draft, enterprise=d.e4, activity="production", code=2), user=coder)
    client, urls = Client(), [
        "/api/v1/claims/", "/api/v1/articles/", "/api/v1/timeseries/?regions=chongjin", "/",
        # The records edited below: their own version and time of change are not for the public.
        f"/api/v1/articles/{d.a1.pk}/", f"/api/v1/enterprises/{d.e1.pk}/", f"/enterprises/{d.e1.pk}/",
    ]
    tags = {url: client.get(url)["ETag"] for url in urls}
    stamp = provenance.live(None)
    signed_in = provenance.live(reviewer)["last_change"]
    full = dataversion.current()

    def unchanged(what):
        nonlocal full
        assert dataversion.current() > full, f"{what}: nothing was written"
        full = dataversion.current()
        for url in urls:
            assert client.get(url, HTTP_IF_NONE_MATCH=tags[url]).status_code == 304, f"{what}: {url} moved"
        assert provenance.live(None) == stamp, what

    draft = Article.objects.get(pk=draft.pk)
    draft.summary = "A draft's summary, rewritten."
    services.article_save(article=draft, user=coder)
    unchanged("a draft saved")
    claim = Claim.objects.get(article=draft)
    claim.code = 3
    services.claim_save(claim=claim, user=coder)
    unchanged("a draft's claim saved")
    a1 = Article.objects.get(pk=d.a1.pk)
    a1.notes = "An internal note, changed."
    a1.full_text = "A restricted full text, changed."
    services.article_save(article=a1, user=reviewer)
    unchanged("a public article's internal note and full text")
    services.record_save(instance=_with(Enterprise.objects.get(pk=d.e1.pk), notes="Another note."), user=reviewer)
    unchanged("an enterprise's internal note")
    a4 = Article.objects.get(pk=d.a4.pk)
    assert a4.disclosure == "restricted"
    a4.title = "A restricted headline, changed"
    services.article_save(article=a4, user=reviewer)
    restricted_claim = Claim.objects.filter(article=a4, enterprise=d.e1).get()
    restricted_claim.code = 2
    services.claim_save(claim=restricted_claim, user=reviewer)
    unchanged("a restricted article and its claim")
    # The signed-in stamp still follows every change.
    assert provenance.live(reviewer)["last_change"] > signed_in

    draft = Article.objects.get(pk=draft.pk)
    draft.status = "coded"
    services.article_save(article=draft, user=coder)
    for url in urls:
        response = client.get(url, HTTP_IF_NONE_MATCH=tags[url])
        assert response.status_code == 200, f"{url}: a publication left it"
        assert version_of(response) == version_of(client.get(url)) > int(TAG.match(tags[url]).group(1))
    after = provenance.live(None)
    assert after["last_change"] > stamp["last_change"]
    # Hand count: A1, A2, A3, A5 public before; the draft (one claim, E4) is published now.
    assert (stamp["counts"]["articles"], after["counts"]["articles"]) == (4, 5)
    assert (stamp["counts"]["claims"], after["counts"]["claims"]) == (6, 7)


@pytest.mark.django_db
def test_every_registry_table_carries_the_trigger():
    assert version_triggers.installed_on() == dataversion.tables()
    assert {"registry_claim", "registry_article", "registry_enterprise", "registry_storymember"} <= set(dataversion.tables())
    assert not any("historical" in table for table in dataversion.tables())


@ON
@pytest.mark.django_db(transaction=True)
def test_a_stored_answer_is_served_without_the_view_until_a_write():
    call_command("load_reference", verbosity=0)
    d = build()
    client, url = Client(), "/api/v1/enterprises/?place=chongjin"
    first = client.get(url)
    assert not first.has_header("X-Answer-Cache")
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Answer-Cache"] == "hit"
    assert len(queries) == 1  # the version
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]
    names = [row["name"] for row in second.json()["results"]]
    assert "Chongjin Bag Factory" in names
    services.record_save(instance=_with(Enterprise.objects.get(pk=d.e2.pk), name="Chongjin Bag and Shoe Factory"), user=None)
    third = client.get(url)
    assert not third.has_header("X-Answer-Cache")
    assert "Chongjin Bag and Shoe Factory" in [row["name"] for row in third.json()["results"]]
    assert version_of(third) > version_of(first)
    assert client.get(url)["X-Answer-Cache"] == "hit"


@ON
def test_signed_in_and_token_requests_are_never_stored_nor_served_from_the_store(client, d):
    url = "/api/v1/articles/"
    coder = make_user("coder", "kim")
    draft = Article.objects.create(source=d.a1.source, published=datetime.date(2022, 1, 1), title="DRAFT-ONLY-KIM", status="draft", coded_by=coder)
    Claim.objects.create(article=draft, enterprise=d.e2, activity="production", code=1)
    signed_in = Client()
    signed_in.force_login(coder)
    token = Token.objects.create(user=coder)
    with_token = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    for who in (signed_in, with_token):
        for _ in range(2):
            response = who.get(url)
            assert "DRAFT-ONLY-KIM" in response.content.decode()
            assert not response.has_header("X-Answer-Cache")
            assert not response.has_header("ETag")
            assert "private" in response["Cache-Control"]
    # Nothing the coder saw was stored: the anonymous answer is made afresh, without the draft.
    anonymous = client.get(url)
    assert not anonymous.has_header("X-Answer-Cache")
    assert "DRAFT-ONLY-KIM" not in anonymous.content.decode()
    # ...and once stored, the coder still gets their own answer, not the anonymous one.
    assert client.get(url)["X-Answer-Cache"] == "hit"
    assert "DRAFT-ONLY-KIM" in signed_in.get(url).content.decode()
    assert "DRAFT-ONLY-KIM" in with_token.get(url).content.decode()
    # An anonymous ETag is no key to a signed-in answer either.
    assert signed_in.get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 200


@ON
def test_answers_made_for_one_client_are_not_stored(client, d):
    # The sign-in page carries a CSRF token and sets its cookie: made for this client only.
    for _ in range(2):
        assert not client.get("/admin/login/").has_header("X-Answer-Cache")
    # Swagger UI's page uses this response's CSP nonce: neither stored nor tagged.
    docs = [client.get("/api/docs/") for _ in range(2)]
    assert not docs[1].has_header("X-Answer-Cache")
    assert not docs[1].has_header("ETag")
    assert docs[0]["Content-Security-Policy"] != docs[1]["Content-Security-Policy"]


@ON
def test_a_streamed_export_is_stored_once_sent_whole(client, d):
    url = "/api/v1/claims/?format=csv"
    first = client.get(url)
    assert first.streaming and not first.has_header("X-Answer-Cache")
    body = b"".join(first.streaming_content)
    assert body.count(b"\n") == Claim.objects.visible_to(None).count() + 1  # the header line
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second["X-Answer-Cache"] == "hit"
    assert len(queries) == 1  # the version
    assert second.content == body
    assert second["Content-Disposition"] == first["Content-Disposition"]
    assert second["Content-Type"] == first["Content-Type"]


@ON
def test_a_stream_not_sent_whole_or_too_large_is_not_stored(client, d, monkeypatch):
    url = "/api/v1/claims/?format=csv"
    abandoned = client.get(url)
    _close(abandoned)  # the client hung up before reading anything
    again = client.get(url)
    assert not again.has_header("X-Answer-Cache")
    _close(again)
    caches["answers"].clear()
    monkeypatch.setattr(caching, "MAX_STORED_BYTES", 100)
    response = client.get(url)
    assert len(b"".join(response.streaming_content)) > 100
    again = client.get(url)
    assert not again.has_header("X-Answer-Cache")
    _close(again)  # as the WSGI server closes every answer once sent
    # Whatever happened to the stream, the turn to compute it was given back.
    assert not [key for key in caches["answers"]._cache if "computing:" in key]


def _close(response):
    """Close an answer as the WSGI server does, without the test client's request_finished
    closing the test's own connection (as its closing_iterator_wrapper avoids too)."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_a_stream_closed_halfway_keeps_nothing_and_gives_the_turn_back():
    cache = caches["answers"]
    cache.add("computing:k", 1, 60)
    kept = []
    answer = caching._kept_when_sent(iter([b"a", b"b", b"c"]), kept.append, cache, "computing:k")
    stream = iter(answer)
    assert next(stream) == b"a"
    answer.close()  # the server closes the answer: the client hung up
    assert kept == [] and cache.get("computing:k") is None
    cache.add("computing:k", 1, 60)
    whole = caching._kept_when_sent(iter([b"a", b"b"]), kept.append, cache, "computing:k")
    assert b"".join(whole) == b"ab" and kept == [b"ab"]
    assert cache.get("computing:k") is None  # given back at the end, before the close


def _fixed_key(monkeypatch):
    monkeypatch.setattr(caching, "_digest", lambda request: "f" * 24)
    return f"answer:{dataversion.current(public=True)}:{'f' * 24}"


@ON
def test_readers_missing_together_wait_for_the_one_computing_the_answer(client, d, monkeypatch):
    cache, key = caches["answers"], _fixed_key(monkeypatch)
    assert cache.add(f"computing:{key}", 1, 60)  # another reader is computing this answer
    other = threading.Timer(0.2, cache.set, (key, (200, {"Content-Type": "text/plain"}, b"the other reader's answer"), 60))
    other.start()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/enterprises/")
    other.join()
    assert response.content == b"the other reader's answer"
    assert response["X-Answer-Cache"] == "hit"
    assert len(queries) == 1  # the version: the view did not run


@ON
def test_a_reader_stops_waiting_when_the_other_gives_up_or_takes_too_long(client, d, monkeypatch):
    cache, key = caches["answers"], _fixed_key(monkeypatch)
    lock = f"computing:{key}"
    cache.add(lock, 1, 60)
    threading.Timer(0.2, cache.delete, (lock,)).start()  # the other's answer was an error: not stored
    started = time.monotonic()
    response = client.get("/api/v1/enterprises/")
    assert response.status_code == 200 and not response.has_header("X-Answer-Cache")
    assert time.monotonic() - started < caching.WAIT_SECONDS
    assert client.get("/api/v1/enterprises/")["X-Answer-Cache"] == "hit"
    # A lock left behind by a worker that died is waited on for WAIT_SECONDS at most.
    cache.clear()
    cache.add(lock, 1, 60)
    monkeypatch.setattr(caching, "WAIT_SECONDS", 0.3)
    response = client.get("/api/v1/enterprises/")
    assert response.status_code == 200 and not response.has_header("X-Answer-Cache")
    assert response.json()["count"] == Enterprise.objects.visible_to(None).count()


@override_settings(REGISTRY_ETAGS=False, REGISTRY_CACHE_SECONDS=0)
def test_off_means_no_etag_and_no_store(client, d):
    response = client.get("/api/v1/enterprises/")
    assert not response.has_header("ETag")
    assert not client.get("/api/v1/enterprises/").has_header("X-Answer-Cache")


@override_settings(REGISTRY_ETAGS=True, REGISTRY_CACHE_SECONDS=0)
def test_etags_without_the_store(client, d):
    response = client.get("/api/v1/enterprises/")
    assert client.get("/api/v1/enterprises/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert not client.get("/api/v1/enterprises/").has_header("X-Answer-Cache")


def _with(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def test_a_stream_too_large_to_keep_gives_the_turn_back_as_soon_as_it_outgrows_the_limit(monkeypatch):
    """Readers waiting on the turn would otherwise wait WAIT_SECONDS for an answer that will
    never be stored (a whole-table export streams for longer than that)."""
    cache = caches["answers"]
    monkeypatch.setattr(caching, "MAX_STORED_BYTES", 2)
    cache.add("computing:k", 1, 60)
    kept = []
    stream = iter(caching._kept_when_sent(iter([b"ab", b"c", b"d"]), kept.append, cache, "computing:k"))
    assert next(stream) == b"ab" and cache.get("computing:k") == 1  # 2 bytes: may still be kept
    assert next(stream) == b"c"
    assert next(stream) == b"d"  # the 3rd byte went past the limit before this chunk was asked for
    assert cache.get("computing:k") is None
    assert list(stream) == [] and kept == []


@override_settings(REGISTRY_ETAGS=True, REGISTRY_CACHE_SECONDS=60, REGISTRY_SHARED_CACHE_SECONDS=120, REGISTRY_STALE_SECONDS=30)
def test_anonymous_answers_may_be_kept_by_a_cdn_signed_in_ones_never(client, d):
    caches["answers"].clear()
    fresh = client.get("/api/v1/enterprises/")
    stored = client.get("/api/v1/enterprises/")
    assert stored["X-Answer-Cache"] == "hit"
    not_modified = client.get("/api/v1/enterprises/", HTTP_IF_NONE_MATCH=fresh["ETag"])
    for response in (fresh, stored, not_modified):
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert directives == {"public", "max-age=0", "s-maxage=120", "stale-while-revalidate=30"}, response["Cache-Control"]
        assert TAG.match(response["ETag"])  # strong: no W/
    assert not_modified.status_code == 304
    coder = Client()
    coder.force_login(make_user("coder", "cdn-coder"))
    signed_in = coder.get("/api/v1/enterprises/")
    assert signed_in.status_code == 200 and signed_in["Cache-Control"] == "private"
    # A page made for one client (its sign-in form's CSRF token) is private too.
    login = client.get("/admin/login/")
    assert "public" not in login.get("Cache-Control", "")
