from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0004_add_kano_items'),
    ]

    operations = [
        migrations.CreateModel(
            name='Question',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(verbose_name='position')),
                ('item', models.CharField(choices=[('csat', 'Overall satisfaction (CSAT)'), ('nps', 'Likelihood to recommend (NPS)'), ('ces', 'Customer effort (CES)'), ('fcr', 'Resolved in this contact (FCR)'), ('expectation', 'Expectation'), ('experience', 'Experience'), ('disconfirmation', 'Compared with expectation'), ('comment', 'Comment'), ('kano_functional', 'Kano: if the service had it'), ('kano_dysfunctional', 'Kano: if the service lacked it')], max_length=20, verbose_name='item')),
                ('dimension', models.CharField(blank=True, default='', help_text='Empty for overall items.', max_length=32, verbose_name='dimension or Kano attribute')),
                ('text_en', models.CharField(max_length=300, verbose_name='text (English)')),
                ('text_zh', models.CharField(max_length=300, verbose_name='text (Chinese)')),
                ('on_web', models.BooleanField(default=True, verbose_name='asked on the web')),
                ('on_sms', models.BooleanField(default=False, verbose_name='asked by SMS')),
                ('on_ivr', models.BooleanField(default=False, verbose_name='asked in the IVR')),
                ('ask_if_item', models.CharField(blank=True, choices=[('csat', 'Overall satisfaction (CSAT)'), ('nps', 'Likelihood to recommend (NPS)'), ('ces', 'Customer effort (CES)'), ('fcr', 'Resolved in this contact (FCR)'), ('expectation', 'Expectation'), ('experience', 'Experience'), ('disconfirmation', 'Compared with expectation'), ('comment', 'Comment'), ('kano_functional', 'Kano: if the service had it'), ('kano_dysfunctional', 'Kano: if the service lacked it')], max_length=20, verbose_name='ask only if item')),
                ('ask_if_min', models.FloatField(blank=True, null=True, verbose_name='… is at least')),
                ('ask_if_max', models.FloatField(blank=True, null=True, verbose_name='… is at most')),
            ],
            options={
                'verbose_name': 'question',
                'verbose_name_plural': 'questions',
                'ordering': ['version', 'position'],
            },
        ),
        migrations.CreateModel(
            name='SurveyVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='version')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
            ],
            options={
                'verbose_name': 'survey version',
                'verbose_name_plural': 'survey versions',
                'ordering': ['survey', '-number'],
            },
        ),
        migrations.AddField(
            model_name='surveyversion',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='surveys.survey', verbose_name='survey'),
        ),
        migrations.AddField(
            model_name='question',
            name='version',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='surveys.surveyversion', verbose_name='survey version'),
        ),
        migrations.AddField(
            model_name='response',
            name='survey_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='responses', to='surveys.surveyversion', verbose_name='survey version'),
        ),
        migrations.AddConstraint(
            model_name='surveyversion',
            constraint=models.UniqueConstraint(fields=('survey', 'number'), name='unique_survey_version'),
        ),
        migrations.AddConstraint(
            model_name='question',
            constraint=models.UniqueConstraint(fields=('version', 'position'), name='unique_question_position'),
        ),
    ]
