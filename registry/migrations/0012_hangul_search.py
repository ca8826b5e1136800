"""Korean search (issue 15) and the article search index (issue 18): the stored search
columns of Article and their index on each database (registry/articles/search.py says why this
index), Enterprise.hangul_key and Source.hangul, and every stored name key re-derived now
that names.name_key folds North and South Hangul spelling."""

from django.db import migrations, models

from registry.articles import search
from registry.places.names import name_key


def fill(apps, schema_editor):
    connection = schema_editor.connection
    # The database being migrated, not the default one: migrating a release's SQLite copy
    # (registry/releases/data.py) rewrote every live article's search columns.
    db = connection.alias
    if connection.vendor == "postgresql":
        for sql in search.PG_CREATE:
            schema_editor.execute(sql)
    else:
        search.ensure_sqlite_index(connection)
    # Name keys with Hangul in them now fold North/South spelling.
    for model, source, key in (("Enterprise", "hangul", "hangul_key"), ("EnterpriseAlias", "name", "name_key"),
                               ("LocationName", "name", "key")):
        Model = apps.get_model("registry", model)
        changed = []
        for row in Model.objects.using(db).exclude(**{source: ""}).only("pk", source, key).iterator():
            value = name_key(getattr(row, source))
            if value != getattr(row, key):
                setattr(row, key, value)
                changed.append(row)
        Model.objects.using(db).bulk_update(changed, [key], batch_size=1000)
    Article = apps.get_model("registry", "Article")
    Claim = apps.get_model("registry", "Claim")
    Alias = apps.get_model("registry", "EnterpriseAlias")
    aliases = {}
    for enterprise_id, name in Alias.objects.using(db).values_list("enterprise_id", "name"):
        aliases.setdefault(enterprise_id, []).append(name)
    names = {}
    for article_id, enterprise_id, name, hangul in Claim.objects.using(db).values_list("article_id", "enterprise_id", "enterprise__name", "enterprise__hangul").iterator():
        names.setdefault(article_id, []).extend([name, hangul, *aliases.get(enterprise_id, [])])
    batch = []
    for article in Article.objects.using(db).only("pk", "title", "title_ko", "summary").iterator():
        for field, value in search.article_fields(article.title, article.title_ko, article.summary).items():
            setattr(article, field, value)
        article.search_names = search.names_tokens(names.get(article.pk, []))
        batch.append(article)
        if len(batch) == 2000:
            Article.objects.using(db).bulk_update(batch, ["search_head", "search_body", "search_names"])
            batch = []
    Article.objects.using(db).bulk_update(batch, ["search_head", "search_body", "search_names"])


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in search.PG_DROP:
            schema_editor.execute(sql)
        from importlib import import_module

        old = import_module("registry.migrations.0004_article_fulltext_index_postgresql")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {old.INDEX} ON registry_article USING gin ({old.EXPRESSION})")
    else:
        search.drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0011_agreement_rounds'),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='search_body',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='article',
            name='search_head',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='article',
            name='search_names',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddField(
            model_name='enterprise',
            name='hangul_key',
            field=models.CharField(blank=True, default='', editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name='historicalenterprise',
            name='hangul_key',
            field=models.CharField(blank=True, default='', editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name='historicalsource',
            name='hangul',
            field=models.CharField(blank=True, help_text='As the publication writes its name: 로동신문', max_length=100),
        ),
        migrations.AddField(
            model_name='source',
            name='hangul',
            field=models.CharField(blank=True, help_text='As the publication writes its name: 로동신문', max_length=100),
        ),
        migrations.AlterField(
            model_name='enterprise',
            name='hangul',
            field=models.CharField(blank=True, help_text='As the state press writes it: 김책제철련합기업소', max_length=100),
        ),
        migrations.AlterField(
            model_name='historicalenterprise',
            name='hangul',
            field=models.CharField(blank=True, help_text='As the state press writes it: 김책제철련합기업소', max_length=100),
        ),
        migrations.RunPython(fill, unfill, elidable=False),
    ]
