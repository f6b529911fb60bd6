"""Program writes (issue 4 §2-§4): runs (exits, enrolment within quota, entitlements), graduation,
voluntary withdrawal (maker-checker), quotas. One module per topic; each function is one business
operation in one transaction, audited."""

from .enrollment import enrollment_graduate, enrollments_end_duplicate
from .quotas import QuotaRowError, QuotaUploadRejected, quota_load, quota_set
from .runs import programs_run, run_abandon, run_execute, run_start
from .withdrawals import withdrawal_confirm, withdrawal_reject, withdrawal_request, withdrawal_verify

__all__ = [
    "QuotaRowError",
    "QuotaUploadRejected",
    "enrollment_graduate",
    "enrollments_end_duplicate",
    "programs_run",
    "quota_load",
    "quota_set",
    "run_abandon",
    "run_execute",
    "run_start",
    "withdrawal_confirm",
    "withdrawal_reject",
    "withdrawal_request",
    "withdrawal_verify",
]
