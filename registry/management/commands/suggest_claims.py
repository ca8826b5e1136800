import json
import sys

from django.core.management.base import BaseCommand, CommandError

from registry.articles.proposals import BadRequest, Lexicon, suggest


class Command(BaseCommand):
    help = (
        "Propose the claims of articles (registry/articles/proposals.py): FILE is JSON Lines as for "
        "ingest_articles (id, title, text, ...), or - for standard input; one JSON line out per "
        "line in: its id and claims (enterprise, enterprise_id, new_name, place, activity, code, evidence)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            handle = sys.stdin if file == "-" else open(file, encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        lexicon = Lexicon.current()
        failed = 0
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    answer = suggest(json.loads(line), lexicon)
                except (json.JSONDecodeError, BadRequest) as error:
                    failed += 1
                    self.stderr.write(f"line {number}: {error}")
                    continue
                self.stdout.write(json.dumps(answer, ensure_ascii=False))
        if failed:
            raise CommandError(f"{failed} line(s) could not be read")
