"""A published release is never edited (issue 3 §4): the database refuses it, not only the code.

PostgreSQL: snapshot rows (households, persons, diff) refuse UPDATE always and DELETE unless their
release was discarded or failed; a published release row refuses UPDATE and DELETE.
SQLite: the UPDATE refusals (Django's test flush empties tables with DELETE there, as for the
audit log in common/0002).
"""

from django.db import migrations

SNAPSHOTS = ("updates_releasehousehold", "updates_releaseperson", "updates_releasechange")

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sj_release_rows_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'release snapshot rows are never edited (% refused)', TG_OP;
  END IF;
  IF (SELECT status FROM updates_release WHERE id = OLD.release_id) NOT IN ('DISCARDED', 'FAILED') THEN
    RAISE EXCEPTION 'release snapshot rows stay while their release stands (DELETE refused)';
  END IF;
  RETURN OLD;
END $$;
CREATE OR REPLACE FUNCTION sj_release_published_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'PUBLISHED' THEN
    RAISE EXCEPTION 'a published release is never edited (% refused)', TG_OP;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for table in SNAPSHOTS:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sj_release_rows_frozen();",
                params=None,
            )
        schema_editor.execute(
            "CREATE TRIGGER updates_release_frozen BEFORE UPDATE OR DELETE ON updates_release "
            "FOR EACH ROW EXECUTE FUNCTION sj_release_published_frozen();",
            params=None,
        )
    else:
        for table in SNAPSHOTS:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_frozen BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'release snapshot rows are never edited (UPDATE refused)'); END;",
                params=None,
            )
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS updates_release_frozen BEFORE UPDATE ON updates_release "
            "WHEN OLD.status = 'PUBLISHED' "
            "BEGIN SELECT RAISE(ABORT, 'a published release is never edited (UPDATE refused)'); END;",
            params=None,
        )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in (*SNAPSHOTS, "updates_release"):
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen;", params=None)


class Migration(migrations.Migration):
    dependencies = [("updates", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
