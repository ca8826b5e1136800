"""Real streaming replication (scripts/test_replicas.sh): a primary and two hot standbys, the
app in this process with DATABASE_REPLICA_URLS pointing at them, REPLICA_MAX_LAG=2 s, checks
every 0.5 s, REPLICA_STATEMENT_TIMEOUT=2 s, connect_timeout 2 s, back-off 1-2 s, persistent
connections (DJANGO_CONN_MAX_AGE=60) as in production.

Which database served a request is seen from the statements each alias's connection ran."""

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import override_settings

from registry.stored import dataversion
from infra import replicas
from registry.models import Enterprise
from tests.admin_support import make_user

WORK = Path(os.environ.get("REGISTRY_REAL_REPLICAS", "/nonexistent"))
PG_BIN = os.environ.get("PG_BIN", "")
ALIASES = ("default", "replica1", "replica2")
URL = "/api/v1/enterprises/"
CHECK_SQL = ("pg_last_wal_receive_lsn", "registry_dataversion", "SELECT 1")


def Client(**kwargs):
    """A client that sees what a real one sees: the answer. (Django's test client re-raises an
    error logged while the request ran, even one the replica middleware answered around.)"""
    from django.test import Client as TestClient

    return TestClient(raise_request_exception=False, **kwargs)

pytestmark = pytest.mark.usefixtures("healthy")


def control(alias):
    """A connection of our own to ALIAS's server, outside the app's."""
    db = settings.DATABASES[alias]
    return psycopg.connect(host=db["HOST"], port=db["PORT"], user="postgres", dbname=db["NAME"], autocommit=True, connect_timeout=3)


def version_on(alias):
    with control(alias) as conn:
        # The public version: what anonymous answers' ETags carry (infra/caching.py).
        return conn.execute("SELECT public_number FROM registry_dataversion WHERE id = 1").fetchone()[0]


def wait_caught_up(*aliases, timeout=10):
    target = version_on("default")
    deadline = time.monotonic() + timeout
    for alias in aliases or ("replica1", "replica2"):
        while version_on(alias) < target:
            assert time.monotonic() < deadline, f"{alias} never caught up"
            time.sleep(0.05)


def pause(alias):
    with control(alias) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")


def resume(alias):
    with control(alias) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")


def as_postgres(*command):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=30)


def server_pids(alias):
    pid = int((WORK / alias / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, children)]


def signal_server(alias, sig):
    for pid in server_pids(alias):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def stop(alias):
    as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(WORK / alias), "-m", "fast", "-w", "stop")


def start(alias):
    as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(WORK / alias), "-l", str(WORK / alias / "server.log"), "-w", "start")


@pytest.fixture
def healthy():
    """Each test starts with both standbys replaying, caught up, and no state remembered."""
    for alias in ("replica1", "replica2"):
        resume(alias)
    wait_caught_up()
    replicas.reset()
    with override_settings(REGISTRY_ETAGS=True):
        yield
    replicas.reset()


def served(client, url=URL, **headers):
    """(response, {alias: statements it ran, the health checks left out}), the body read."""
    counts = dict.fromkeys(ALIASES, 0)

    def counter(alias):
        def count(execute, sql, params, many, context):
            if not any(marker in sql for marker in CHECK_SQL):
                counts[alias] += 1
            return execute(sql, params, many, context)
        return count

    with ExitStack() as stack:
        for alias in ALIASES:  # (a wrapper, unlike CaptureQueriesContext, does not connect)
            stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
        response = client.get(url, headers=headers)
        if response.streaming:
            response.content_read = b"".join(response.streaming_content)
    return response, counts


def etag_version(response):
    return int(response["ETag"].split("-")[0].strip('"').lstrip("d"))


def rename(pk, name):
    Enterprise.objects.filter(pk=pk).update(name=name)  # a committed write on the primary
    return version_on("default")


def names(response):
    return {row["name"] for row in response.json()["results"]}


def test_reads_on_the_replicas_writes_on_the_primary_and_a_coder_reads_their_write(world):
    client = Client()
    totals = dict.fromkeys(ALIASES, 0)
    for _ in range(6):
        response, counts = served(client)
        assert response.status_code == 200
        for alias in ALIASES:
            totals[alias] += counts[alias]
    assert totals["default"] == 0, totals
    assert totals["replica1"] > 0 and totals["replica2"] > 0, totals

    coder = Client()
    coder.force_login(make_user("coder", "replica-coder"))
    new = rename(world.e2.pk, "Chongjin Bag Factory (renamed)")
    response, counts = served(coder)  # at once: no waiting for replay
    assert "Chongjin Bag Factory (renamed)" in names(response)
    assert counts["replica1"] == counts["replica2"] == 0 and counts["default"] > 0
    # An anonymous client that says it has seen the new version gets it at once too.
    response, _ = served(Client(), **{"X-Registry-Seen-Version": str(new)})
    assert "Chongjin Bag Factory (renamed)" in names(response)
    assert etag_version(response) >= new
    rename(world.e2.pk, "Chongjin Bag Factory")


def test_a_stopped_replica_costs_no_error_and_is_used_again_after_its_back_off():
    client = Client()
    served(client)  # both connected (persistent connections)
    stop("replica2")
    try:
        statuses, counts = [], dict.fromkeys(ALIASES, 0)
        for _ in range(20):
            response, served_counts = served(client)
            statuses.append(response.status_code)
            for alias in ALIASES:
                counts[alias] += served_counts[alias]
        assert statuses == [200] * 20
        assert counts["replica2"] == 0 and counts["replica1"] > 0, counts
        assert replicas.health("replica2").state == replicas.DOWN
    finally:
        start("replica2")
    wait_caught_up("replica2")
    time.sleep(settings.REPLICA_RETRY_MAX_SECONDS)
    used = 0
    for _ in range(6):
        response, served_counts = served(client)
        assert response.status_code == 200
        used += served_counts["replica2"]
    assert used > 0 and replicas.health("replica2").state == replicas.OK


def test_a_hung_replica_is_answered_around_within_the_time_out():
    client = Client()
    served(client)  # connections to both kept: the hung one's is in the pool
    signal_server("replica1", signal.SIGSTOP)
    try:
        times = []
        for _ in range(8):
            started = time.monotonic()
            response, counts = served(client)
            times.append(time.monotonic() - started)
            assert response.status_code == 200
            assert counts["replica1"] == 0
        # The first request waits for the time-out (the health check's, 1 s, or the connect
        # time-out, 2 s); the rest skip the replica, but for one request per back-off (1 s,
        # then 2 s), which tries it again and waits the connect time-out.
        assert max(times) < settings.REPLICA_STATEMENT_TIMEOUT + 2, times
        slow = [t for t in times if t > 1]
        assert len(slow) <= 1 + sum(times) / settings.REPLICA_RETRY_SECONDS, times
        assert replicas.health("replica1").state == replicas.DOWN
    finally:
        signal_server("replica1", signal.SIGCONT)


def test_a_query_on_a_replica_that_stops_answering_is_cut_at_the_statement_time_out():
    connection = connections["replica1"]
    connection.ensure_connection()
    signal_server("replica1", signal.SIGSTOP)
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM registry_enterprise")
        # The server's statement_timeout cannot fire (the server is stopped): the client's
        # watchdog cuts the socket one second after it.
        assert time.monotonic() - started < settings.REPLICA_STATEMENT_TIMEOUT + 2
    finally:
        signal_server("replica1", signal.SIGCONT)
        connection.close()


def test_a_long_query_on_a_replica_is_cancelled_by_the_server_at_the_statement_time_out():
    connection = connections["replica1"]
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")
    assert time.monotonic() - started < settings.REPLICA_STATEMENT_TIMEOUT + 1
    connection.close()


def test_a_replica_whose_replay_is_paused_past_the_bound_is_skipped(world):
    client = Client()
    pause("replica1")
    new = rename(world.e3.pk, "Kim Chaek Coke Plant (new)")
    wait_caught_up("replica2")
    time.sleep(settings.REPLICA_MAX_LAG + settings.REPLICA_CHECK_SECONDS)
    for _ in range(10):
        response, counts = served(client)
        assert response.status_code == 200
        assert "Kim Chaek Coke Plant (new)" in names(response), "stale answer"
        assert etag_version(response) >= new
        assert counts["replica1"] == 0
    state = replicas.health("replica1")
    assert state.state == replicas.LAGGING and state.lag > settings.REPLICA_MAX_LAG
    resume("replica1")
    wait_caught_up("replica1")
    time.sleep(settings.REPLICA_CHECK_SECONDS)
    used = sum(served(client)[1]["replica1"] for _ in range(4))
    assert used > 0 and replicas.health("replica1").state == replicas.OK
    rename(world.e3.pk, "Kim Chaek Coke Plant")


@override_settings(REPLICA_MAX_LAG=1000)
def test_two_replicas_at_different_lag_never_take_a_client_back_in_time(world):
    pause("replica1")
    old = version_on("replica1")
    new = rename(world.e4.pk, "Pyongyang Cosmetics Factory (new)")
    wait_caught_up("replica2")
    # Without a version to keep to, the two replicas disagree: the lag is real.
    seen = {etag_version(served(Client())[0]) for _ in range(6)}
    assert seen == {old, new}
    # A client sending back what it got is never served older data than it has seen.
    client, etag, newest, answers = Client(), None, 0, []
    for _ in range(20):
        response, counts = served(client, **({"If-None-Match": etag} if etag else {}))
        if response.status_code == 304:
            answers.append(("304", etag_version(response)))
            assert etag_version(response) == newest
            continue
        assert response.status_code == 200
        version = etag_version(response)
        assert version >= newest, answers
        assert ("Pyongyang Cosmetics Factory (new)" in names(response)) == (version >= new)
        newest, etag = version, response["ETag"]
        answers.append(("200", version))
    assert newest == new and answers[-1] == ("304", new), answers
    resume("replica1")
    rename(world.e4.pk, "Pyongyang Cosmetics Factory")


@override_settings(REPLICA_MAX_LAG=1000, REGISTRY_REPLICAS=["replica1"])
def test_a_page_and_its_csv_come_from_the_same_database_and_carry_its_version(world):
    pause("replica1")
    old = version_on("replica1")
    rename(world.e5.pk, "Musan Area Mine (new)")
    page, page_counts = served(Client())
    csv, csv_counts = served(Client(), f"{URL}?format=csv")
    assert page.status_code == csv.status_code == 200
    assert etag_version(page) == etag_version(csv) == old
    # The CSV's rows streamed from the replica its headers came from: the old name, and no
    # statement on the primary while it streamed.
    assert b"Musan Area Mine," in csv.content_read and b"(new)" not in csv.content_read
    assert "Musan Area Mine" in names(page)
    assert page_counts["default"] == csv_counts["default"] == 0
    assert csv_counts["replica1"] > 0
    resume("replica1")
    rename(world.e5.pk, "Musan Area Mine")


def test_the_data_version_is_read_from_the_replica_serving_the_request():
    with replicas.reading_from("replica1"):
        assert dataversion.current(public=True) == version_on("replica1")
