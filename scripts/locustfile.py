"""The load test as real use looks (Locust; run by scripts/loadtest.py, which starts the server,
makes the signed-in users and pins the load generator apart from the server).

- Readers ask a mix built from the API's own parameter space: lists, filters, searches in
  English and Hangul, series in every grouping and interval, pages, CSV; the places, industries
  and sources come from the API itself at the start. Well over 1,000 distinct URLs, drawn with
  a Zipf-like popularity (the k-th most popular asked in proportion to 1/k), so a cache sees
  a long tail of misses as it would in use.
- Anonymous readers (most) and signed-in readers (a token: never cached, their own answers).
- Coders, through the API with a token: a draft's summary saved every 2 s, and every 30 s a
  new article written and published (status coded), as coders work.

Environment: LOAD_READER_TOKEN, LOAD_CODER_TOKEN (tokens of a signed-in reader and a coder),
LOAD_SOURCE (a source short name for the coders' articles), LOAD_SEED, LOAD_CODERS (how many of the
users are coders, default 1).
"""

import datetime
import os
import random
import sys

from locust import HttpUser, between, constant, events, task

sys.path.insert(0, os.path.dirname(__file__))
from loadmix import build_mix  # noqa: E402 (Locust loads this file by path)

SEED = int(os.environ.get("LOAD_SEED", "28"))
MIX = []  # the URLs, most popular first
WEIGHTS = []  # 1/k
MIN_URLS = 1000

def _names(client, route, field, pages=1):
    found = []
    for page in range(1, pages + 1):
        response = client.get(f"/api/v1/{route}/?page_size=200&page={page}", name=f"setup {route}")
        if response.status_code != 200:
            break
        body = response.json()
        found += [row[field] for row in body.get("results", []) if row.get(field)]
        if not body.get("next"):
            break
    return found



@events.test_start.add_listener
def _build(environment, **kwargs):
    from locust.clients import HttpSession

    client = HttpSession(base_url=environment.host, request_event=environment.events.request, user=None)
    mix = build_mix(_names(client, "places", "name"), _names(client, "industries", "slug"), _names(client, "sources", "short_name"))
    MIX[:] = mix
    WEIGHTS[:] = [1 / k for k in range(1, len(mix) + 1)]


def _url(rng):
    return rng.choices(MIX, weights=WEIGHTS)[0]


class AnonymousReader(HttpUser):
    """A researcher or member of the public: no cookie, no token."""

    weight = 8
    wait_time = between(0.5, 2)

    def on_start(self):
        self.rng = random.Random()

    @task
    def read(self):
        url = _url(self.rng)
        self.client.get(url, name=url.split("?")[0] + ("?format=csv" if "format=csv" in url else ""))


class SignedInReader(HttpUser):
    """A signed-in reader (a token): answers made for them, never from the cache."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self):
        self.rng = random.Random()
        self.client.headers["Authorization"] = f"Token {os.environ.get('LOAD_READER_TOKEN', '')}"

    @task
    def read(self):
        url = _url(self.rng)
        self.client.get(url, name="signed-in " + url.split("?")[0])


class Coder(HttpUser):
    """A coder at work: a draft saved every 2 s, an article published every 30 s."""

    fixed_count = int(os.environ.get("LOAD_CODERS", "1"))
    wait_time = constant(2)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {os.environ.get('LOAD_CODER_TOKEN', '')}"
        self.source = os.environ.get("LOAD_SOURCE", "KCNA")
        self.draft = self._new()
        self.saves = 0

    def _new(self):
        response = self.client.post("/api/v1/articles/", json={
            "source": self.source, "published": datetime.date.today().isoformat(), "precision": "day",
            "title": "Load test draft", "summary": "", "status": "draft", "disclosure": "public",
        }, name="coder: new draft")
        return response.json() if response.status_code == 201 else None

    @task
    def work(self):
        if self.draft is None:
            self.draft = self._new()
            return
        self.saves += 1
        publish = self.saves % 15 == 0  # every 30 s
        body = {"version": self.draft["version"], "summary": f"Draft summary, save {self.saves}."}
        if publish:
            body["status"] = "coded"
        response = self.client.patch(f"/api/v1/articles/{self.draft['id']}/", json=body,
                                     name="coder: publish" if publish else "coder: save draft")
        if response.status_code == 200:
            self.draft = self._new() if publish else response.json()
