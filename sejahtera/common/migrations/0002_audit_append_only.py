"""The audit log refuses UPDATE and DELETE in the database itself, not only in the model."""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION sj_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit log is append-only (% refused)', TG_OP;
END $$;
DROP TRIGGER IF EXISTS audit_append_only ON common_auditentry;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON common_auditentry
  FOR EACH ROW EXECUTE FUNCTION sj_audit_append_only();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS audit_append_only ON common_auditentry;"

# SQLite: UPDATE only. Django's test flush empties tables with DELETE on SQLite; the model refuses
# deletes, and the hash chain reveals a deleted entry (its successor's prev_hash no longer matches).
SQLITE = """
CREATE TRIGGER IF NOT EXISTS audit_append_only BEFORE UPDATE ON common_auditentry
BEGIN SELECT RAISE(ABORT, 'audit log is append-only (UPDATE refused)'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS audit_append_only;"


def forward(apps, schema_editor):
    sql = PG if schema_editor.connection.vendor == "postgresql" else SQLITE
    schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    sql = PG_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
