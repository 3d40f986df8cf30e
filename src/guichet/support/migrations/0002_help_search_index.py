"""The help centre's full-text index, per database (support/search.py).

- SQLite: an FTS5 table of stemmed words (French Snowball stemmer, accents folded), written by
  ``article_publish`` and read with ``MATCH`` ranked by bm25.
- PostgreSQL: a GIN index on ``to_tsvector('french', search_text)`` (accents already folded by
  the service, so the ``unaccent`` extension is not needed).
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS support_help_fts "
    "USING fts5(article_id UNINDEXED, words, tokenize='unicode61 remove_diacritics 2')"
)
POSTGRES_CREATE = (
    "CREATE INDEX IF NOT EXISTS support_help_fts_idx ON support_helparticle "
    "USING gin (to_tsvector('french', search_text))"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS support_help_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS support_help_fts_idx")


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
