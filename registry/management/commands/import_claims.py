import shlex
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.importing.matching import duplicate_error
from registry.importing.rows import ImportFailed
from registry.services import claims_import


class Command(BaseCommand):
    help = (
        "Import a UTF-8 CSV of coded claims (header: source,published,title,summary,enterprise,"
        "grade,kind,industry,location,activity,code,detail,quantity,unit). All rows go in, or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or - for standard input")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing")
        parser.add_argument("--user", help="Username the new articles are attributed to (coded by)")
        parser.add_argument(
            "--keep-existing", action="store_true",
            help="What is recorded wins: rows that contradict it change nothing, only what is missing is added "
                 "(make setup's sample data, run again on a database coders have worked in)",
        )
        parser.add_argument(
            "--accept-new", action="append", default=[], metavar="NAME",
            help="Create this new enterprise although the duplicate guard finds it close to an existing one (repeat per name)",
        )

    def handle(self, *args, file, dry_run, user, accept_new, keep_existing, **options):
        coder = None
        if user:
            try:
                coder = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user: no user named {user!r}") from None
        try:
            data = sys.stdin.buffer.read() if file == "-" else open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None

        def progress(done, total):
            self.stderr.write(f"\rwriting claims: {done:,}/{total:,}", ending="")
            if done == total:
                self.stderr.write("")

        show_progress = self.stderr.isatty() and not dry_run
        try:
            plan = claims_import(
                data=data, user=coder, dry_run=dry_run, progress=progress if show_progress else None, accept_new=accept_new,
                keep_existing=keep_existing,
            )
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(failed.errors)} problem(s) found; nothing was imported") from None
        c = plan.counts()
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"{c['rows']} rows: {verb} {c['articles_created']} articles, {c['enterprises_created']} enterprises, "
            f"{c['claims_created']} claims; matched {c['articles_matched']} articles, "
            f"{c['enterprises_matched']} enterprises, {c['claims_matched']} claims"
            + (" (dry run: nothing written)" if dry_run else "")
        )
        for planned in plan.held:
            self.stdout.write(f"{duplicate_error(planned)}; to create it: --accept-new {shlex.quote(planned.name)}")
        refined = plan.refined_enterprises
        if refined:
            self.stdout.write(f"{'would refine' if dry_run else 'refined'} {len(refined)} enterprises (a more precise place or industry):")
            for e in refined:
                self.stdout.write(f"  {e.existing.name}: {e.describe_refinements()}")
