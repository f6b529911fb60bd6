"""Domain errors. Services raise them; the edge (views, API, commands) turns them into 4xx or exit codes."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation. The message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotInJurisdiction(DomainError):
    """The object exists but lies outside the actor's jurisdiction: answered as 404, never 403,
    so that the existence of records elsewhere is not revealed."""

    status_code = 404


class PermissionRefused(DomainError):
    """The actor's role may not perform this operation."""

    status_code = 403


class TransitionNotAllowed(DomainError):
    """A status change that the entity's table of allowed moves does not contain."""

    status_code = 409

    def __init__(self, *, entity: str, current: str, requested: str) -> None:
        super().__init__(f"{entity}: perubahan status dari {current} ke {requested} tidak diizinkan")
        self.current = current
        self.requested = requested


class MakerCheckerViolation(DomainError):
    """The checker of an operation is the same person as its maker."""

    status_code = 403
