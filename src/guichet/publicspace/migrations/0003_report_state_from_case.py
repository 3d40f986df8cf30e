"""A report's state, open flag and organisation are its case's: the copies go.

They were written in the same transaction as the case (by the state changes and the
re-routing), so the case already holds the same values. The versions of the ``publicspace``
service published before its transitions were data declared none (its state changes were
built in code, from any status to any other): they receive the transitions that code took, so
the reports filed on them keep the same lifecycle."""

import json

from django.db import migrations, models

TRANSITIONS = json.loads(
    """[{"key": "reopen", "label": "Rouvrir", "from": "*", "to": "open", "functions": ["receiver"], "comment_public": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "acknowledge", "label": "Prendre en compte", "from": "*", "to": "acknowledged", "functions": ["receiver"], "comment_public": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "start", "label": "Mettre en cours de traitement", "from": "*", "to": "in_progress", "functions": ["receiver"], "comment_public": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "plan", "label": "Programmer l'intervention", "from": "*", "to": "planned", "functions": ["receiver"], "comment_public": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "fix", "label": "Marquer résolu", "from": "*", "to": "fixed", "functions": ["receiver"], "comment_public": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "not_competent", "label": "Hors de notre compétence", "from": "*", "to": "not_competent", "functions": ["receiver"], "comment_public": true, "comment_required": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "no_action", "label": "Classer sans suite", "from": "*", "to": "no_action", "functions": ["receiver"], "comment_public": true, "comment_required": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "duplicate", "label": "Marquer comme doublon", "from": "*", "to": "duplicate", "functions": ["receiver"], "comment_public": true, "internal": true, "actions": [{"type": "publicspace.public_update"}, {"type": "publicspace.followers_notify"}]}, {"key": "hide", "label": "Masquer (modération)", "from": "*", "to": "hidden", "functions": ["receiver"], "comment_public": false, "actions": [{"type": "publicspace.followers_notify"}]}]"""
)


def add_transitions(apps, schema_editor):
    ServiceVersion = apps.get_model("services", "ServiceVersion")
    for version in ServiceVersion.objects.filter(definition__key="publicspace"):
        workflow = version.workflow or {}
        if workflow.get("transitions"):
            continue
        workflow["transitions"] = TRANSITIONS
        version.workflow = workflow
        version.save(update_fields=["workflow"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_case_reply_token_contact_unverified"),
        ("publicspace", "0002_reports"),
        ("territory", "0002_membership_role_auditor"),
        ("services", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_transitions, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name="report",
            name="report_near_idx",
        ),
        migrations.RemoveIndex(
            model_name="report",
            name="report_org_idx",
        ),
        migrations.RemoveIndex(
            model_name="report",
            name="report_state_idx",
        ),
        migrations.RemoveIndex(
            model_name="report",
            name="report_questionnaire_idx",
        ),
        migrations.RemoveField(
            model_name="report",
            name="is_open",
        ),
        migrations.RemoveField(
            model_name="report",
            name="organisation",
        ),
        migrations.RemoveField(
            model_name="report",
            name="state",
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["category", "latitude", "longitude"], name="report_near_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("questionnaire_sent_at__isnull", True)),
                fields=["fixed_at"],
                name="report_questionnaire_idx",
            ),
        ),
    ]
