"""Faster assistance searches on PostgreSQL (bench/support_search.py):

- the help centre ranks the matching articles by ``ts_rank``: on the expression index of 0002
  the ranking parsed every matching article's text again (a common word matches thousands of
  them: seconds). The vector is now a stored generated column, indexed with GIN and ranked
  as stored; the expression index goes.
- the support console finds people with ``istartswith`` on the e-mail, first and last names
  (``UPPER(col) LIKE UPPER('x%')``): expression indexes on ``UPPER(col)`` with the pattern
  operator class let PostgreSQL use them whatever the database's collation.

SQLite keeps its FTS5 table and scans the 200,000 accounts (measured within the target).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE support_helparticle ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('french', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS support_help_vector_idx ON support_helparticle "
    "USING gin (search_vector)",
    "DROP INDEX IF EXISTS support_help_fts_idx",
    "CREATE INDEX IF NOT EXISTS accounts_user_email_upper_idx ON accounts_user "
    "(UPPER(email::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS accounts_user_last_name_upper_idx ON accounts_user "
    "(UPPER(last_name::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS accounts_user_first_name_upper_idx ON accounts_user "
    "(UPPER(first_name::text) text_pattern_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS accounts_user_first_name_upper_idx",
    "DROP INDEX IF EXISTS accounts_user_last_name_upper_idx",
    "DROP INDEX IF EXISTS accounts_user_email_upper_idx",
    "CREATE INDEX IF NOT EXISTS support_help_fts_idx ON support_helparticle "
    "USING gin (to_tsvector('french', search_text))",
    "DROP INDEX IF EXISTS support_help_vector_idx",
    "ALTER TABLE support_helparticle DROP COLUMN IF EXISTS search_vector",
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
    dependencies = [("support", "0002_help_search_index"), ("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
