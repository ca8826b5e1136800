"""A GIN index for the API's `q=` search of article headlines and summaries.

PostgreSQL only: SQLite matches words with a regular expression and has no such index. No
model state changes, so `makemigrations --check` stays clean. The expression must be the
one `ArticleQuerySet.search` filters on (querysets.ARTICLE_TSVECTOR), or it goes unused.
"""

from django.db import migrations

INDEX = "registry_article_fulltext"
EXPRESSION = (
    "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(title_ko, '') || ' ' || coalesce(summary, ''))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_article USING gin ({EXPRESSION})")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_scale_indexes")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
