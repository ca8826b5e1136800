"""The inbox (issue 26): `ingest_articles` reads articles in as drafts with their full text,
once; the admin lists the uncoded ones and takes the coder from one to the next."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from registry.articles.ingest import ingest
from registry.models import Article, StoryMember

from .admin_support import make_user

pytestmark = pytest.mark.django_db

KCNA = {"source": "KCNA", "published": "2019-04-15", "title": "Kim Chaek Iron and Steel Complex Raises Output",
        "text": "The Kim Chaek Iron and Steel Complex raised its pig iron output.", "url": "http://kcna.kp/1"}
RODONG = {"source": "Rodong Sinmun", "published": "2019-04-16", "title": "Kim Chaek Iron and Steel Complex raises output",
          "text": "Workers of the complex raised output.", "url": ""}


def write(folder, records, name="articles.jsonl"):
    path = folder / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_articles_go_in_as_drafts_with_their_text_once_and_reprints_are_linked(tmp_path):
    write(tmp_path, [KCNA, RODONG, {**KCNA, "published": "2019-04", "title": "", "text": ""}])
    (tmp_path / "b.txt").write_text("Source: Rodong Sinmun\nPublished: 2020-01-02\nTitle: 김책제철련합기업소에서 증산\n\n"
                                    "김책제철련합기업소 로동계급이 선철생산을 늘이였다.\n", encoding="utf-8")
    (tmp_path / "c.html").write_text('<html><head><title>Musan Mine</title><meta name="source" content="KCNA">'
                                     '<meta name="published" content="2018-05-01"></head><body><p>The Musan Mining Complex '
                                     'produced more ore.</p><script>var x;</script></body></html>', encoding="utf-8")
    result = ingest(tmp_path)
    assert (result.created, result.skipped, result.stories) == (4, 0, 1)
    assert [(p.field, p.where.endswith(":3")) for p in result.problems] == [("title", True), ("text", True)]
    kcna = Article.objects.get(title=KCNA["title"])
    assert (kcna.status, kcna.full_text, kcna.url, kcna.text_sha256 != "") == ("draft", KCNA["text"], KCNA["url"], True)
    korean = Article.objects.get(published="2020-01-02")
    assert (korean.title, korean.title_ko) == ("", "김책제철련합기업소에서 증산")
    html = Article.objects.get(title="Musan Mine")
    assert html.full_text == "The Musan Mining Complex produced more ore."
    rodong = Article.objects.get(title=RODONG["title"])
    assert StoryMember.objects.get(article=kcna).story_id == StoryMember.objects.get(article=rodong).story_id

    again = ingest(tmp_path)  # idempotent
    assert (again.created, again.skipped, again.stories) == (0, 4, 0)
    assert Article.objects.count() == 4


def test_the_command_reports_and_a_changed_text_under_a_known_headline_is_refused(tmp_path, capsys):
    path = write(tmp_path, [KCNA])
    call_command("ingest_articles", str(path))
    assert "1 articles added, 0 already recorded" in capsys.readouterr().out
    write(tmp_path, [{**KCNA, "text": "Another text."}])
    call_command("ingest_articles", str(path))
    captured = capsys.readouterr()
    assert "0 articles added" in captured.out and "another text: not added" in captured.err
    assert Article.objects.count() == 1


def test_the_inbox_lists_uncoded_articles_and_next_article_follows_them(client, tmp_path):
    coder = make_user("coder")
    other = make_user("coder", username="other-coder")
    write(tmp_path, [KCNA, {**RODONG, "title": "Tractors at Kumsong", "published": "2019-05-01"}])
    ingest(tmp_path, coder=coder)
    write(tmp_path, [{**KCNA, "title": "Someone else's", "published": "2019-04-20", "text": "x"}], name="o.jsonl")
    ingest(tmp_path / "o.jsonl", coder=other)
    client.force_login(coder)
    page = client.get(reverse("admin:registry_article_changelist") + "?inbox=1")
    assert "Inbox: 2 uncoded articles" in page.content.decode()  # the other coder's draft is theirs
    assert [a.title for a in page.context["cl"].result_list] == [KCNA["title"], "Tractors at Kumsong"]
    first, second = page.context["cl"].result_list
    change = client.get(reverse("admin:registry_article_change", args=[first.pk])).content.decode()
    assert 'id="next-article"' in change and reverse("admin:registry_article_change", args=[second.pk]) in change
    # full text restricted: a viewer does not see the drafts at all, nor any full text
    client.force_login(make_user("viewer"))
    assert KCNA["text"] not in client.get(reverse("admin:registry_article_changelist") + "?inbox=1").content.decode()
