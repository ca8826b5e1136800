from django.core.management.base import BaseCommand, CommandError

from registry import benchmark
from registry.corpus import CorpusError


def sizes(text):
    try:
        return [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CommandError(f"--export-sizes: expected numbers separated by commas, got {text!r}") from None


class Command(BaseCommand):
    help = (
        "Print the scale benchmark (issue 6): time series ORM vs SQL, list querysets, CSV export "
        "time and memory, import rate, API endpoints and admin change lists, each next to its target. "
        "Generates the corpus first when the database holds no articles (or with --generate). "
        "--explain prints EXPLAIN ANALYZE of the indexed queries instead (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="(re)generate the corpus, replacing what is there")
        parser.add_argument("--enterprises", type=int, default=20_000)
        parser.add_argument("--articles", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure (after one warm-up)")
        parser.add_argument("--export-sizes", default="100000,1000000")
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument("--import-repeats", type=int, default=3)
        parser.add_argument("--sections", default="12345", help="which parts to run, e.g. 13")
        parser.add_argument("--explain", action="store_true")

    def handle(self, *args, **o):
        out = self.stdout.write
        if o["explain"]:
            benchmark.explain(out=out)
            return
        try:
            benchmark.run(
                out=out, repeats=o["repeats"], export_sizes=sizes(o["export_sizes"]), import_rows=o["import_rows"],
                import_repeats=o["import_repeats"], generate=o["generate"], enterprises=o["enterprises"],
                articles=o["articles"], seed=o["seed"], sections=o["sections"],
            )
        except CorpusError as exc:
            raise CommandError(str(exc)) from None
