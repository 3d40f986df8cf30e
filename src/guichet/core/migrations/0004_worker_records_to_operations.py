# The workers' heartbeats and the periodic jobs' schedule belong to the operations app now;
# their tables stay where they are (operations.0001 takes them over, state only).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_access_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PeriodicJob"),
                migrations.DeleteModel(name="WorkerHeartbeat"),
            ],
            database_operations=[],
        ),
    ]
