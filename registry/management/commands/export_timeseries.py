import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry import provenance, release_data, timeseries
from registry.releases import ReleaseError


class Command(BaseCommand):
    help = (
        "Export a time series of coded articles, enterprises or claims per period and place "
        "(or region, industry, grade, tier) as long CSV (period,group,value) or JSON. "
        "LIST is comma-separated; separate places that carry a parent with ';' "
        "(\"Sinpo, South Hamgyong; Chongjin\")."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metric", default="articles", choices=timeseries.METRICS)
        parser.add_argument("--activity", default="", metavar="LIST",
                            help="groups (investment, production, technology, other) and activity slugs; default all")
        parser.add_argument("--regions", default="", metavar="LIST",
                            help="places in any spelling; each counts everything inside it")
        parser.add_argument("--group-by", default="", choices=("", *timeseries.GROUP_BYS),
                            help="instead of --regions: all first-level regions, top-level industries, grades or tiers")
        parser.add_argument("--interval", default="year", choices=timeseries.INTERVALS)
        parser.add_argument("--start", default="", help="YYYY, YYYY-MM or YYYY-MM-DD")
        parser.add_argument("--end", default="", help="YYYY, YYYY-MM or YYYY-MM-DD; a partial date means its last day")
        parser.add_argument("--max-code", default="", help="count codes 1 to N only")
        parser.add_argument("--source-kind", default="", metavar="LIST")
        parser.add_argument("--grade", default="", metavar="LIST")
        parser.add_argument("--tier", default="", metavar="LIST")
        parser.add_argument("--industry", default="", metavar="LIST", help="names, slugs or ISIC divisions; with sub-industries")
        parser.add_argument("--status", default="", metavar="LIST", help="draft, coded, reviewed")
        parser.add_argument("--bands", action="store_true", help="each group at maximum code 1, 2, 3, 4 and 5 side by side")
        parser.add_argument("--format", default="csv", choices=("csv", "json"))
        parser.add_argument("--output", default="", metavar="FILE", help="write here instead of standard output")
        parser.add_argument("--user", default="", metavar="USERNAME",
                            help="count what this user may see (restricted articles too, with the permission); "
                                 "default: public articles only")
        parser.add_argument("--release", default="", metavar="NAME",
                            help="compute from this release (make_release) instead of the live data")

    def handle(self, *args, **options):
        if options["release"] and options["user"]:
            raise CommandError("--user: a release holds public data only; give --release or --user, not both")
        # Without --user the export counts what the public may see, like the API without a token.
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"--user: no user named {options['user']!r}") from None
        release = None
        if options["release"]:
            try:
                release = release_data.find(options["release"])
            except release_data.ReleaseNotFound as error:
                raise CommandError(f"--release: {error}") from None
        try:
            # From a release: the same parsing and counting, reading the release's database.
            with release_data.reading(release):
                query = timeseries.parse_params({**options, "bands": "1" if options["bands"] else ""})
                result = timeseries.compute(query, user=user)
        except timeseries.ParameterError as error:
            raise CommandError(f"{error.flag}: {error.message}") from None
        except ReleaseError as error:
            raise CommandError(f"--release: {error}") from None
        stamp = provenance.of_release(release) if release else provenance.live(user)
        text = (
            json.dumps({**result.to_json(), "data_version": stamp}, ensure_ascii=False, indent=2) + "\n"
            if options["format"] == "json" else result.to_csv()
        )
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    out.write(text)
            except OSError as exc:
                raise CommandError(f"--output: cannot write {options['output']}: {exc.strerror}") from None
        else:
            self.stdout.write(text, ending="")
        if options["format"] == "csv":
            self.stderr.write(result.left_out_text())
        self.stderr.write(provenance.note(stamp))
