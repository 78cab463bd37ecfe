"""A stored ``tsvector`` of each practice (title weight A, text weight B) with its GIN index on
PostgreSQL: ranking reads it instead of parsing every matching text again (``knowledge.search``).
The expression index of ``0002`` is replaced. On SQLite the column stays empty."""

import django.contrib.postgres.search
from django.db import migrations

FILL = (
    "UPDATE knowledge_practice SET search_vector = "
    "setweight(to_tsvector('russian'::regconfig, COALESCE(title, '')), 'A') || "
    "setweight(to_tsvector('russian'::regconfig, COALESCE(search_text, '')), 'B')"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS knowledge_practice_fts")
    schema_editor.execute(FILL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS knowledge_practice_vector "
        "ON knowledge_practice USING gin (search_vector)"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS knowledge_practice_vector")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS knowledge_practice_fts ON knowledge_practice USING gin "
        "(to_tsvector('russian'::regconfig, COALESCE(search_text, '')))"
    )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
