from django.core.management.base import BaseCommand
from django.db import connection, transaction

from registry.articles import search


class Command(BaseCommand):
    help = (
        "Recompute every article's stored search columns (headline, summary and the names of "
        "the enterprises its claims name, as words and folded Hangul bigrams) and, on SQLite, "
        "the FTS5 index. Needed only after writes that bypassed the services (raw SQL)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            total = search.rebuild_all(progress=lambda done, total: self.stderr.write(f"\r{done:,}/{total:,}", ending=""))
            if connection.vendor == "sqlite":
                search.ensure_sqlite_index(connection)
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO registry_article_fts(registry_article_fts) VALUES ('rebuild')")
        self.stderr.write("")
        self.stdout.write(f"search columns rebuilt for {total:,} articles")
