from django.core.management.base import BaseCommand, CommandError

from tools.corpus import CorpusError, generate_corpus


def claims_range(text):
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise CommandError(f"--claims-per-article: expected e.g. 1-4, got {text!r}") from None


class Command(BaseCommand):
    help = (
        "Write a synthetic corpus (enterprises, articles, 1-4 claims per article) for benchmarks: "
        "skewed like real coverage, deterministic for a seed. Needs load_reference. Writes no "
        "history rows. Uses COPY on PostgreSQL, bulk inserts elsewhere."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=20_000)
        parser.add_argument("--articles", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--claims-per-article", default="1-4", help="range within 1-4, e.g. 1-4 or 2-3")
        parser.add_argument("--clear", action="store_true", help="delete all enterprises, articles and claims first")

    def handle(self, *args, enterprises, articles, seed, claims_per_article, clear, **options):
        def progress(stage, done, total, rate):
            self.stderr.write(f"{stage}: {done:,}/{total:,} ({rate:,.0f} rows/s)")

        try:
            report = generate_corpus(
                enterprises=enterprises, articles=articles, seed=seed,
                claims_per_article=claims_range(claims_per_article), clear=clear,
                progress=progress if options["verbosity"] >= 1 else None,
            )
        except CorpusError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(report))
