"""Scores are written once (issue 4 §1): the database refuses to change them, not only the code.

PostgreSQL: a release's scores (targeting_householdscore) and its scoring record refuse UPDATE
always and DELETE unless their release was discarded or failed; a scoring model that left DRAFT
refuses a change of its weights, effective date or version.
SQLite: the same UPDATE refusals (Django's test flush empties tables with DELETE there, as for the
release snapshot in updates/0002).
"""

from django.db import migrations

SCORES = ("targeting_householdscore", "targeting_releasescoring")

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION sj_release_scores_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'release scores are written once (% refused)', TG_OP;
  END IF;
  IF (SELECT status FROM updates_release WHERE id = OLD.release_id) NOT IN ('DISCARDED', 'FAILED') THEN
    RAISE EXCEPTION 'release scores stay while their release stands (DELETE refused)';
  END IF;
  RETURN OLD;
END $$;
CREATE OR REPLACE FUNCTION sj_scoring_model_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'DRAFT' AND (NEW.weights IS DISTINCT FROM OLD.weights
      OR NEW.effective_from IS DISTINCT FROM OLD.effective_from OR NEW.version IS DISTINCT FROM OLD.version) THEN
    RAISE EXCEPTION 'a scoring model in force is never edited (weights, effective date, version)';
  END IF;
  RETURN NEW;
END $$;
"""
SQLITE_MODEL_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS targeting_scoringmodel_frozen
BEFORE UPDATE OF weights, effective_from, version ON targeting_scoringmodel
WHEN OLD.status <> 'DRAFT' AND (NEW.weights IS NOT OLD.weights
     OR NEW.effective_from IS NOT OLD.effective_from OR NEW.version IS NOT OLD.version)
BEGIN SELECT RAISE(ABORT, 'a scoring model in force is never edited (weights, effective date, version)'); END;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for table in SCORES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sj_release_scores_frozen();",
                params=None,
            )
        schema_editor.execute(
            "CREATE TRIGGER targeting_scoringmodel_frozen BEFORE UPDATE ON targeting_scoringmodel "
            "FOR EACH ROW EXECUTE FUNCTION sj_scoring_model_frozen();",
            params=None,
        )
    else:
        for table in SCORES:
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_frozen BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'release scores are written once (UPDATE refused)'); END;",
                params=None,
            )
        schema_editor.execute(SQLITE_MODEL_TRIGGER, params=None)


def backward(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for table in (*SCORES, "targeting_scoringmodel"):
        if postgres:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};", params=None)
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen;", params=None)


class Migration(migrations.Migration):
    dependencies = [("targeting", "0001_initial"), ("updates", "0002_release_immutable")]
    operations = [migrations.RunPython(forward, backward)]
