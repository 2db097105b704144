"""A trigram index on the upper-cased title, on PostgreSQL only (SQLite has no pg_trgm).

The admin's search is `title__icontains`, i.e. UPPER(title) LIKE UPPER('%words%'): no
b-tree serves it, so a rare word read every row, and the planner, with no statistics on
UPPER(title), guessed one match for a word in every title and joined and sorted all of
them before taking the first page. The index answers rare words from the index, and its
expression gets statistics (ANALYZE), so a common word is read in the register's order
and stops after a page. Not in the model's Meta: the index exists on one backend only.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS modification_title_trigram
    ON modifications_modification USING gin (UPPER(title::text) gin_trgm_ops);
ANALYZE modifications_modification;
"""
DROP = "DROP INDEX IF EXISTS modification_title_trigram;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("modifications", "0002_stagechange_newest_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
