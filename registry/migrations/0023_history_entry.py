import importlib

from django.db import migrations

# The roles now include the attribute periods' permissions: the same step as 0002, run again.
create_roles = importlib.import_module("registry.migrations.0002_review_permission_and_roles").create_roles


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0022_public_version"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
