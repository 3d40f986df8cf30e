# The beneficiary snapshot (accounts work) and the dropped single-column FK indexes (cases
# performance work) were written in parallel; they touch different columns.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_beneficiary"),
        ("cases", "0004_case_fk_indexes_covered_by_composites"),
    ]

    operations = []
