import resource
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.releases import ReleaseError, citation, make_release, release_path


class Command(BaseCommand):
    help = (
        "Freeze what the public may see into a citable release: a validated Frictionless Data "
        "Package (CSVs with Table Schemas, the codebook, README, CITATION.cff, MANIFEST) under "
        "RELEASES_DIR/NAME, and NAME.zip beside it. A name already used is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. 2026.1")
        parser.add_argument("--title", default="")
        parser.add_argument("--notes", default="", help="what is new in this release; printed in its README")
        parser.add_argument("--user", default="", metavar="USERNAME", help="who makes it (recorded, not published)")

    def handle(self, *args, name, title, notes, user, **options):
        made_by = None
        if user:
            try:
                made_by = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user: no user named {user!r}") from None
        # On a terminal one line is rewritten as rows stream; in a log, a line per step.
        tty = options["verbosity"] >= 1 and sys.stderr.isatty()

        def progress(stage, rows):
            if options["verbosity"] >= 1:
                line = f"{stage}: {rows:,} rows"
                if options["verbosity"] >= 2:  # for the benchmark: is memory flat while rows stream?
                    line += f" (peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)"
                self.stderr.write(f"\r{line}" + " " * 10 if tty else line, ending="" if tty else "\n")

        try:
            release = make_release(name=name, title=title, notes=notes, user=made_by, progress=progress)
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        if tty:
            self.stderr.write("")
        self.stdout.write(f"release {release.name}: {release_path(release.name)} — {citation(release)}")
