"""Forms that keep what they were given: each page form, opened with its own links' query
(the comma and semicolon list forms the vocabulary reads), renders those choices ticked and
selected, and sending the form as a browser would asks the same question again."""

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from .timeseries_data import build

pytestmark = pytest.mark.django_db


class FormReader(HTMLParser):
    """What a browser would send from the form with id `form_id`: [(name, value)]."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.select, self.pairs = form_id, False, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind != "submit":
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = [a.get("name"), None, None]  # name, first option, selected
        elif tag == "option" and self.select is not None:
            if self.select[1] is None:
                self.select[1] = a.get("value")
            if "selected" in a:
                self.select[2] = a.get("value")

    def handle_endtag(self, tag):
        if tag == "select" and self.select is not None and self.inside:
            name, first, chosen = self.select
            self.pairs.append((name, chosen if chosen is not None else first or ""))
            self.select = None
        if tag == "form":
            self.inside = False


def sent(html, form_id):
    reader = FormReader(form_id)
    reader.feed(html)
    return [(k, v) for k, v in reader.pairs if v]


def query_of(link):
    return [(k, v) for k, v in parse_qsl(urlsplit(link.replace("&amp;", "&")).query) if k not in ("format", "bom", "labels", "layout")]


def table(html):
    return html.split('<table id="series-table"')[1].split("</table>")[0]


def question(link):
    """A link's parameters, each list as a set (the same question in any order)."""
    return {k: frozenset(v.replace(";", ",").split(",")) for k, v in query_of(link)}


@pytest.fixture
def world():
    return build()


def test_compare_reads_its_own_links_comma_lists_back_ticked(client, world):
    html = client.get("/compare/?regions=pyongyang;chongjin&activity=production,investment&max_code=3&code=1,2").content.decode()
    assert 'name="activity" value="production" checked' in html and 'name="activity" value="investment" checked' in html
    assert 'name="code" value="1" checked' in html and 'name="code" value="2" checked' in html
    assert 'name="activity" value="technology" checked' not in html


@pytest.mark.parametrize("start", [
    "/compare/",
    "/compare/?regions=chongjin&activity=investment,technology&interval=quarter&max_code=2&bands=1&start=2015&end=2018",
    "/compare/?group_by=grade&metric=enterprises&code=1;3&source_kind=state_media,insider",
])
def test_compare_round_trips_its_own_links(client, world, start):
    first = client.get(start).content.decode()
    link = next(part.split('"')[0] for part in first.split('id="csv-link" href="')[1:])
    # The page opened with its own CSV link's question asks the same question ...
    again = client.get("/compare/?" + urlencode(query_of(link))).content.decode()
    assert table(again) == table(first)
    # ... and its form, sent as a browser sends it, asks it once more.
    resent = client.get("/compare/?" + urlencode(sent(again, "compare-form"))).content.decode()
    assert question(resent.split('id="csv-link" href="')[1].split('"')[0]) == question(link)
    assert table(resent) == table(first)


@pytest.mark.parametrize("start", ["/map/", "/map/?measure=articles&activity=investment&max_code=3&start=2015&end=2016&start2=2017"])
def test_the_map_round_trips_its_own_link(client, world, start):
    first = client.get(start).content.decode()
    link = first.split('id="csv-link" href="')[1].split('"')[0]
    again = client.get("/map/?" + urlencode(query_of(link))).content.decode()
    assert sorted(sent(again, "map-form")) == sorted(sent(first, "map-form"))
    resent = client.get("/map/?" + urlencode(sent(again, "map-form"))).content.decode()
    assert resent.split('id="csv-link" href="')[1].split('"')[0] == link


@pytest.mark.parametrize("start", ["/enterprises/?grade=special,3&activity=investment&max_code=3", "/enterprises/?place=chongjin&seen_after=2015"])
def test_the_enterprise_list_round_trips_its_own_link(client, world, start):
    first = client.get(start).content.decode()
    link = first.split('id="api-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    again = client.get("/enterprises/?" + urlencode(query_of(link))).content.decode()
    assert again.split('id="enterprises"')[1] == first.split('id="enterprises"')[1]
    resent = client.get("/enterprises/?" + urlencode(sent(again, "filters"))).content.decode()
    assert resent.split('id="enterprises"')[1] == first.split('id="enterprises"')[1]
