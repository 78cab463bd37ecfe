"""The GIN index of the practices' full-text search on PostgreSQL (``knowledge.search``).

Its expression is exactly the one Django writes for ``SearchVector("search_text",
config="russian")``, so the planner uses it. SQLite (the demo) searches stems instead.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS knowledge_practice_fts ON knowledge_practice USING gin "
    "(to_tsvector('russian'::regconfig, COALESCE(search_text, '')))"
)
DROP = "DROP INDEX IF EXISTS knowledge_practice_fts"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
