"""The permission to mark an article reviewed, and the role groups coder, reviewer, viewer."""

from django.db import migrations


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); the groups need
    # them now, so create them here first (idempotent).
    from django.contrib.auth.management import create_permissions

    # In the database being migrated (a release's SQLite copy too), not always the default.
    using = schema_editor.connection.alias
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0, using=using)
        config.models_module = None

    from registry.access.roles import ensure_roles

    ensure_roles(
        Group=apps.get_model("auth", "Group"), Permission=apps.get_model("auth", "Permission"), partial=True, using=using
    )


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="article",
            options={
                "ordering": ["-published", "id"],
                "permissions": [
                    ("view_restricted", "Can see restricted articles, full texts and internal notes"),
                    ("review_article", "Can mark an article reviewed"),
                ],
            },
        ),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
