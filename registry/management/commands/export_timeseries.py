import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from registry.releases import provenance, data as release_data
from infra import spreadsheets
from registry.series import timeseries
from registry import vocabulary
from registry.releases.files import ReleaseError

# The command's own options; every other option is a series parameter (--max-code is max_code).
OWN = ("format", "bom", "output", "user", "release")


class Command(BaseCommand):
    help = (
        "Export a time series of coded articles, enterprises or claims per period and place "
        "(or region, industry, grade, tier) as long CSV (period,group,value,flag), Excel (--format xlsx, with --output) or JSON. "
        "LIST: " + vocabulary.LIST_HELP + " (\"Sinpo, South Hamgyong; Chongjin\")."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # No abbreviations: a misspelt --max-cod must be an error, not a guess.
        return super().create_parser(prog_name, subcommand, allow_abbrev=False, **kwargs)

    def add_arguments(self, parser):
        # One flag per series parameter, from its one declaration (registry/series/params.py).
        for name, field in timeseries.SeriesQuestion.base_fields.items():
            flag = timeseries.ParameterError.flag_of(name)
            if isinstance(field, vocabulary.YesNoField):
                parser.add_argument(flag, dest=name, action="store_true", help=field.help_text)
            else:
                metavar = "LIST" if isinstance(field, vocabulary.ListField) else None
                parser.add_argument(flag, dest=name, default="", metavar=metavar, help=field.help_text)
        download = vocabulary.DownloadQuestion.base_fields
        parser.add_argument("--format", default="csv", choices=("csv", "json", "xlsx", "dta"), help=download["format"].help_text)
        parser.add_argument("--bom", action="store_true", help=download["bom"].help_text)
        parser.add_argument("--output", default="", metavar="FILE", help="write here instead of standard output")
        parser.add_argument("--user", default="", metavar="USERNAME",
                            help="count what this user may see (restricted articles too, with the permission); "
                                 "default: public articles only")
        parser.add_argument("--release", default="", metavar="NAME",
                            help="compute from this release (make_release) instead of the live data")

    def handle(self, *args, **options):
        _download, errors = vocabulary.download_options({"format": options["format"], "bom": options["bom"]})
        if errors:
            raise CommandError("; ".join(f"--{name}: {' '.join(m)}" for name, m in errors.items()))
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError(_("--format xlsx: give --output FILE.xlsx (a workbook is not text for the terminal)"))
        if options["format"] == "dta" and not options["output"]:
            raise CommandError(_("--format dta: give --output FILE.dta (a Stata file is not text for the terminal)"))
        if options["release"] and options["user"]:
            raise CommandError("--user: a release holds public data only; give --release or --user, not both")
        params = {name: options[name] for name in timeseries.SeriesQuestion.base_fields}
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
                result = timeseries.compute(timeseries.parse_params(params), user=user)
        except timeseries.ParameterError as error:
            raise CommandError(error.for_command()) from None
        except ReleaseError as error:
            raise CommandError(f"--release: {error}") from None
        stamp = provenance.of_release(release) if release else provenance.live(user)
        if options["format"] in ("xlsx", "dta"):
            header, *rows = result.table()
            try:
                with open(options["output"], "wb") as out:
                    for chunk in spreadsheets.chunks(header, rows, format=options["format"], sheet="timeseries"):
                        out.write(chunk)
            except OSError as exc:
                raise CommandError(f"--output: cannot write {options['output']}: {exc.strerror}") from None
            self.stderr.write(result.left_out_text())
            self.stderr.write(result.coverage_text())
            self.stderr.write(provenance.note(stamp))
            return
        text = (
            json.dumps({**result.to_json(), "data_version": stamp}, ensure_ascii=False, indent=2) + "\n"
            if options["format"] == "json" else result.to_csv(bom=options["bom"])
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
            self.stderr.write(result.coverage_text())
        self.stderr.write(provenance.note(stamp))
