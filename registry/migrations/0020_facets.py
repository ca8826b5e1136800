# The public facets by grade and region from one partial index (issue 18).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0019_regions'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='enterprise',
            index=models.Index(condition=models.Q(('public_listed', True)), fields=['grade', 'region'], include=('id',), name='registry_ent_public_facets'),
        ),
    ]
