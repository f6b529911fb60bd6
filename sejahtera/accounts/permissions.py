"""What each role may do. Scoping (where) is decided in scoping.py; this is the what."""

from __future__ import annotations

from enum import StrEnum

from sejahtera.common.errors import PermissionRefused

from .models import Role, User


class Action(StrEnum):
    REGISTRY_VIEW = "registry.view"
    REGISTRY_EXPORT = "registry.export"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_EDIT = "registry.edit"
    AUDIT_VIEW = "audit.view"
    PROPOSAL_VIEW = "proposal.view"
    PROPOSAL_SUBMIT = "proposal.submit"
    VERIFY = "proposal.verify"
    APPROVE_DISTRICT = "proposal.approve_district"
    APPROVE_PROVINCE = "proposal.approve_province"
    QA_REVIEW = "qa.review"
    RELEASE_VIEW = "release.view"
    RELEASE_BUILD = "release.build"
    RELEASE_PUBLISH = "release.publish"
    EVENTS_APPLY = "events.apply"
    EVALUATION_VIEW = "evaluation.view"
    TARGETING_VIEW = "targeting.view"
    TARGETING_MANAGE = "targeting.manage"
    PROGRAM_VIEW = "program.view"
    PROGRAM_MANAGE = "program.manage"
    ENROLLMENT_EXIT = "program.exit"
    PAYMENT_VIEW = "payment.view"
    PAYMENT_MANAGE = "payment.manage"
    PAYMENT_STATUS_IMPORT = "payment.status_import"
    REALISATION_VIEW = "payment.realisation"
    DEDUP_VIEW = "dedup.view"
    DEDUP_DECIDE = "dedup.decide"
    DEDUP_RUN = "dedup.run"
    QUALITY_VIEW = "quality.view"
    QUALITY_MANAGE = "quality.manage"
    QUALITY_RUN = "quality.run"
    PADAN_OVERRIDE = "quality.padan_override"
    COMPLAINT_VIEW = "complaint.view"
    COMPLAINT_HANDLE = "complaint.handle"


_ALL_STAFF: set[str] = {str(r) for r in Role} - {Role.PAYMENT_CHANNEL}

ALLOWED: dict[Action, set[str]] = {
    Action.REGISTRY_VIEW: _ALL_STAFF,
    Action.REGISTRY_EXPORT: {
        Role.CENTRAL_DATA,
        Role.PROGRAM_MANAGER,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.VILLAGE_OPERATOR,
        Role.AUDITOR,
    },
    # Bulk loading is the central data team's and the district offices' (the initial load of a
    # region); after it, registry changes flow through the update cycle.
    Action.REGISTRY_IMPORT: {Role.CENTRAL_DATA, Role.DISTRICT_OFFICER},
    Action.REGISTRY_EDIT: {Role.CENTRAL_DATA, Role.DISTRICT_OFFICER},
    Action.AUDIT_VIEW: {Role.AUDITOR, Role.CENTRAL_DATA},
    # The update cycle (issue 3; DOMAIN.md §3). Proposals come from the village; the district's
    # SLRT back office enters the proposals its desk receives.
    Action.PROPOSAL_VIEW: _ALL_STAFF - {Role.PROGRAM_MANAGER, Role.SOCIAL_WORKER, Role.DISASTER_COORDINATOR},
    Action.PROPOSAL_SUBMIT: {Role.VILLAGE_OPERATOR, Role.DISTRICT_OFFICER},
    Action.VERIFY: {Role.VERIFIER},
    Action.APPROVE_DISTRICT: {Role.DISTRICT_OFFICER},
    Action.APPROVE_PROVINCE: {Role.PROVINCE_OFFICER},
    Action.QA_REVIEW: {Role.QA_REVIEWER},
    Action.RELEASE_VIEW: _ALL_STAFF,
    Action.RELEASE_BUILD: {Role.CENTRAL_DATA},
    Action.RELEASE_PUBLISH: {Role.CENTRAL_DATA},
    # The population-registry feed is national (Dukcapil to Pusdatin).
    Action.EVENTS_APPLY: {Role.CENTRAL_DATA},
    Action.EVALUATION_VIEW: {
        Role.CENTRAL_DATA,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.AUDITOR,
        Role.QA_REVIEWER,
    },
    # Targeting (issue 4 §1): the central data team keeps the scoring models; who activates a
    # version is not who wrote it.
    Action.TARGETING_VIEW: _ALL_STAFF - {Role.SOCIAL_WORKER, Role.DISASTER_COORDINATOR},
    Action.TARGETING_MANAGE: {Role.CENTRAL_DATA},
    # Programs and payments (issue 4 §2-§5): the program manager runs periods and batches (one
    # makes a batch, another approves it); regions see their own enrolment, entitlements and
    # reconciliation; a channel sees its own batches and sends their status files back.
    Action.PROGRAM_VIEW: {
        Role.CENTRAL_DATA,
        Role.PROGRAM_MANAGER,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.VILLAGE_OPERATOR,
        Role.AUDITOR,
    },
    Action.PROGRAM_MANAGE: {Role.PROGRAM_MANAGER},
    # A withdrawal is requested and confirmed by the district office, verified by a second officer.
    Action.ENROLLMENT_EXIT: {Role.DISTRICT_OFFICER, Role.PROGRAM_MANAGER},
    Action.PAYMENT_VIEW: {Role.PROGRAM_MANAGER, Role.PAYMENT_CHANNEL, Role.AUDITOR, Role.CENTRAL_DATA},
    Action.PAYMENT_MANAGE: {Role.PROGRAM_MANAGER},
    Action.PAYMENT_STATUS_IMPORT: {Role.PAYMENT_CHANNEL, Role.PROGRAM_MANAGER},
    Action.REALISATION_VIEW: {
        Role.CENTRAL_DATA,
        Role.PROGRAM_MANAGER,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.AUDITOR,
    },
    # Public complaints (issue 5 §5) are routed to the district office of their village; the
    # province and the centre answer those of their own jurisdiction too; auditors read them.
    Action.COMPLAINT_VIEW: {
        Role.CENTRAL_DATA,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.AUDITOR,
    },
    Action.COMPLAINT_HANDLE: {Role.CENTRAL_DATA, Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER},
    # Duplicates (issue 6 §3, docs/dedup.md): the central data team runs the detection; it and the
    # district offices decide pairs of their jurisdiction (a merge deactivates a record, so only the
    # offices that keep the registry); province offices and auditors read.
    Action.DEDUP_VIEW: {Role.CENTRAL_DATA, Role.PROVINCE_OFFICER, Role.DISTRICT_OFFICER, Role.AUDITOR},
    Action.DEDUP_DECIDE: {Role.CENTRAL_DATA, Role.DISTRICT_OFFICER},
    Action.DEDUP_RUN: {Role.CENTRAL_DATA},
    # Data quality (issue 6 §1, §2, §4): findings are read by those who answer for the data and
    # those who audit it; resolved or dismissed by the central team and the district offices; the
    # checks and padan runs are started centrally; a padan override is the district office's
    # (one officer asks, another approves).
    Action.QUALITY_VIEW: {
        Role.CENTRAL_DATA,
        Role.PROVINCE_OFFICER,
        Role.DISTRICT_OFFICER,
        Role.QA_REVIEWER,
        Role.AUDITOR,
    },
    Action.QUALITY_MANAGE: {Role.CENTRAL_DATA, Role.DISTRICT_OFFICER},
    Action.QUALITY_RUN: {Role.CENTRAL_DATA},
    Action.PADAN_OVERRIDE: {Role.DISTRICT_OFFICER},
}


def can(user: User, action: Action) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in ALLOWED[action])


def ensure_can(user: User, action: Action) -> None:
    if not can(user, action):
        raise PermissionRefused("Peran Anda tidak berwenang untuk tindakan ini.")
