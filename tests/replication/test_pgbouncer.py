"""PgBouncer in transaction mode in front of the primary (DEPLOY.md, "Pooling"): with
DATABASE_PGBOUNCER=1 the app sends no startup options (PgBouncer refuses `-c jit=off`) and uses
no server-side cursors; jit is off by the database's own setting (ALTER DATABASE ... SET jit,
made by scripts/test_replicas.sh as DEPLOY.md says)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BINARY = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
pytestmark = pytest.mark.skipif(not BINARY, reason="pgbouncer is not installed")

PROBE = """
import json, django
django.setup()
from django.db import connection
from registry.models import Enterprise
with connection.cursor() as cursor:
    cursor.execute("SHOW jit")
    jit = cursor.fetchone()[0]
    cursor.execute("SHOW statement_timeout")
    timeout = cursor.fetchone()[0]
names = [e.name for e in Enterprise.objects.order_by("pk").iterator(chunk_size=2)]
print(json.dumps({"jit": jit, "timeout": timeout, "rows": len(names)}))
"""


def as_postgres(command):
    return (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) + command


@pytest.fixture(scope="module")
def bouncer():
    directory = Path(tempfile.mkdtemp(prefix="registry-pgbouncer-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = settings.DATABASES["default"]
    (directory / "users.txt").write_text('"postgres" ""\n')
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\nregistry = host={db['HOST']} port={db['PORT']} dbname={db['NAME']}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {directory}/users.txt\npool_mode = transaction\n"
        "default_pool_size = 4\nmax_client_conn = 100\nlogfile =\n"
    )
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        for file in directory.iterdir():
            shutil.chown(file, "postgres")
    process = subprocess.Popen(as_postgres([BINARY, str(directory / "pgbouncer.ini")]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def probe(port, **env):
    environment = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/registry",
                   "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_STATEMENT_TIMEOUT": "30", **env}
    environment.pop("DATABASE_REPLICA_URLS")
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def test_behind_pgbouncer_in_transaction_mode(bouncer, world):
    # What the app sent before (and still sends without the switch): refused.
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(host="127.0.0.1", port=bouncer, user="postgres", dbname="registry", options="-c jit=off", connect_timeout=5)
    result = probe(bouncer, DATABASE_PGBOUNCER="1")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    # jit off by the database's setting; no statement_timeout sent (set it per role instead).
    assert answer == {"jit": "off", "timeout": "0", "rows": answer["rows"]} and answer["rows"] >= 7
