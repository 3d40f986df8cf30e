"""The support console's name search reads its indexes in order (support.console):

- on PostgreSQL, ``UPPER(last_name) COLLATE "C", UPPER(first_name) COLLATE "C", id`` and the
  same led by the first name: a typed prefix is a range of the index and the results' order
  (last name, first name) is the index's, so ``LIMIT`` stops after the first rows instead of
  sorting every namesake (25,000 "Moreau…" in 200,000 accounts). They replace 0003's
  ``text_pattern_ops`` name indexes (that operator class serves ``LIKE``, not ``ORDER BY``).
- on SQLite, the same expressions without the collation (SQLite's order is already the
  characters').
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS accounts_user_last_first_key_idx ON accounts_user "
    '((UPPER(last_name::text) COLLATE "C"), (UPPER(first_name::text) COLLATE "C"), id)',
    "CREATE INDEX IF NOT EXISTS accounts_user_first_last_key_idx ON accounts_user "
    '((UPPER(first_name::text) COLLATE "C"), (UPPER(last_name::text) COLLATE "C"), id)',
    "DROP INDEX IF EXISTS accounts_user_last_name_upper_idx",
    "DROP INDEX IF EXISTS accounts_user_first_name_upper_idx",
]
POSTGRES_BACKWARD = [
    "CREATE INDEX IF NOT EXISTS accounts_user_last_name_upper_idx ON accounts_user "
    "(UPPER(last_name::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS accounts_user_first_name_upper_idx ON accounts_user "
    "(UPPER(first_name::text) text_pattern_ops)",
    "DROP INDEX IF EXISTS accounts_user_first_last_key_idx",
    "DROP INDEX IF EXISTS accounts_user_last_first_key_idx",
]
SQLITE_FORWARD = [
    "CREATE INDEX IF NOT EXISTS accounts_user_last_first_key_idx ON accounts_user "
    "(UPPER(last_name), UPPER(first_name), id)",
    "CREATE INDEX IF NOT EXISTS accounts_user_first_last_key_idx ON accounts_user "
    "(UPPER(first_name), UPPER(last_name), id)",
]
SQLITE_BACKWARD = [
    "DROP INDEX IF EXISTS accounts_user_first_last_key_idx",
    "DROP INDEX IF EXISTS accounts_user_last_first_key_idx",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_FORWARD if vendor == "postgresql" else SQLITE_FORWARD:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0003_search_vector_and_person_indexes"),
        ("accounts", "0004_phone_number"),
    ]
    operations = [migrations.RunPython(forward, backward)]
