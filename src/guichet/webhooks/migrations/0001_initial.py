"""The webhook models, moved from ``cases`` without their data moving: Django's model state
only (``SeparateDatabaseAndState``). The tables keep their names (``db_table``): a database
migrated before the move keeps its rows; a new one has the tables from the ``cases``
migrations that made them."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


MODELS = ("webhookendpoint", "webhookdelivery", "webhookattempt")


def content_types_follow(apps, schema_editor):
    """The content types of the moved models (and so their permissions) follow them, on a
    database where they were made under ``cases``; a new database has none yet."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not rows.filter(app_label="webhooks", model=model).exists():
            rows.filter(app_label="cases", model=model).update(app_label="webhooks")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0012_webhooks_and_processing_times_leave"),
        ("territory", "0004_merge_0003_addresses_0003_competence_rule_reasons"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WebhookDelivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("message_id", models.CharField(max_length=40, null=True, unique=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("url", models.URLField(max_length=500)),
                        ("payload", models.JSONField()),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "À envoyer"),
                                    ("done", "Envoyé"),
                                    ("failed", "Abandonné"),
                                ],
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField()),
                        ("last_error", models.TextField(blank=True)),
                        ("last_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                        (
                            "case",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhooks",
                                to="cases.case",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_webhookdelivery",
                    },
                ),
                migrations.CreateModel(
                    name="WebhookAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("attempted_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("duration_ms", models.PositiveIntegerField(default=0)),
                        ("succeeded", models.BooleanField(default=False)),
                        ("error", models.CharField(blank=True, max_length=500)),
                        ("response_excerpt", models.CharField(blank=True, max_length=200)),
                        (
                            "delivery",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="log",
                                to="webhooks.webhookdelivery",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_webhookattempt",
                        "ordering": ["-attempted_at"],
                    },
                ),
                migrations.CreateModel(
                    name="WebhookEndpoint",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="créé le"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="modifié le"),
                        ),
                        ("key", models.SlugField(verbose_name="clé")),
                        ("url", models.URLField(max_length=500, verbose_name="adresse")),
                        ("secret", models.CharField(editable=False, max_length=100)),
                        ("consecutive_failures", models.PositiveIntegerField(default=0)),
                        (
                            "disabled_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="désactivé le"
                            ),
                        ),
                        ("disabled_reason", models.CharField(blank=True, max_length=300)),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="webhook_endpoints",
                                to="territory.organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "point d'accès webhook",
                        "verbose_name_plural": "points d'accès webhook",
                        "db_table": "cases_webhookendpoint",
                    },
                ),
                migrations.AddField(
                    model_name="webhookdelivery",
                    name="endpoint",
                    field=models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="webhooks.webhookendpoint",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="webhookendpoint",
                    constraint=models.UniqueConstraint(
                        fields=("organisation", "key"), name="webhook_endpoint_org_key_uniq"
                    ),
                ),
                migrations.AddIndex(
                    model_name="webhookdelivery",
                    index=models.Index(fields=["state", "next_attempt_at"], name="webhook_due_idx"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
