"""The inbox: articles read in from files as drafts with their full text, for coders to code.

    python manage.py ingest_articles PATH [--coder USERNAME]

PATH is a file or a folder of `.jsonl` (one article a line), `.txt` or `.html` files (one
article each). An article has `source` (a source's name or short name), `published`
(2016-10-05, 2016-10 or 2016), `title`, `text` and optionally `url` and `language`
("ko": the title is the Korean headline). A `.txt` file starts with header lines
(`Source: KCNA`, `Published: 2016-10-05`, `Title: …`, `URL: …`), then a blank line, then
the text; an `.html` file gives them as `<meta name="source|published|url">`, `<title>`
and its body's text.

Each article becomes a draft (coded_by the `--coder`, whose inbox it is; without one, the
reviewers' and admins') with its full text, restricted as every full text is. An article
already recorded with the same source, date and text (its SHA-256) is skipped, so a second
run adds nothing; one with the same source, date and headline but another text is reported,
not added (the headline identifies an article). Articles of other sources within ±3 days
whose headlines are alike (rapidfuzz) are linked as one story (services.story_link).
"""

import datetime
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.db import transaction
from rapidfuzz import fuzz

from registry.articles import search
from registry import services
from registry.method.dates import BadDate, parse_partial_date
from registry.models import Article, Source
from registry.places.names import name_key

SUFFIXES = (".jsonl", ".txt", ".html", ".htm")
WINDOW = datetime.timedelta(days=3)
# rapidfuzz token_set_ratio of two headlines (folded) from which two sources' articles
# within WINDOW are linked as one story: KCNA's and Rodong Sinmun's headlines of one event
# share their names and most words.
REPRINT_SCORE = 80
TITLE_MAX = Article._meta.get_field("title").max_length
URL_MAX = Article._meta.get_field("url").max_length


@dataclass
class Problem:
    where: str  # file[:line]
    field: str
    message: str

    def __str__(self):
        return f"{self.where}: {self.field}: {self.message}"


@dataclass
class Result:
    created: int = 0
    skipped: int = 0  # already recorded (same source, date and text)
    stories: int = 0  # pairs linked as one story
    problems: list = field(default_factory=list)
    articles: list = field(default_factory=list)  # the created articles


def text_sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else ""


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta, self.title, self.parts, self._skip, self._in_title = {}, "", [], 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and attrs.get("name"):
            self.meta[attrs["name"].lower()] = attrs.get("content") or ""
        elif tag in ("script", "style"):
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag in ("p", "br", "div", "h1", "h2", "h3", "li"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def _from_html(content):
    parser = _Text()
    parser.feed(content)
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return {**parser.meta, "title": parser.meta.get("title") or html.unescape(parser.title.strip()), "text": text}


def _from_txt(content):
    head, _, body = content.partition("\n\n")
    record = {}
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            return {"text": content.strip()}  # no header: nothing but text
        record[key.strip().lower()] = value.strip()
    record["text"] = body.strip()
    return record


def read(path):
    """(where, record) for every article under `path`, in file name order."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES) if path.is_dir() else [path]
    for file in files:
        content = file.read_text(encoding="utf-8-sig")
        if file.suffix.lower() == ".jsonl":
            for number, line in enumerate(content.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    yield f"{file}:{number}", error
                    continue
                yield f"{file}:{number}", record if isinstance(record, dict) else ValueError("not a JSON object")
        elif file.suffix.lower() in (".html", ".htm"):
            yield str(file), _from_html(content)
        else:
            yield str(file), _from_txt(content)


def _sources():
    found = {}
    for s in Source.objects.all():
        found[name_key(s.name)] = found[name_key(s.short_name)] = s
    return found


def _planned(where, record, sources, problems):
    """An unsaved Article from one record, or None (its problems reported)."""
    if isinstance(record, Exception):
        problems.append(Problem(where, "line", f"not JSON: {record}"))
        return None
    before = len(problems)
    source = sources.get(name_key(str(record.get("source") or "")))
    if source is None:
        problems.append(Problem(where, "source", f"unknown source {record.get('source')!r}"))
    try:
        published, precision = parse_partial_date(str(record.get("published") or ""))
    except BadDate as error:
        problems.append(Problem(where, "published", str(error)))
    title = " ".join(str(record.get("title") or "").split())
    text = str(record.get("text") or "").strip()
    url = str(record.get("url") or "").strip()
    if not title:
        problems.append(Problem(where, "title", "required: the headline identifies the article"))
    elif len(title) > TITLE_MAX:
        problems.append(Problem(where, "title", f"{len(title)} characters; at most {TITLE_MAX}"))
    if not text:
        problems.append(Problem(where, "text", "required"))
    if len(url) > URL_MAX:
        problems.append(Problem(where, "url", f"{len(url)} characters; at most {URL_MAX}"))
    if "\x00" in title + text + url:
        problems.append(Problem(where, "text", "a NUL character"))
    if len(problems) > before:
        return None
    korean = str(record.get("language") or "").lower() == "ko" or (not re.search(r"[A-Za-z]", title) and re.search(r"[\uac00-\ud7a3]", title))
    article = Article(
        source=source, published=published, precision=precision, url=url, full_text=text,
        title="" if korean else title, title_ko=title if korean else "", status=Article.Status.DRAFT,
        text_sha256=text_sha256(text),
    )
    for name, value in search.article_fields(article.title, article.title_ko, "").items():
        setattr(article, name, value)
    article.where = where
    return article


def ingest(path, *, coder=None, user=None, link_reprints=True):
    """Read `path` in (see the module's docstring). All the new articles or none."""
    result = Result()
    sources = _sources()
    planned = []
    for where, record in read(path):
        article = _planned(where, record, sources, result.problems)
        if article is not None:
            planned.append(article)
    if not planned:
        return result
    low, high = min(a.published for a in planned), max(a.published for a in planned)
    stored = Article.objects.filter(published__range=(low, high)).values_list("source_id", "published", "text_sha256", "title", "title_ko")
    seen_texts, seen_titles = set(), {}
    for source_id, published, sha, title, title_ko in stored.iterator():
        seen_texts.add((source_id, published, sha))
        seen_titles[(source_id, published, title or title_ko)] = sha
    new = []
    for article in planned:
        key = (article.source_id, article.published, article.text_sha256)
        headline = (article.source_id, article.published, article.title or article.title_ko)
        if key in seen_texts:
            result.skipped += 1
            continue
        if headline in seen_titles:
            result.problems.append(Problem(article.where, "title", "another article of this source and date has this headline and another text: not added"))
            continue
        seen_texts.add(key)
        seen_titles[headline] = article.text_sha256
        article.coded_by = coder
        new.append(article)
    with transaction.atomic():
        Article.objects.bulk_create(new, batch_size=500)
        result.created = len(new)
        result.articles = new
        if link_reprints and new:
            result.stories = _link_reprints(new, user)
    return result


def _headline(article):
    return " ".join(re.sub(r"[^\w]+", " ", (article.title or article.title_ko).lower()).split())


def _link_reprints(new, user):
    """Link each new article with the most alike headline of another source within ±WINDOW
    (new or stored, same language) as one story. Returns the number of pairs linked."""
    low = min(a.published for a in new) - WINDOW
    high = max(a.published for a in new) + WINDOW
    pool = list(Article.objects.filter(published__range=(low, high)).only("id", "source_id", "published", "title", "title_ko", "disclosure"))
    by_day = {}
    for a in pool:
        by_day.setdefault(a.published, []).append(a)
    new_ids = {a.pk for a in new}
    linked = 0
    done = set()
    for article in sorted(new, key=lambda a: (a.published, a.pk)):
        head = _headline(article)
        best, best_score = None, REPRINT_SCORE
        for offset in range(-WINDOW.days, WINDOW.days + 1):
            for other in by_day.get(article.published + datetime.timedelta(days=offset), ()):
                if other.source_id == article.source_id or bool(other.title) != bool(article.title):
                    continue
                if other.pk in new_ids and other.pk < article.pk and (other.pk, article.pk) in done:
                    continue
                score = fuzz.token_set_ratio(head, _headline(other))
                if score >= best_score and (best is None or score > best_score or other.pk < best.pk):
                    best, best_score = other, score
        if best is not None and (min(article.pk, best.pk), max(article.pk, best.pk)) not in done:
            try:
                services.story_link(article=article, reprint=best, user=user)
            except services.StoryConflict:
                continue
            done.add((min(article.pk, best.pk), max(article.pk, best.pk)))
            linked += 1
    return linked
