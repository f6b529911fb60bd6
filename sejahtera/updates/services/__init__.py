"""Writes of the update cycle, one module per step (STYLE.md: split by topic)."""

from .apply import apply_approved
from .approval import proposals_decide
from .events import EventsResult, events_apply, events_read, events_read_text
from .proposals import (
    ProposalInput,
    ProposalRefused,
    proposal_check,
    proposal_submit,
    proposal_withdraw,
    proposals_lapse_overdue,
    proposals_submit_many,
)
from .qa import qa_decide
from .releases import (
    period_check,
    release_abandon,
    release_build,
    release_discard,
    release_publish,
    release_run,
    release_start,
)
from .verification import Photo, affluence_findings, task_claim, verification_submit

__all__ = [
    "EventsResult",
    "Photo",
    "ProposalInput",
    "ProposalRefused",
    "affluence_findings",
    "apply_approved",
    "events_apply",
    "events_read",
    "events_read_text",
    "period_check",
    "proposal_check",
    "proposal_submit",
    "proposal_withdraw",
    "proposals_decide",
    "proposals_lapse_overdue",
    "proposals_submit_many",
    "qa_decide",
    "release_abandon",
    "release_build",
    "release_discard",
    "release_publish",
    "release_run",
    "release_start",
    "task_claim",
    "verification_submit",
]
