import csv
import json

from django.core.management.base import BaseCommand, CommandError

from registry.method.agreement_rounds import REPORT_COLUMNS, report_rows
from registry.models import AgreementRound


class Command(BaseCommand):
    help = (
        "Inter-coder agreement: Krippendorff's alpha of the code (ordinal) and the activity (nominal) per "
        "agreement round and coder pair, with the units measured and bootstrap 95% intervals."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, help="One round's id (default: every round)")
        parser.add_argument("--format", choices=["text", "csv", "json"], default="text")

    def handle(self, *args, round, format, **options):
        rounds = AgreementRound.objects.select_related("second_coder").order_by("id")
        if round is not None:
            rounds = rounds.filter(pk=round)
            if not rounds.exists():
                raise CommandError(f"--round: no agreement round {round}")
        rows = list(report_rows(rounds))
        if format == "json":
            self.stdout.write(json.dumps(rows, indent=2))
        elif format == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=REPORT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        else:
            self._text(rows)

    def _text(self, rows):
        if not rows:
            self.stdout.write("no agreement rounds")
            return

        def alpha(row, name):
            value, low, high = row[f"alpha_{name}"], row[f"{name}_low"], row[f"{name}_high"]
            if value is None:
                return "—"
            return f"{value:.3f}" + (f" [{low:.3f}, {high:.3f}]" if low is not None else "") + f" {row[f'{name}_verdict']}"

        table = [("round", "status", "first coder", "second coder", "articles", "units", "enterprise units", "alpha code (ordinal)", "alpha activity (nominal)")]
        for row in rows:
            table.append((str(row["round"]), row["status"], row["first_coder"], row["second_coder"], str(row["articles"]),
                          str(row["units"]), str(row["activity_units"]), alpha(row, "code"), alpha(row, "activity")))
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
        for line in table:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        self.stdout.write(f"{len({r['round'] for r in rows})} round(s); reliable >= 0.80, tentative >= 0.667 (Krippendorff)")
