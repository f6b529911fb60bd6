"""What the targeting pages share at the edge (the update cycle's helpers, reused)."""

from __future__ import annotations

from sejahtera.updates.views._edge import REGION_LENGTHS, actor, export_format, refusal_status, region_param

__all__ = ["REGION_LENGTHS", "actor", "export_format", "refusal_status", "region_param"]
