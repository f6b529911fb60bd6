"""Scoring model versions: a checked weights document, activation by a second person, one version
in force per effective date, retirement, and weights frozen once in force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction

from sejahtera.common.errors import MakerCheckerViolation, PermissionRefused, TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.targeting import scoring, services
from sejahtera.targeting.models import ScoringModel

pytestmark = pytest.mark.django_db
WEIGHTS = {"intercept": 10, "terms": [{"variable": "floor_type", "points": {"9": 0, "2": 20}}]}


def _create(actor, version="PMT-2027.1", weights=WEIGHTS, on=dt.date(2027, 1, 1)) -> ScoringModel:
    return services.scoring_model_create(
        actor=actor,
        version=version,
        name="Uji",
        legal_source="Kepmensos uji",
        weights=weights,
        effective_from=on,
    )


def test_a_new_version_is_a_draft_and_audited(central):
    model = _create(central)
    assert (model.status, model.created_by) == ("DRAFT", central)
    entry = AuditEntry.objects.get(action="scoring_model.create")
    assert entry.after is not None
    assert (entry.after["version"], entry.after["weights"]) == ("PMT-2027.1", WEIGHTS)


def test_only_the_central_team_writes_versions(district_a):
    with pytest.raises(PermissionRefused):
        _create(district_a)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"terms": []}, "terms: harus daftar suku"),
        ({"terms": [{"variable": "income", "if_true": 1}]}, "terms[0]: variabel 'income' tidak dikenal"),
        (
            {"terms": [{"variable": "floor_type", "points": {"11": 5}}]},
            "terms[0] (floor_type): kode '11' tidak dikenal",
        ),
        (
            {"terms": [{"variable": "has_car", "if_true": True}]},
            "terms[0] (has_car): if_true harus bilangan bulat",
        ),
        ({"terms": [{"variable": "members", "per_unit": -3}]}, "terms[0] (members): kurang max_units"),
        (
            {"terms": [{"variable": "has_car", "points": {"1": 3}}]},
            "terms[0] (has_car): harus memakai tepat satu bentuk",
        ),
        (
            {"terms": [{"variable": "bedrooms", "at_least": [[3, 1], [2, 4]]}]},
            "terms[0] (bedrooms): ambang at_least harus naik tegas",
        ),
        (
            {"terms": [{"variable": "has_car", "if_true": 1}, {"variable": "has_car", "if_true": 2}]},
            "terms[1] (has_car): variabel ini sudah punya suku",
        ),
        (
            {"terms": [{"variable": "floor_type", "points": {"1; DROP TABLE registry_household": 1}}]},
            "kode '1; DROP TABLE registry_household' tidak dikenal",
        ),
        (
            {"terms": [{"variable": "has_car", "if_true": 1}], "provinces": {"9'": {}}},
            "provinces[9']: kode provinsi",
        ),
        (
            {"terms": [{"variable": "has_car", "if_true": 1}], "provinces": {"99": {"intercept": 1}}},
            "provinces[99]: bukan kode",
        ),
        ({"terms": [{"variable": "cattle", "per_unit": 5000, "max_units": 100}]}, "melebihi 10000 poin"),
    ],
)
def test_a_bad_weights_document_is_refused_naming_the_term_and_reason(central, weights, message):
    with pytest.raises(scoring.WeightsInvalid) as refused:
        _create(central, weights=weights)
    assert message in refused.value.message
    assert not ScoringModel.objects.filter(version="PMT-2027.1").exists()


def test_every_error_of_a_document_is_named_at_once():
    with pytest.raises(scoring.WeightsInvalid) as refused:
        scoring.parse_weights(
            {"bonus": 1, "terms": [{"variable": "x"}, {"variable": "goats", "per_unit": 1}]}
        )
    assert len(refused.value.errors) == 3


def test_the_writer_of_a_version_cannot_activate_it(central, central_publisher):
    model = _create(central)
    with pytest.raises(MakerCheckerViolation):
        services.scoring_model_activate(actor=central, model_id=model.pk)
    services.scoring_model_activate(actor=central_publisher, model_id=model.pk)
    model.refresh_from_db()
    assert (model.status, model.activated_by) == ("ACTIVE", central_publisher)
    assert AuditEntry.objects.filter(action="scoring_model.activate", object_id=str(model.pk)).count() == 1


def test_activating_a_version_of_the_same_date_replaces_the_one_in_force(central, central_publisher):
    first = _create(central, "A")
    services.scoring_model_activate(actor=central_publisher, model_id=first.pk)
    second = _create(central, "B")
    services.scoring_model_activate(actor=central_publisher, model_id=second.pk)
    first.refresh_from_db()
    assert (first.status, first.retired_by) == ("RETIRED", central_publisher)
    # Another date: the older version stays in force for its own periods.
    assert ScoringModel.objects.get(version="PMT-2026.1").status == "ACTIVE"
    assert services.model_in_force(dt.date(2027, 4, 1)) == second
    assert services.model_in_force(dt.date(2026, 12, 1)) == ScoringModel.objects.get(version="PMT-2026.1")


def test_a_retired_version_stays_retired(central, central_publisher):
    model = _create(central)
    services.scoring_model_activate(actor=central_publisher, model_id=model.pk)
    services.scoring_model_retire(actor=central, model_id=model.pk, reason="Diganti bobot resmi")
    with pytest.raises(TransitionNotAllowed):
        services.scoring_model_activate(actor=central_publisher, model_id=model.pk)
    assert AuditEntry.objects.get(action="scoring_model.retire").reason == "Diganti bobot resmi"


def test_the_weights_of_a_version_in_force_cannot_be_changed(central):
    with pytest.raises(DatabaseError), transaction.atomic():
        ScoringModel.objects.filter(version="PMT-2026.1").update(weights={"terms": []})
    draft = _create(central)
    ScoringModel.objects.filter(pk=draft.pk).update(
        weights={"terms": [{"variable": "has_car", "if_true": 1}]}
    )


def test_the_default_model_is_valid_and_honest():
    model = ScoringModel.objects.get(version="PMT-2026.1")
    spec = scoring.parse_weights(model.weights)
    assert len(spec.terms) > 30
    assert "Ilustratif" in model.legal_source and "tidak dipublikasikan" in model.legal_source
    assert (model.status, model.effective_from, model.created_by) == ("ACTIVE", dt.date(2021, 1, 1), None)
