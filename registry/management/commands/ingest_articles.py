import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from registry.articles.ingest import ingest


class Command(BaseCommand):
    help = (
        "Read articles in as drafts with their full text (registry/articles/ingest.py): PATH is a .jsonl "
        "(one article a line: source, published, title, text, url), .txt or .html file, or a folder "
        "of them. Articles already recorded (same source, date and text) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--coder", help="Username whose inbox the drafts go to (coded by)")
        parser.add_argument("--no-reprints", action="store_true", help="Do not link likely reprints as stories")

    def handle(self, *args, path, coder, no_reprints, **options):
        user = None
        if coder:
            try:
                user = get_user_model().objects.get(username=coder)
            except get_user_model().DoesNotExist:
                raise CommandError(f"--coder: no user named {coder!r}") from None
        started = time.monotonic()
        try:
            result = ingest(path, coder=user, user=user, link_reprints=not no_reprints)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror or error}") from None
        for problem in result.problems:
            self.stderr.write(str(problem))
        self.stdout.write(
            f"{result.created} articles added, {result.skipped} already recorded, {result.stories} reprints "
            f"linked as stories, {len(result.problems)} refused ({time.monotonic() - started:.1f} s)"
        )
