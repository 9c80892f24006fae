from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0007_add_opt_outs'),
    ]

    operations = [
        migrations.CreateModel(
            name='SmsMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('direction', models.CharField(choices=[('out', 'Sent'), ('in', 'Received')], max_length=3, verbose_name='direction')),
                ('provider_sid', models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name='provider message id')),
                ('body', models.TextField(verbose_name='text')),
                ('segments', models.PositiveSmallIntegerField(default=1, verbose_name='segments')),
                ('status', models.CharField(blank=True, max_length=16, verbose_name='status')),
                ('error_code', models.CharField(blank=True, max_length=16, verbose_name='error code')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'SMS message',
                'verbose_name_plural': 'SMS messages',
                'ordering': ['-created_at'],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider', models.CharField(max_length=64, verbose_name='provider')),
                ('delivery_id', models.CharField(max_length=128, verbose_name='delivery id')),
                ('kind', models.CharField(max_length=32, verbose_name='kind')),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='received')),
            ],
            options={
                'verbose_name': 'webhook delivery',
                'verbose_name_plural': 'webhook deliveries',
            },
        ),
        migrations.AddField(
            model_name='smsmessage',
            name='invitation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sms_messages', to='surveys.invitation'),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='invitation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='deliveries', to='surveys.invitation'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.UniqueConstraint(fields=('provider', 'delivery_id'), name='unique_webhook_delivery'),
        ),
    ]
