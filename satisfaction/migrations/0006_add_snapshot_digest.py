from django.db import migrations, models

# Snapshot figures over 2 kB are compressed; lz4 does it several times faster than PostgreSQL's
# default pglz (a full recompute writes ~700 MB of them). Servers built without lz4 keep pglz.
LZ4_FIGURES = """
DO $$
BEGIN
    ALTER TABLE satisfaction_scoresnapshot ALTER COLUMN metrics SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 is not available: snapshot figures stay compressed with pglz';
END
$$;
"""
PGLZ_FIGURES = "ALTER TABLE satisfaction_scoresnapshot ALTER COLUMN metrics SET COMPRESSION pglz;"


def compress_with_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LZ4_FIGURES)


def compress_with_pglz(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PGLZ_FIGURES)


class Migration(migrations.Migration):
    dependencies = [
        ("satisfaction", "0005_add_stale_mark_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="scoresnapshot",
            name="digest",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="digest"),
        ),
        migrations.RunPython(compress_with_lz4, compress_with_pglz),
    ]
