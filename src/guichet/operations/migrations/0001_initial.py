# Takes over core's tables of worker heartbeats and periodic jobs (state only: the tables keep
# their names), and renames the rows of the two jobs that moved here from core.

from django.db import migrations, models

RENAMED_JOBS = {
    "core.tasks_orphans_requeue": "operations.tasks_orphans_requeue",
    "core.task_results_prune": "operations.task_results_prune",
}


def jobs_rename(apps, schema_editor):
    PeriodicJob = apps.get_model("operations", "PeriodicJob")
    for old, new in RENAMED_JOBS.items():
        PeriodicJob.objects.filter(name=old).update(name=new)


def jobs_rename_back(apps, schema_editor):
    PeriodicJob = apps.get_model("operations", "PeriodicJob")
    for old, new in RENAMED_JOBS.items():
        PeriodicJob.objects.filter(name=new).update(name=old)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0004_worker_records_to_operations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PeriodicJob",
                    fields=[
                        (
                            "name",
                            models.CharField(max_length=100, primary_key=True, serialize=False),
                        ),
                        ("next_run_at", models.DateTimeField()),
                        ("last_started_at", models.DateTimeField(blank=True, null=True)),
                        ("last_finished_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                    ],
                    options={
                        "verbose_name": "tâche périodique",
                        "db_table": "core_periodicjob",
                    },
                ),
                migrations.CreateModel(
                    name="WorkerHeartbeat",
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
                        ("worker_id", models.CharField(max_length=64, unique=True)),
                        ("hostname", models.CharField(max_length=255)),
                        ("pid", models.PositiveIntegerField()),
                        ("started_at", models.DateTimeField()),
                        ("seen_at", models.DateTimeField(db_index=True)),
                    ],
                    options={
                        "verbose_name": "worker",
                        "db_table": "core_workerheartbeat",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(jobs_rename, jobs_rename_back),
    ]
