import time

from django.core.management.base import BaseCommand, CommandError

from registry import evidence


class Command(BaseCommand):
    help = (
        "Recompute every enterprise's stored public evidence (claim count, first and last seen "
        "with precision, listed) and first-level region from the claims, and each claim's public "
        "date and precision (registry/evidence.py). "
        "The writes keep them; run this after changing REGISTRY_PUBLISHED_STATUSES, moving a "
        "place in the tree, or writing rows with raw SQL. --check only reports differences."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report enterprises whose stored evidence is stale; change nothing")

    def handle(self, *args, check, **options):
        started = time.perf_counter()
        if check:
            stale = [("enterprise", *row) for row in evidence.differences()]
            stale += [("claim", *row) for row in evidence.claim_differences()]
            for model, pk, column, stored, computed in stale[:50]:
                self.stdout.write(f"{model} #{pk}: {column} stored {stored!r}, computed {computed!r}")
            if stale:
                raise CommandError(f"{len(stale)} stored value(s) differ from the claims; run rebuild_evidence")
            self.stdout.write(f"stored evidence matches the claims ({time.perf_counter() - started:.1f} s)")
            return
        rows = evidence.rebuild()
        self.stdout.write(f"rebuilt the stored evidence of {rows:,} enterprises in {time.perf_counter() - started:.1f} s")
