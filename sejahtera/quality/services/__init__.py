"""Services of the quality app: one module per operation (runs, padan, decisions, hooks)."""

from .decisions import finding_dismiss, finding_resolve, override_decide, override_request
from .padan import padan_execute, padan_run, padan_start
from .runs import import_findings_hook, quality_execute, quality_run, quality_start

__all__ = [
    "finding_dismiss",
    "finding_resolve",
    "import_findings_hook",
    "override_decide",
    "override_request",
    "padan_execute",
    "padan_run",
    "padan_start",
    "quality_execute",
    "quality_run",
    "quality_start",
]
