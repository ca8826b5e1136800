"""The load-test script: bounded, loopback only, and it counts what it sees. (The real run,
50 clients for 60 s on the API with the synthetic corpus, is `make loadtest`.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "loadtest.py"


def run(*args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow  # starts gunicorn
def test_it_drives_gunicorn_and_reports_throughput_percentiles_and_errors(tmp_path):
    result = run(
        "--gunicorn", "--workers", "2", "--clients", "4", "--seconds", "2", "--json",
        "--url", "/api/v1/", "--url", "/api/v1/no-such-thing/", tmp_path=tmp_path,
    )
    assert result.returncode == 1, result.stderr  # the 404s are errors
    report = json.loads(result.stdout)
    # A request in flight at the deadline is waited for, so a busy machine runs a little over.
    assert report["clients"] == 4 and 2 <= report["seconds"] < 40, result.stderr
    assert report["requests"] == report["ok"] + report["errors"] >= 2, result.stderr
    assert report["ok"] > 0 and report["errors"] > 0, report
    assert set(report["error_detail"]) == {"/api/v1/no-such-thing/: 404"}
    assert list(report["by_url"]) == ["/api/v1/"]
    lat = report["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p95"] <= lat["p99"] <= lat["max"]
    # The report rounds to 0.1 req/s: on a busy machine 10 requests in 40 s are 0.25, reported 0.3.
    assert report["throughput_rps"] == pytest.approx(report["requests"] / report["seconds"], rel=0.1, abs=0.05)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--base-url", "http://example.org/"], "loopback"),
        (["--base-url", "http://10.0.0.5:8000/"], "loopback"),
        (["--clients", "500"], "--clients must be 1 to 200"),
        (["--seconds", "3600"], "--seconds must be above 0 and at most 600"),
    ],
)
def test_it_refuses_anything_but_a_bounded_run_on_loopback(args, message, tmp_path):
    result = run(*args, tmp_path=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
