from django.core.management.base import BaseCommand, CommandError

from infra.backups import BackupError, backup, default_filename


class Command(BaseCommand):
    help = "Back up the whole database: pg_dump -Fc on PostgreSQL, SQLite's online backup on SQLite."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: backups/registry-<date>-<time>.dump|.sqlite3)")

    def handle(self, *args, output, **options):
        output = output or default_filename()
        try:
            size = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backed up to {output} ({size:,} bytes)")
