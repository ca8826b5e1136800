#!/usr/bin/env bash
# `make test-replicas`: a throwaway PostgreSQL primary and two streaming standbys on spare
# loopback ports, made with DEPLOY.md's manual steps (a replication role with a password, a
# .pgpass file, pg_hba, listen_addresses, hot_standby_feedback, max_standby_streaming_delay,
# pg_basebackup -R -C -S), a Redis on a spare port when redis-server is installed, then
# tests/replication/ against them. Everything it started is stopped and its directory removed
# on exit, failure and Ctrl-C included. Root runs the servers as the postgres user.
#
# Environment: PG_BIN (the newest /usr/lib/postgresql/*/bin), PY (.venv/bin/python or the
# shared virtualenv), PYTEST_ADDOPTS (e.g. a --junitxml for CI).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
PY=${PY:-.venv/bin/python}
[ -x "$PY" ] || PY=/work/main/.venv/bin/python
WORK=$(mktemp -d /tmp/registry-replicas.XXXXXX)
chmod 755 "$WORK"
REDIS_PID=

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- env PGPASSFILE="$WORK/pgpass" "$@"; else PGPASSFILE="$WORK/pgpass" "$@"; fi
}

cleanup() {
    status=$?
    for node in replica2 replica1 primary; do
        dir=$WORK/$node
        if [ -f "$dir/postmaster.pid" ]; then
            pid=$(head -n1 "$dir/postmaster.pid")
            # A test may have left it stopped (SIGSTOP): wake it and its children so it can stop.
            kill -CONT "$pid" $(pgrep -P "$pid" || true) 2>/dev/null || true
            as_postgres "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 20 stop >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    [ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true
    if [ $status -ne 0 ]; then
        for log in "$WORK"/*/server.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; }; done
    fi
    rm -rf "$WORK"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r PRIMARY_PORT REPLICA1_PORT REPLICA2_PORT REDIS_PORT < <("$PY" - <<'EOF'
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
EOF
)
[ "$(id -u)" != 0 ] || chown postgres: "$WORK"
PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

# The primary: a fresh cluster (fsync off: nothing here must survive a crash).
as_postgres "$PG_BIN/initdb" -D "$WORK/primary" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >>"$WORK/primary/postgresql.conf" <<EOF
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'        # DEPLOY.md: the replicas' and the app's address
unix_socket_directories = '$WORK'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
fsync = off
full_page_writes = off
EOF
# DEPLOY.md step 1: the replication role connects with its password (scram), from loopback.
cat >"$WORK/primary/pg_hba.conf" <<EOF
local all postgres trust
host replication replicator 127.0.0.1/32 scram-sha-256
host all postgres 127.0.0.1/32 trust
EOF
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary/server.log" -w start >/dev/null
psql_primary() { as_postgres psql -X -q -h "$WORK" -p "$PRIMARY_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"; }
psql_primary -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$PASSWORD'" \
    -c "CREATE DATABASE registry" -c "ALTER DATABASE registry SET jit = off"
# DEPLOY.md step 2: the password in a .pgpass file (0600, the server user's), never on a command line.
printf '127.0.0.1:%s:replication:replicator:%s\n' "$PRIMARY_PORT" "$PASSWORD" >"$WORK/pgpass"
chmod 600 "$WORK/pgpass"
[ "$(id -u)" != 0 ] || chown postgres: "$WORK/pgpass"

# Migrated while the standbys are copied (they replay it).
DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/registry "$PY" manage.py migrate --noinput --verbosity 0 >"$WORK/migrate.log" 2>&1 &
MIGRATE_PID=$!

port_of() { case $1 in replica1) echo "$REPLICA1_PORT";; replica2) echo "$REPLICA2_PORT";; esac; }
for node in replica1 replica2; do
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U replicator -w -D "$WORK/$node" \
        -R -X stream -C -S "$node" -c fast --no-sync
    cat >>"$WORK/$node/postgresql.conf" <<EOF
port = $(port_of "$node")
unix_socket_directories = '$WORK'
hot_standby = on
hot_standby_feedback = on              # DEPLOY.md: long reads not cancelled by replayed vacuums
max_standby_streaming_delay = 30s      # DEPLOY.md: how long replay may wait for a conflicting read
EOF
    echo "host all postgres 127.0.0.1/32 trust" >"$WORK/$node/pg_hba.conf"
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/$node" -l "$WORK/$node/server.log" -w start >/dev/null
done
# Both stream (the password came from the .pgpass file).
for _ in $(seq 50); do
    n=$(psql_primary -Atc "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
    [ "$n" = 2 ] && break; sleep 0.2
done
[ "$n" = 2 ] || { echo "the standbys are not streaming" >&2; exit 1; }
wait "$MIGRATE_PID" || { cat "$WORK/migrate.log" >&2; exit 1; }
echo "primary :$PRIMARY_PORT and standbys :$REPLICA1_PORT, :$REPLICA2_PORT streaming, migrated, after $SECONDS s"

if command -v redis-server >/dev/null; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$WORK" >"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
fi

export DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/registry
export DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:$REPLICA1_PORT/registry,postgres://postgres@127.0.0.1:$REPLICA2_PORT/registry
export REGISTRY_REAL_REPLICAS=$WORK PG_BIN
export DATABASE_CONNECT_TIMEOUT=2 REPLICA_STATEMENT_TIMEOUT=2 REPLICA_CHECK_TIMEOUT=1
export REPLICA_MAX_LAG=2 REPLICA_CHECK_SECONDS=0.5 REPLICA_RETRY_SECONDS=1 REPLICA_RETRY_MAX_SECONDS=2
export DJANGO_CONN_MAX_AGE=60
if [ -n "${REPLICAS_RUN:-}" ]; then
    # Anything else against the same servers, e.g. the load test of BENCHMARKS.md:
    # REPLICAS_RUN='scripts/loadtest.py --gunicorn ...' scripts/test_replicas.sh
    DATABASE_URL=$DATABASE_URL "$PY" scripts/ensure_database.py >/dev/null 2>&1 || true
    eval "$REPLICAS_RUN"
    exit $?
fi
# Arguments go to pytest; without a path of their own, the whole folder.
case " $* " in *" tests/"*) ;; *) set -- tests/replication "$@" ;; esac
"$PY" -m pytest -p no:cacheprovider "$@"
