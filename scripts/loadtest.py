"""Load-test the registry as it is used: Locust (scripts/locustfile.py) drives gunicorn with
anonymous and signed-in readers over a Zipf-popular mix of well over 1,000 distinct URLs
built from the API's own parameters, while coders save a draft every 2 s and publish every
30 s through the API. Reports throughput, latency percentiles, errors and the load
generator's share of the CPU.

    python scripts/loadtest.py --gunicorn                 # start gunicorn, 50 users, 60 s
    python scripts/loadtest.py --gunicorn --setup --users 4 --seconds 3   # a tiny SQLite run
    python scripts/loadtest.py --base-url http://127.0.0.1:8000 --users 10 --seconds 5

Bounded by design: loopback addresses only, at most 200 users and 600 seconds. With
--gunicorn it starts gunicorn on a free loopback port (production settings, the database from
DATABASE_URL) and stops it afterwards; on a machine with two or more CPUs the server is pinned
to all but the last and Locust to the last (taskset), so the generator does not take the
server's cores, and its CPU time is reported. --setup migrates the database and loads the
reference data and the sample first (an empty database). The users the load signs in with
(load-reader, load-coder: tokens) are made in the database. Exits 1 if any request failed.
"""

import argparse
import csv
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_USERS, MAX_SECONDS = 200, 600
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(workers, cpus=None):
    """gunicorn with production settings on a free loopback port; returns (process, url)."""
    port = free_port()
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "0")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    # Plain HTTP on loopback: no redirect to https, which would make every answer a 301.
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    env.setdefault("DJANGO_STATIC_ROOT", tempfile.mkdtemp(prefix="loadtest-static-"))
    # The load measures capacity; the anonymous throttle would turn most answers into 429s.
    env.setdefault("API_ANON_THROTTLE_RATE", "100000000/minute")
    # Persistent connections, as in production (DEPLOY.md): a new PostgreSQL connection per
    # request costs a backend fork and Django's connection set-up.
    env.setdefault("DJANGO_CONN_MAX_AGE", "60")
    # The answers cache (when REGISTRY_CACHE_SECONDS > 0) starts empty: files of its own, not
    # those a previous run left (Redis, with REDIS_URL, keeps them REGISTRY_CACHE_SECONDS).
    env.setdefault("REGISTRY_CACHE_DIR", tempfile.mkdtemp(prefix="loadtest-answers-"))
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="")
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    bindir = Path(sys.executable).parent
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
    command = [str(bindir / "gunicorn"), "--config", "config/gunicorn.py", "config.wsgi"]
    proc = subprocess.Popen(_pinned(command, cpus), cwd=ROOT, env=env)
    for _ in range(150):
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.terminate()
        raise SystemExit("gunicorn did not start within 30 s")
    return proc, f"http://127.0.0.1:{port}"


def _pinned(command, cpus):
    return ["taskset", "-c", cpus, *command] if cpus and shutil.which("taskset") else command


def _cpu_split():
    """(server CPUs, generator CPU) as taskset lists, or (None, None) on one CPU."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) < 2:
        return None, None
    return ",".join(map(str, cpus[:-1])), str(cpus[-1])


def setup_database():
    manage = [sys.executable, "manage.py"]
    for args in (["migrate", "--noinput", "--verbosity", "0"], ["load_reference", "--verbosity", "0"],
                 ["import_claims", "fixtures/sample_claims.csv"]):
        subprocess.run(manage + args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


MAKE_USERS = """
import json
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token
from registry.models import Source
coder, _ = User.objects.get_or_create(username="load-coder", defaults={"is_staff": True})
coder.groups.add(Group.objects.get(name="coder"))
reader, _ = User.objects.get_or_create(username="load-reader")
source = Source.objects.order_by("pk").values_list("short_name", flat=True).first()
print(json.dumps({"coder": Token.objects.get_or_create(user=coder)[0].key,
                  "reader": Token.objects.get_or_create(user=reader)[0].key, "source": source}))
"""


def make_users():
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", MAKE_USERS], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_locust(base_url, users, seconds, users_made, cpu):
    """Locust headless for `seconds`; (its stats rows, its CPU seconds, wall seconds)."""
    out = Path(tempfile.mkdtemp(prefix="locust-"))
    env = dict(os.environ, LOAD_CODER_TOKEN=users_made["coder"], LOAD_READER_TOKEN=users_made["reader"],
               LOAD_SOURCE=users_made["source"] or "KCNA")
    bindir = Path(sys.executable).parent
    spawn = max(1, min(users, 50))
    command = [
        str(bindir / "locust"), "-f", str(ROOT / "scripts" / "locustfile.py"), "--headless", "--host", base_url,
        "--users", str(users), "--spawn-rate", str(spawn), "--run-time", f"{max(1, round(seconds))}s",
        "--stop-timeout", "10", "--csv", str(out / "run"), "--only-summary", "--loglevel", "WARNING",
    ]
    started = time.monotonic()
    proc = subprocess.Popen(_pinned(command, cpu), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    stderr = proc.stderr.read()
    if os.environ.get("LOAD_DEBUG"):
        sys.stderr.write(stderr)
    stats_file = out / "run_stats.csv"
    if not stats_file.exists():
        raise SystemExit(f"locust wrote no statistics (exit {proc.returncode}):\n{stderr[-2000:]}")
    with stats_file.open() as f:
        rows = list(csv.DictReader(f))
    shutil.rmtree(out, ignore_errors=True)
    return rows, usage.ru_utime + usage.ru_stime, wall


def _ms(value):
    return 0.0 if value in ("", "N/A", None) else float(value)


def summarise(rows, cpu_seconds, wall, users, seconds):
    total = next(r for r in rows if r["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    by_name = {
        r["Name"]: {"requests": int(r["Request Count"]), "failures": int(r["Failure Count"]),
                    "p50_ms": _ms(r["50%"]), "p95_ms": _ms(r["95%"])}
        for r in rows if r["Name"] != "Aggregated"
    }
    return {
        "users": users,
        "seconds": seconds,
        "requests": requests,
        "ok": requests - failures,
        "errors": failures,
        "throughput_rps": round(_ms(total["Requests/s"]), 1),
        "latency_ms": {p: _ms(total[k]) for p, k in (("p50", "50%"), ("p90", "90%"), ("p95", "95%"), ("p99", "99%"), ("max", "100%"))},
        "generator_cpu_seconds": round(cpu_seconds, 2),
        "generator_cpu_share": round(cpu_seconds / wall, 3) if wall else None,
        "by_name": by_name,
    }


def print_report(r):
    lat = r["latency_ms"]
    print(f"{r['users']} users, {r['seconds']} s: {r['requests']} requests, {r['errors']} errors, {r['throughput_rps']} req/s")
    print(f"latency ms: p50 {lat['p50']:.0f}  p90 {lat['p90']:.0f}  p95 {lat['p95']:.0f}  p99 {lat['p99']:.0f}  max {lat['max']:.0f}")
    print(f"load generator: {r['generator_cpu_seconds']} CPU s, {r['generator_cpu_share']:.0%} of one CPU")
    for name, row in sorted(r["by_name"].items()):
        print(f"  {row['requests']:6d} req {row['failures']:4d} err  p50 {row['p50_ms']:6.0f}  p95 {row['p95_ms']:6.0f}  {name}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", "--clients", type=int, default=50, dest="users")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--gunicorn", action="store_true", help="start gunicorn on a free loopback port and stop it after")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: GUNICORN_WORKERS or 2 per CPU + 1)")
    parser.add_argument("--setup", action="store_true", help="migrate and load the reference data and sample first")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        parser.error(f"--users must be 1 to {MAX_USERS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be above 0 and at most {MAX_SECONDS}")
    if not args.gunicorn and urlsplit(args.base_url).hostname not in LOOPBACK:
        parser.error("--base-url must be a loopback address")
    if args.setup:
        setup_database()
    users_made = make_users()

    server_cpus, generator_cpu = _cpu_split()
    server = None
    base_url = args.base_url
    if args.gunicorn:
        server, base_url = start_gunicorn(args.workers, server_cpus)
    try:
        rows, cpu_seconds, wall = run_locust(base_url, args.users, args.seconds, users_made, generator_cpu)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    report = summarise(rows, cpu_seconds, wall, args.users, args.seconds)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
