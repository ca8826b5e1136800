"""Backups: a full backup and restore round trip loses nothing, on SQLite and PostgreSQL.

The backup runs outside the test's transaction (pg_dump is another process), so this test
commits for real: `transactional_db`, which empties the database afterwards."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from registry.models import Article, Claim, Enterprise, Location

ROOT = Path(__file__).resolve().parent.parent


def snapshot():
    """Row count and a checksum of every table: all columns, rows ordered by primary key."""
    result = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            pk = connection.introspection.get_primary_key_column(cursor, table)
            quoted = connection.ops.quote_name(table)
            order = connection.ops.quote_name(pk) if pk else "1"
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")
            digest, count = hashlib.sha256(), 0
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
                count += 1
            result[table] = (count, digest.hexdigest())
    return result


@pytest.mark.slow  # a whole database backed up and restored
def test_a_backup_and_restore_round_trip_loses_nothing(transactional_db, tmp_path, django_user_model):
    call_command("load_reference", verbosity=0)
    coder = django_user_model.objects.create_user("coder", password="a long enough passphrase 42")
    call_command("import_claims", str(ROOT / "fixtures" / "sample_claims.csv"), user="coder", stdout=io.StringIO())
    before = snapshot()
    # The data is really there: the sample file's 98 rows and the history of each write.
    assert before["registry_claim"][0] == Claim.objects.count() == 98
    assert before["registry_historicalclaim"][0] == 98
    assert before["registry_location"][0] == Location.objects.count() > 200

    output = tmp_path / ("registry.dump" if connection.vendor == "postgresql" else "registry.sqlite3")
    call_command("backup", output=str(output), stdout=io.StringIO())
    assert output.stat().st_size > 10_000

    # Lose and mangle data in several ways.
    Claim.objects.filter(code=5).delete()
    Enterprise.objects.update(name="???")
    Article.objects.filter(pk=Article.objects.order_by("pk").first().pk).delete()
    coder.delete()
    assert snapshot() != before

    call_command("restore", str(output), interactive=False, stdout=io.StringIO())
    after = snapshot()
    assert after == before
    # Sequences came back too: a new row does not collide with a restored one.
    claim = Claim.objects.order_by("pk").first()
    claim.pk = None
    claim.activity = "closure"
    claim.save()
    assert claim.pk > max(Claim.objects.exclude(pk=claim.pk).values_list("pk", flat=True))


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    with pytest.raises(CommandError, match="is not a"):
        call_command("restore", str(junk), interactive=False)
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore", str(tmp_path / "missing.dump"), interactive=False)
