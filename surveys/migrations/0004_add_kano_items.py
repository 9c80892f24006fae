from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0007_add_notifications'),
        ('surveys', '0003_add_pulse_surveys_and_staff_voice'),
    ]

    operations = [
        migrations.AlterField(
            model_name='answer',
            name='item',
            field=models.CharField(choices=[('csat', 'Overall satisfaction (CSAT)'), ('nps', 'Likelihood to recommend (NPS)'), ('ces', 'Customer effort (CES)'), ('fcr', 'Resolved in this contact (FCR)'), ('expectation', 'Expectation'), ('experience', 'Experience'), ('disconfirmation', 'Compared with expectation'), ('comment', 'Comment'), ('kano_functional', 'Kano: if the service had it'), ('kano_dysfunctional', 'Kano: if the service lacked it')], max_length=20, verbose_name='item'),
        ),
    ]
