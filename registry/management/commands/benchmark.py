import json

from django.core.management.base import BaseCommand, CommandError

from tools import bench_http, benchmark
from tools.corpus import CorpusError


class Command(BaseCommand):
    help = (
        "Print the scale benchmark (issue 6), each figure next to its target: the time series "
        "through the service vs one hand-written SQL, the API list endpoints, the API's CSV export "
        "(time and peak memory, each in a fresh process), the import rate, and the admin change "
        "lists. Generates the corpus first when the database holds no articles (or with "
        "--generate). --explain prints EXPLAIN ANALYZE of the queries behind them instead (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="(re)generate the corpus, replacing what is there")
        parser.add_argument("--enterprises", type=int, default=20_000)
        parser.add_argument("--articles", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (after one warm-up)")
        parser.add_argument("--export-repeats", type=int, default=3, help="fresh-process runs per CSV export")
        parser.add_argument("--import-rows", type=int, default=50_000)
        parser.add_argument("--import-repeats", type=int, default=3)
        parser.add_argument("--sections", default="123456", help="which parts to run, e.g. 13; c: only 1b (plain vs coverage vs shares); s: only 1c (stored vs joined series); h: dated attributes")
        parser.add_argument("--explain", action="store_true")
        # Internal: one CSV export measured in this (fresh) process; prints JSON.
        parser.add_argument("--export-child", metavar="URL", help=argparse_suppress())

    def handle(self, *args, **o):
        out = self.stdout.write
        if o["export_child"]:
            out(json.dumps(bench_http.export_child(o["export_child"])))
            return
        if o["explain"]:
            benchmark.explain(out=out)
            return
        try:
            benchmark.run(
                out=out, repeats=o["repeats"], export_repeats=o["export_repeats"], import_rows=o["import_rows"],
                import_repeats=o["import_repeats"], generate=o["generate"], enterprises=o["enterprises"],
                articles=o["articles"], seed=o["seed"], sections=o["sections"],
            )
        except CorpusError as exc:
            raise CommandError(str(exc)) from None


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS
