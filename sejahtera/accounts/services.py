"""User administration: one role and one jurisdiction per user, checked against each other."""

from __future__ import annotations

from django.db import transaction

from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.regions.models import Region

from .models import ROLE_LEVELS, Role, User


def check_role_jurisdiction(role: str, jurisdiction: Region | None) -> None:
    allowed = ROLE_LEVELS.get(role)
    if allowed is None:
        raise DomainError(f"Peran tidak dikenal: {role}")
    level = jurisdiction.level if jurisdiction else None
    if level not in allowed:
        where = jurisdiction.get_level_display() if jurisdiction else "nasional"
        raise DomainError(f"Peran {Role(role).label} tidak dapat berwilayah {where}.")


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    jurisdiction_code: str = "",
    full_name: str = "",
) -> User:
    jurisdiction = Region.objects.filter(code=jurisdiction_code).first() if jurisdiction_code else None
    if jurisdiction_code and jurisdiction is None:
        raise DomainError(f"Kode wilayah tidak dikenal: {jurisdiction_code}")
    check_role_jurisdiction(role, jurisdiction)
    if User.objects.filter(username=username).exists():
        raise DomainError(f"Nama pengguna {username} sudah dipakai.")
    user = User(username=username, role=role, jurisdiction=jurisdiction, first_name=full_name[:150])
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        region_code=jurisdiction_code,
        after={"username": username, "role": role, "jurisdiction": jurisdiction_code},
    )
    return user
