import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.importing.rows import ImportFailed
from registry.services import HISTORY_HEADER, history_import


class Command(BaseCommand):
    help = (
        f"Import enterprises' attributes in time from a UTF-8 CSV (header: {','.join(HISTORY_HEADER)}; "
        "field one of name, grade, place, parent, industry, kind; evidence an article id or a free-text source). "
        "All rows go in, or none; a period already stored is matched, not added."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing")
        parser.add_argument("--user", help="Username the periods' history names")

    def handle(self, *args, file, dry_run, user, **options):
        writer = None
        if user:
            writer = get_user_model().objects.filter(username=user).first()
            if writer is None:
                raise CommandError(f"--user: no user named {user!r}")
        try:
            data = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            counts = history_import(data=data, user=writer, dry_run=dry_run)
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failed.errors)} problem(s) found; nothing was imported") from None
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{counts['rows']} rows: {verb} {counts['created']} periods; matched {counts['matched']}"
            + (" (dry run: nothing written)" if dry_run else "")
        )
