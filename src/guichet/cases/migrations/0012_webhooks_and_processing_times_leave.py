"""The webhook models and ``ProcessingTime`` leave ``cases`` for the ``webhooks`` and ``stats``
apps: a change of Django's model state only. Their tables (``cases_webhookendpoint``,
``cases_webhookdelivery``, ``cases_webhookattempt``, ``cases_processingtime``) and rows stay as
they are; ``webhooks.0001_initial`` and ``stats.0001_initial`` take them over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_processing_times"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="WebhookAttempt"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookEndpoint"),
                migrations.DeleteModel(name="ProcessingTime"),
            ],
            database_operations=[],
        ),
    ]
