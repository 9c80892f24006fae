import importlib

from django.db import migrations

import satisfaction.models

# Changing the column's type resets its compression: figures over 2 kB (weeks and months) are
# compressed with lz4 again, as 0006 set it.
lz4 = importlib.import_module("satisfaction.migrations.0006_add_snapshot_digest")


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0006_add_snapshot_digest"),
    ]

    operations = [
        # (Undone last: the type changed back, the column is lz4 again as after 0006.)
        migrations.RunPython(migrations.RunPython.noop, lz4.compress_with_lz4),
        migrations.AlterField(
            model_name="scoresnapshot",
            name="metrics",
            field=satisfaction.models.FiguresField(default=dict, verbose_name="figures"),
        ),
        migrations.RunPython(lz4.compress_with_lz4, migrations.RunPython.noop),
    ]
