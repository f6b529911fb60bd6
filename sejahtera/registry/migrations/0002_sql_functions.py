"""SQL functions used by set-based validation (SQLite gets Python twins in RegistryConfig.ready)."""

from django.db import migrations

from sejahtera.registry.imports.sql import PG_FUNCTIONS


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS sj_ppks_mask(text)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
