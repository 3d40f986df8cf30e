"""``ProcessingTime``, moved from ``cases`` without its data moving: Django's model state only
(``SeparateDatabaseAndState``). The table keeps its name ``cases_processingtime``."""

import django.db.models.deletion
from django.db import migrations, models


MODELS = ("processingtime",)


def content_types_follow(apps, schema_editor):
    """The content types of the moved models (and so their permissions) follow them, on a
    database where they were made under ``cases``; a new database has none yet."""
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        if not rows.filter(app_label="stats", model=model).exists():
            rows.filter(app_label="cases", model=model).update(app_label="stats")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0012_webhooks_and_processing_times_leave"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("services", "0001_initial"),
        ("territory", "0004_merge_0003_addresses_0003_competence_rule_reasons"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProcessingTime",
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
                        ("median_days", models.FloatField()),
                        ("p90_days", models.FloatField()),
                        ("cases_count", models.PositiveIntegerField()),
                        ("computed_at", models.DateTimeField()),
                        (
                            "commune",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="territory.organisation",
                            ),
                        ),
                        (
                            "definition",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="services.servicedefinition",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_processingtime",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("definition", "commune"), name="processing_time_unique"
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("commune__isnull", True)),
                                fields=("definition",),
                                name="processing_time_platform_unique",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
