from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0006_add_invitation_token_and_expiry'),
    ]

    operations = [
        migrations.CreateModel(
            name='OptOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(max_length=32, unique=True, verbose_name='phone')),
                ('keyword', models.CharField(blank=True, max_length=32, verbose_name='keyword')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='opted out')),
            ],
            options={
                'verbose_name': 'opt-out',
                'verbose_name_plural': 'opt-outs',
            },
        ),
    ]
