from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0010_add_survey_version_revision'),
    ]

    operations = [
        migrations.AddField(
            model_name='optout',
            name='phone_hash',
            field=models.CharField(max_length=64, null=True, verbose_name='phone hash'),
        ),
        migrations.AddField(
            model_name='optout',
            name='phone_hint',
            field=models.CharField(blank=True, max_length=32, verbose_name='phone (masked)'),
        ),
    ]
