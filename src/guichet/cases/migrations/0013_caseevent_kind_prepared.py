"""A case's history may say who prepared it with its requester (``prepared``: written by the
``sharing`` app when a shared draft is filed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_webhooks_and_processing_times_leave"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("submitted", "Demande déposée"),
                    ("routed", "Orientée"),
                    ("transition", "Changement de statut"),
                    ("assigned", "Attribution"),
                    ("deadline", "Échéance"),
                    ("message", "Message"),
                    ("note", "Note interne"),
                    ("attachment", "Pièce jointe"),
                    ("notified", "Notification"),
                    ("webhook", "Appel webhook"),
                    ("document", "Document généré"),
                    ("timer", "Délai écoulé"),
                    ("prepared", "Préparée avec"),
                ],
                max_length=20,
            ),
        ),
    ]
