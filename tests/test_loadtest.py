"""The load test (scripts/loadtest.py driving Locust, scripts/locustfile.py): bounded, loopback
only, and a mix that looks like real use. (The real run, 50 users for 60 s with coders
writing, is `make loadtest`; a whole gunicorn + Locust run takes minutes on the shared CI
machine, so it is not run here.)"""

import collections
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "loadtest.py"
sys.path.insert(0, str(ROOT / "scripts"))


def run(*args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_mix_has_over_a_thousand_distinct_urls_of_every_kind_drawn_zipf_like():
    import loadmix as locustfile

    places = [f"Place {i}" for i in range(60)]
    mix = locustfile.build_mix(places, [f"industry-{i}" for i in range(20)], ["KCNA", "RS", "DNK"])
    assert len(mix) == len(set(mix)) >= 1000
    assert mix == locustfile.build_mix(places, [f"industry-{i}" for i in range(20)], ["KCNA", "RS", "DNK"])  # fixed by the seed
    kinds = collections.Counter(urlsplit(url).path for url in mix)
    assert {"/api/v1/enterprises/", "/api/v1/claims/", "/api/v1/articles/", "/api/v1/timeseries/"} <= set(kinds)
    queries = [parse_qs(urlsplit(url).query) for url in mix]
    assert any(q.get("q") == ["제철"] for q in queries) and any(q.get("q") == ["steel"] for q in queries)
    assert any(q.get("format") == ["csv"] for q in queries)
    assert {q["group_by"][0] for q in queries if "group_by" in q} == {"region", "industry", "grade", "tier"}
    assert {q["interval"][0] for q in queries if "interval" in q} == {"year", "quarter", "month"}
    # Zipf-like: the most popular URL is asked k times as often as the k-th.
    weights = [1 / k for k in range(1, len(mix) + 1)]
    assert weights[0] / weights[9] == pytest.approx(10)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--base-url", "http://example.org/"], "loopback"),
        (["--base-url", "http://10.0.0.5:8000/"], "loopback"),
        (["--users", "500"], "--users must be 1 to 200"),
        (["--seconds", "3600"], "--seconds must be above 0 and at most 600"),
    ],
)
def test_it_refuses_anything_but_a_bounded_run_on_loopback(args, message, tmp_path):
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
