"""The public check (portal) reads one village of one release: an index on (release, village_code),
carrying household_id so the households of a village come from the index alone. Raw SQL with no
model state: the index serves a reader outside this app and changes nothing of the model."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("updates", "0004_remove_releasehousehold_decile_and_more")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS release_hh_village_idx "
            "ON updates_releasehousehold (release_id, village_code, household_id)",
            reverse_sql="DROP INDEX IF EXISTS release_hh_village_idx",
        ),
    ]
