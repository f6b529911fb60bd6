"""pg_trgm for the check's name similarity on PostgreSQL (a trusted extension since PostgreSQL 13:
the database owner may create it). SQLite computes the same similarity in Python."""

from django.db import migrations


def create_extension(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [migrations.RunPython(create_extension, migrations.RunPython.noop, elidable=False)]
