import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.importing.rows import ImportFailed
from registry.services import coverage_import


class Command(BaseCommand):
    help = "Import which date ranges of each source were read: a UTF-8 CSV source,start,end,extent,note. All rows go in, or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or - for standard input")
        parser.add_argument("--user", help="Username recorded as the reader")

    def handle(self, *args, file, user, **options):
        reader = None
        if user:
            reader = get_user_model().objects.filter(username=user).first()
            if reader is None:
                raise CommandError(f"--user: no user named {user!r}")
        try:
            data = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            added = coverage_import(data=data, user=reader)
        except ImportFailed as failed:
            raise CommandError("nothing imported:\n" + "\n".join(failed.errors)) from None
        self.stdout.write(f"{added} coverage range(s) added")
