"""Each response carries its contact's queue, so the scoring engine reads the dashboards' queue cut
without joining every contact (a hash join over the whole contact table per chunk)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0014_dimension_code_validators"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="queue",
            field=models.CharField(blank=True, db_default="", default="", max_length=50, verbose_name="queue"),
        ),
        # Existing responses take their contact's queue (a correlated subquery: PostgreSQL and SQLite alike).
        migrations.RunSQL(
            "UPDATE surveys_response SET queue = (SELECT c.queue FROM surveys_contact c"
            " WHERE c.id = surveys_response.contact_id) WHERE contact_id IN"
            " (SELECT c.id FROM surveys_contact c WHERE c.queue <> '')",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
