import time

from django.core.management.base import BaseCommand, CommandError

from registry.stored import evidence


class Command(BaseCommand):
    help = (
        "Recompute every stored copy with the database triggers' own expressions "
        "(registry/stored/copies.py): each enterprise's public evidence (claim count, first and last seen "
        "with precision, listed) and first-level region, and each claim's public date and "
        "precision and what its enterprise was on the claim's date (place, region, grade, "
        "industry, parent). The triggers keep them through every kind of write; run this after "
        "changing REGISTRY_PUBLISHED_STATUSES (and `migrate`, which reinstalls the triggers "
        "with the new statuses). --check only reports differences."
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
