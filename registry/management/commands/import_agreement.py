import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from registry.importing.rows import ImportFailed
from registry.services import agreement_import


class Command(BaseCommand):
    help = (
        "Import a double-coded agreement round: a UTF-8 CSV source,published,title,enterprise,activity,code,detail, "
        "one row per unit the second coder recorded. All rows go in, or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or - for standard input")
        parser.add_argument("--second-coder", required=True, help="Username of the second coder")
        parser.add_argument("--create-coder", action="store_true",
                            help="Create the second coder (a staff coder who cannot sign in) if missing: for sample data")
        parser.add_argument("--close", action="store_true", help="Close the round at once (measured, ready to adjudicate)")

    def handle(self, *args, file, second_coder, create_coder, close, **options):
        User = get_user_model()
        coder = User.objects.filter(username=second_coder).first()
        if coder is None and create_coder:
            coder = User(username=second_coder, is_staff=True)
            coder.set_unusable_password()
            coder.save()
            coder.groups.add(Group.objects.get(name="coder"))
            coder = User.objects.get(pk=coder.pk)  # permissions read afresh
        if coder is None:
            raise CommandError(f"--second-coder: no user named {second_coder!r}")
        try:
            data = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            round = agreement_import(data=data, second_coder=coder, close=close)
        except ImportFailed as failed:
            raise CommandError("nothing imported:\n" + "\n".join(failed.errors)) from None
        self.stdout.write(f"agreement round {round.pk}: {round.size} article(s) second-coded by {coder.username}"
                          + (", closed" if close else ""))
