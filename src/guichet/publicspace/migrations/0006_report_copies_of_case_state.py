"""The report keeps copies of its case's organisation, open state and visibility for the
indexes of the public lists (ADR 0024); filled here from the cases, then kept by the signal
``services.report_case_follow``."""

import django.db.models.deletion
from django.db import migrations, models

# One statement on both databases (correlated subqueries on the case's primary key).
FILL = """
UPDATE publicspace_report SET
  organisation_id = (SELECT k.organisation_id FROM cases_case k WHERE k.id = case_id),
  is_open = (SELECT NOT k.is_closed FROM cases_case k WHERE k.id = case_id),
  is_public = (SELECT k.status <> 'hidden' FROM cases_case k WHERE k.id = case_id)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_case_queue_index_covers_the_service"),
        ("publicspace", "0005_report_category_created_idx"),
        ("territory", "0004_merge_0003_addresses_0003_competence_rule_reasons"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="organisation",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organisation",
                verbose_name="organisation en charge",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="is_open",
            field=models.BooleanField(default=True, verbose_name="ouvert"),
        ),
        migrations.AddField(
            model_name="report",
            name="is_public",
            field=models.BooleanField(default=True, verbose_name="visible du public"),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="report",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="territory.organisation",
                verbose_name="organisation en charge",
            ),
        ),
        migrations.RemoveIndex(model_name="report", name="report_near_idx"),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["category", "is_open", "latitude", "longitude"], name="report_near_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["organisation", "created_at"], name="report_org_idx"),
        ),
    ]
