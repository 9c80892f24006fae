from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0005_add_survey_versions_and_questions'),
    ]

    operations = [
        migrations.AddField(
            model_name='invitation',
            name='completed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='completed'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='expires'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='language',
            field=models.CharField(choices=[('zh-hans', 'Simplified Chinese'), ('en', 'English')], default='zh-hans', max_length=8, verbose_name='language'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='last_position',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='last question'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='reasks',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='re-asks'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='send_after',
            field=models.DateTimeField(blank=True, null=True, verbose_name='send after'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='token',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='token'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['customer_phone', 'started_at'], name='surveys_con_custome_60464b_idx'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='survey_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='invitations', to='surveys.surveyversion', verbose_name='survey version'),
        ),
        migrations.AddIndex(
            model_name='invitation',
            index=models.Index(fields=['status', 'send_after'], name='surveys_inv_status_100b58_idx'),
        ),
    ]
