"""The help centre's title vector (PostgreSQL): ``title_vector``, the French tsvector of the
first line of ``search_text`` (the folded title: the publishing service and the benchmark
write the title first, then a line break), stored and indexed with GIN. Over
``search.RANKED`` matches, the search ranks the best title matches and the newest matches
instead of every match (``support.search.matching_ids``). SQLite keeps its FTS5 table.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE support_helparticle ADD COLUMN IF NOT EXISTS title_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('french', split_part(search_text, E'\\n', 1))) STORED",
    "CREATE INDEX IF NOT EXISTS support_help_title_vector_idx ON support_helparticle "
    "USING gin (title_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS support_help_title_vector_idx",
    "ALTER TABLE support_helparticle DROP COLUMN IF EXISTS title_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("support", "0004_person_name_order_indexes")]
    operations = [migrations.RunPython(forward, backward)]
