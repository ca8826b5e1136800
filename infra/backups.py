"""Whole-database backup and restore: pg_dump/pg_restore on PostgreSQL, SQLite's online
backup API on SQLite. Both copy every table (history, users, tokens, sign-in attempts), so a
restore brings back exactly what was there, sequences included.

The connection settings come from Django's own connection (DATABASE_URL, or the test
database in tests), never from a second parse of the environment.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    pass


def default_filename(alias="default"):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if connections[alias].vendor == "postgresql" else "sqlite3"
    return Path("backups") / f"registry-{stamp}.{suffix}"


def backup(output, *, alias="default"):
    """Write a consistent copy of the whole database to `output`; returns its size in bytes."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        # -Fc: compressed, and pg_restore can pick tables out of it. pg_dump reads one
        # snapshot, so a backup taken while coders work is still consistent.
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(output)], connection)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        # The online backup API copies page by page under SQLite's locking, so writers
        # elsewhere cannot leave a torn copy (a plain file copy could).
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    return output.stat().st_size


def restore(source, *, alias="default"):
    """Replace everything in the database with the backup in `source`, in one transaction."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with open(source, "rb") as f:
        head = f.read(16)
    connection = connections[alias]
    if connection.vendor == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format file (make backup on PostgreSQL writes one)")
        connection.close()  # our own idle connection must not hold locks on the tables dropped
        # --clean drops what the dump recreates; --single-transaction makes a failed restore
        # change nothing; --exit-on-error so it does fail rather than half-restore.
        _run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", str(source)],
            connection,
        )
    elif connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} is not an SQLite database (make backup on SQLite writes one)")
        connection.ensure_connection()
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            # Copied into the live database under a lock: other connections see the old
            # contents or the new, never a mixture.
            backup_db.backup(connection.connection)
        finally:
            backup_db.close()
    else:
        raise BackupError(f"no restore method for {connection.vendor}")


def _run(command, connection):
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])  # not on the command line, where ps shows it
    args = [tool, *command[1:]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if s.get(key):
            args[1:1] = [flag, str(s[key])]
    args[1:1] = ["--dbname", s["NAME"]]
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
