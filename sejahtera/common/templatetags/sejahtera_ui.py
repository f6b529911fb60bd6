"""Presentation helpers for the templates: the menu a user may use, and audit entries as rows.

Templates only loop over what these return; which menu entries a role gets is decided here, by
accounts.permissions, not in the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.models import AuditEntry

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


# (label, url name, the action a role needs to see the entry; None: every signed-in user)
_MENU: tuple[tuple[Any, str, Action | None], ...] = (
    (_("Beranda"), "registry:dashboard", None),
    (_("Keluarga"), "registry:household_list", Action.REGISTRY_VIEW),
    (_("Impor"), "registry:import_list", Action.REGISTRY_IMPORT),
    (_("Usulan"), "updates:proposal_list", Action.PROPOSAL_VIEW),
    (_("Verifikasi"), "updates:verification_queue", Action.VERIFY),
    (_("Pengesahan"), "updates:approval_list", Action.APPROVE_DISTRICT),
    (_("Pengesahan"), "updates:approval_list", Action.APPROVE_PROVINCE),
    (_("Penjaminan mutu"), "updates:qa_list", Action.QA_REVIEW),
    (_("Rilis"), "updates:release_list", Action.RELEASE_VIEW),
    (_("Peristiwa kependudukan"), "updates:event_list", Action.EVENTS_APPLY),
    (_("Evaluasi mingguan"), "updates:evaluation", Action.EVALUATION_VIEW),
    (_("Penargetan"), "targeting:model_list", Action.TARGETING_VIEW),
    (_("Program bansos"), "programs:program_list", Action.PROGRAM_VIEW),
    (_("Kuota"), "programs:quota_list", Action.PROGRAM_MANAGE),
    (_("Pengunduran diri"), "programs:withdrawal_queue", Action.ENROLLMENT_EXIT),
    (_("Penyaluran"), "payments:batch_list", Action.PAYMENT_VIEW),
    (_("Realisasi"), "payments:realisation", Action.REALISATION_VIEW),
    (_("Kualitas data"), "quality:dashboard", Action.QUALITY_VIEW),
    (_("Data ganda"), "dedup:pair_list", Action.DEDUP_VIEW),  # Kualitas data: duplicates (issue 6 §3)
    (_("Usul & sanggah warga"), "portal_requests:submission_list", Action.PROPOSAL_VIEW),
    (_("Pengaduan"), "portal_requests:complaint_list", Action.COMPLAINT_VIEW),
    (_("Log audit"), "common:audit_list", Action.AUDIT_VIEW),
)


@register.simple_tag(takes_context=True)
def nav_items(context: template.Context) -> list[NavItem]:
    request: HttpRequest | None = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, User):
        return []
    shown = []
    for label, name, action in _MENU:
        if action is not None and not can(user, action):
            continue
        shown.append((str(label), reverse(name)))
    # The entry whose address is the longest prefix of this page's is the current one: on
    # /programs/kuota/ that is "Kuota", not "Program bansos" (/programs/) as well.
    matching = [
        url for _label, url in shown if request.path == url or (url != "/" and request.path.startswith(url))
    ]
    current = max(matching, key=len, default=None)
    return [NavItem(label=label, url=url, active=url == current) for label, url in shown]


ACTION_LABELS = {
    "household.update": _("Perubahan data keluarga"),
    "person.update": _("Perubahan data penduduk"),
    "person.status": _("Perubahan status penduduk"),
    "registry.import": _("Impor berkas"),
}


@register.filter
def can_do(user: Any, action: str) -> bool:
    """`{% if user|can_do:"program.view" %}`: the role may take the action (accounts.permissions)."""
    return isinstance(user, User) and can(user, Action(action))


@register.filter
def audit_action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return f"{label} ({action})" if label else action


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the entry records a creation or a result, with nothing before it
    after: str


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Ya") if value else _("Tidak"))
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


@register.simple_tag
def audit_changes(entry: AuditEntry) -> list[Change]:
    """The fields an entry touched, each with its value before and after."""
    before = entry.before if isinstance(entry.before, dict) else None
    after = entry.after if isinstance(entry.after, dict) else {}
    fields = list(dict.fromkeys([*(before or {}), *after]))
    return [
        Change(
            field=f,
            before=None if before is None else _show(before.get(f)),
            after=_show(after.get(f)),
        )
        for f in fields
    ]


_OBJECT_ROUTES = {
    "household": ("registry:household_detail", "household_id"),
    "person": ("registry:person_detail", "person_id"),
}


@register.filter
def audit_object_url(entry: AuditEntry) -> str:
    """A link to the object an entry describes ('' when it has no page)."""
    route = _OBJECT_ROUTES.get(entry.object_type)
    if route is None or not entry.object_id.isdigit():
        return ""
    return reverse(route[0], kwargs={route[1]: int(entry.object_id)})


@register.filter
def actor_name(entry: AuditEntry) -> str:
    """The actor as recorded: the account's name, or the label kept when there is no account."""
    if entry.actor_id and entry.actor is not None:
        return entry.actor.get_username()
    return entry.actor_label or "—"
