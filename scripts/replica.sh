#!/bin/sh
# A real PostgreSQL streaming replica on this machine, for trying DATABASE_REPLICA_URLS
# (registry/replicas.py) and measuring it once. DEPLOY.md ("Read replicas") has the steps for
# a real deployment, where the replica is another machine.
#
#   scripts/replica.sh start     allow replication from 127.0.0.1 in the primary's pg_hba.conf
#                                (and reload), pg_basebackup the primary (127.0.0.1:5432) with a
#                                replication slot, start it as a hot standby on port 5433
#   scripts/replica.sh status    is it in recovery, and how far behind (bytes of WAL)
#   scripts/replica.sh stop      stop it, drop its slot on the primary, remove its directory
#
# Run as root (or as postgres); the server runs as the postgres user. Environment:
# PRIMARY_PORT (5432), REPLICA_PORT (5433), REPLICA_DIR (/var/lib/postgresql/15/replica5433),
# PG_BIN (/usr/lib/postgresql/15/bin), SLOT (registry_replica_5433).
set -eu

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/var/lib/postgresql/15/replica$REPLICA_PORT}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SLOT=${SLOT:-registry_replica_$REPLICA_PORT}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -Atc "$1"; }

case "${1:-}" in
start)
    hba=$(primary "SHOW hba_file")
    # pg_basebackup and the standby connect with the replication protocol, which an
    # "all" line does not cover: only loopback, only the postgres role.
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+postgres[[:space:]]+127\.0\.0\.1/32' "$hba"; then
        printf '\n# Streaming replica on this machine (scripts/replica.sh)\nhost replication postgres 127.0.0.1/32 trust\n' >> "$hba"
        primary "SELECT pg_reload_conf()" >/dev/null
        echo "pg_hba: replication from 127.0.0.1 allowed ($hba), configuration reloaded"
    fi
    [ "$(primary "SHOW wal_level")" != minimal ] || { echo "wal_level is minimal: set it to replica and restart the primary" >&2; exit 1; }
    if [ -e "$REPLICA_DIR/postmaster.pid" ]; then
        echo "a server runs in $REPLICA_DIR already" >&2; exit 1
    fi
    if [ ! -e "$REPLICA_DIR/standby.signal" ]; then
        rm -rf "$REPLICA_DIR"
        mkdir -p "$REPLICA_DIR" && chown postgres:postgres "$REPLICA_DIR" && chmod 700 "$REPLICA_DIR"
        # -R writes standby.signal and primary_conninfo; -C -S a slot, so the primary keeps the
        # WAL the replica has not received yet; -X stream copies the WAL made during the copy.
        as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
            -R -X stream -C -S "$SLOT" -c fast --progress
    fi
    # Debian keeps the configuration in /etc, outside the copied directory: the primary's
    # files, then what must differ (later lines win).
    for setting in config_file hba_file ident_file; do
        file=$(primary "SHOW $setting")
        cp "$file" "$REPLICA_DIR/$(basename "$file")"
    done
    # Debian's postgresql.conf includes conf.d/ (relative to itself): the same settings here.
    conf_dir=$(dirname "$(primary "SHOW config_file")")/conf.d
    mkdir -p "$REPLICA_DIR/conf.d"
    if [ -d "$conf_dir" ]; then cp -r "$conf_dir/." "$REPLICA_DIR/conf.d/"; fi
    chown -R postgres:postgres "$REPLICA_DIR/conf.d"
    cat >> "$REPLICA_DIR/postgresql.conf" <<EOF

# scripts/replica.sh: a hot standby of 127.0.0.1:$PRIMARY_PORT
data_directory = '$REPLICA_DIR'
hba_file = '$REPLICA_DIR/pg_hba.conf'
ident_file = '$REPLICA_DIR/pg_ident.conf'
external_pid_file = ''
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
hot_standby = on
cluster_name = 'replica$REPLICA_PORT'
EOF
    chown postgres:postgres "$REPLICA_DIR"/*.conf
    as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w start
    "$0" status
    ;;
status)
    echo "replica on $REPLICA_PORT in recovery: $(psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -Atc 'SELECT pg_is_in_recovery()')"
    primary "SELECT application_name, state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes_behind FROM pg_stat_replication"
    ;;
stop)
    if [ -e "$REPLICA_DIR/postmaster.pid" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop
    fi
    primary "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
    rm -rf "$REPLICA_DIR"
    echo "replica stopped, slot $SLOT dropped, $REPLICA_DIR removed (the pg_hba line stays)"
    ;;
*)
    echo "usage: $0 start|status|stop" >&2; exit 2
    ;;
esac
