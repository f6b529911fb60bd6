"""Explicit tables of allowed status moves (STYLE.md: a small dict next to the statuses).

Every entity with a status declares `TRANSITIONS: dict[current, set[next]]`; services call
`ensure_transition` before they move it, so a refused move always answers the same way: a 409
naming the entity, the current and the requested state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import TransitionNotAllowed


def _label(choices: Any, value: str) -> str:
    if choices is None:
        return value
    try:
        return f"{choices(value).label} ({value})"
    except ValueError:
        return value


def ensure_transition(
    *,
    entity: str,
    table: Mapping[str, set[str]],
    current: str,
    requested: str,
    choices: Any = None,
) -> None:
    """Raise TransitionNotAllowed unless `table` allows current -> requested."""
    if requested not in table.get(current, set()):
        raise TransitionNotAllowed(
            entity=entity, current=_label(choices, current), requested=_label(choices, requested)
        )


def sources_of(table: Mapping[str, set[str]], target: str) -> set[str]:
    """The states from which `target` may be reached (for set-based moves: WHERE status IN ...)."""
    return {src for src, dests in table.items() if target in dests}
