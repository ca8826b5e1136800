import os
import resource
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.releases.describe import citation

from registry.releases.files import ReleaseError, Timings, release_path

from registry.releases.make import make_release


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
        parser.add_argument("--author", action="append", default=[], dest="authors", metavar="'FAMILY, GIVEN[, ORCID]'",
                            help="an author of the release (repeat for each); written into datapackage.json, CITATION.cff and the README")
        parser.add_argument("--licence", default=None, help="the data's licence, an SPDX id (default settings.RELEASE_LICENCE, CC-BY-4.0)")
        parser.add_argument("--user", default="", metavar="USERNAME", help="who makes it (recorded, not published)")
        parser.add_argument(
            "--timings", action="store_true",
            help="print each stage's wall and CPU seconds at the end (and the load average): where the time goes",
        )

    def handle(self, *args, name, title, notes, user, authors=(), licence=None, **options):
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

        timings = Timings() if options["timings"] else None
        started, cpu_started, load_before = time.perf_counter(), time.process_time(), os.getloadavg()
        try:
            release = make_release(name=name, title=title, notes=notes, user=made_by, progress=progress, timings=timings,
                                   authors=authors, licence=licence)
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        if tty:
            self.stderr.write("")
        if timings:
            self._print_timings(timings, time.perf_counter() - started, time.process_time() - cpu_started, load_before, os.getloadavg())
        self.stdout.write(f"release {release.name}: {release_path(release.name)} — {citation(release)}")

    def _print_timings(self, timings, total, cpu, load_before, load_after):
        width = max(len(stage) for stage, _wall, _cpu in timings.stages)
        # CPU: this process's (the database server's, for the export's queries, is not in it).
        lines = [f"{'stage':<{width}}  {'wall s':>8}  {'CPU s':>8}"]
        lines += [f"{stage:<{width}}  {wall:8.1f}  {used:8.1f}" for stage, wall, used in timings.stages]
        lines.append(f"{'whole command':<{width}}  {total:8.1f}  {cpu:8.1f}")
        lines.append(
            "load average (1, 5, 15 min): before {}, after {}".format(
                ", ".join(f"{n:.2f}" for n in load_before), ", ".join(f"{n:.2f}" for n in load_after)
            )
        )
        self.stderr.write("\n".join(lines))
