from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from infra.backups import BackupError, restore


class Command(BaseCommand):
    help = "Replace everything in the database with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Backup file (.dump from PostgreSQL, .sqlite3 from SQLite)")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask to confirm")

    def handle(self, *args, file, interactive, **options):
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(f"This replaces everything in the database {name} with {file}. Type 'yes' to go on: ")
            if answer != "yes":
                raise CommandError("restore cancelled; nothing was changed")
        try:
            restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {name} from {file}")
