"""What the page tests of proposals, verification and bulk entry share: typed registry records,
a village operator of region B, and a proposal here and one there."""

from __future__ import annotations

from typing import Any

import pytest

from sejahtera.accounts.models import User
from sejahtera.updates.models import Proposal

from .factories import propose

VILLAGE = "3204052001"  # the village operator's, in district_a's regency and the verifier's district
VILLAGE_B = "3273011001"  # Kota Bandung: outside district_a's, the operator's and the verifier's reach


# Registered under their short names; a test module imports the functions (their own names differ,
# so a test's argument never shadows an import).
@pytest.fixture(name="operator_b")
def operator_b_fixture(db: Any) -> User:
    return User.objects.create_user("desa_b", role="VILLAGE_OPERATOR", jurisdiction_id=VILLAGE_B)


@pytest.fixture(name="mine")
def mine_fixture(village_operator: User) -> Proposal:
    """A proposal of the village operator's village."""
    return propose(village_operator)


@pytest.fixture(name="foreign")
def foreign_fixture(operator_b: User) -> Proposal:
    """A proposal of region B."""
    return propose(operator_b, village=VILLAGE_B)
