"""Payment writes: one function per business operation, audited, maker-checker (docs/payments.md)."""

from .accounts import AccountsLoaded, accounts_generate, accounts_load
from .batches import (
    CONTROL,
    EXPORT_HEADER,
    BatchFile,
    batch_approve,
    batch_cancel,
    batch_export,
    batches_check,
    batches_create,
    file_name,
)
from .statuses import COLUMNS as STATUS_COLUMNS
from .statuses import RowError, status_import

__all__ = [
    "CONTROL",
    "EXPORT_HEADER",
    "STATUS_COLUMNS",
    "AccountsLoaded",
    "BatchFile",
    "RowError",
    "accounts_generate",
    "accounts_load",
    "batch_approve",
    "batch_cancel",
    "batch_export",
    "batches_check",
    "batches_create",
    "file_name",
    "status_import",
]
