"""The public check's own copy of a release's persons, ordered by village.

A release's persons lie in the order their households were imported, so the few hundred persons
of one village are spread over hundreds of table pages (measured at 10^6 households: ~730 pages
for a village of 182 families, 12-20 ms per check on a busy server). This copy is written once
per release, in village order, by the release build hook: one village is then a handful of
adjacent pages. Only the latest published release and the one being built are kept.
"""

from __future__ import annotations

from django.db import models


class CheckEntry(models.Model):
    release_id = models.BigIntegerField()  # a plain column: rows go with their release's turn
    village_code = models.CharField(max_length=10)
    person_id = models.BigIntegerField()
    household_id = models.BigIntegerField()
    full_name = models.CharField(max_length=100)
    birth_date = models.DateField()  # for the age only; never shown

    class Meta:
        indexes = [models.Index(fields=["release_id", "village_code"], name="check_entry_village_idx")]

    def __str__(self) -> str:
        return f"{self.release_id}:{self.person_id}"
