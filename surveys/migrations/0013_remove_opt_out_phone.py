from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0012_hash_opt_out_phones'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='optout',
            name='phone',
        ),
        migrations.AlterField(
            model_name='optout',
            name='phone_hash',
            field=models.CharField(max_length=64, unique=True, verbose_name='phone hash'),
        ),
    ]
