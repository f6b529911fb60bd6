"""What the public request pages share: rate limits, the 429 answer, the region cascade."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sejahtera.common.ratelimit import RequestLimit
from sejahtera.portal.edge import client_address, wait_text
from sejahtera.regions.models import Region
from sejahtera.regions.selectors import region_children

# Every public POST (each step of usul, sanggah and pengaduan) per client address; objections per
# village (a campaign against one village's recipients); status lookups per address (a code is
# 10 random letters, so a guesser at 30 per 10 minutes finds nothing in a lifetime).
POST_LIMIT = RequestLimit(scope="portal.requests.post", max_requests=20, window_seconds=3600)
SANGGAH_VILLAGE_LIMIT = RequestLimit(
    scope="portal.requests.sanggah_village", max_requests=50, window_seconds=86400
)
TRACK_LIMIT = RequestLimit(scope="portal.requests.track", max_requests=30, window_seconds=600)


def throttled(request: HttpRequest, wait: int, message: str) -> HttpResponse:
    """429 with Retry-After; `message` may name the wait as %(wait)s."""
    text = message % {"wait": wait_text(wait)} if "%(wait)s" in message else message
    response = render(request, "portal_requests/throttled.html", {"message": text}, status=429)
    response["Retry-After"] = str(wait)
    return response


def post_wait(request: HttpRequest) -> HttpResponse | None:
    """Count a public POST from this address; the 429 page when over the limit."""
    wait = POST_LIMIT.hit(client_address(request))
    if wait:
        return throttled(
            request, wait, gettext("Terlalu banyak pengiriman dari alamat Anda. Coba lagi dalam %(wait)s.")
        )
    return None


@dataclass(frozen=True)
class CascadeLevel:
    name: str
    label: str
    options: list[Region]
    selected: str
    next_name: str
    below: str


LEVELS: tuple[tuple[str, Any, int], ...] = (
    ("prov", _("Provinsi"), 2),
    ("kab", _("Kabupaten/kota"), 4),
    ("kec", _("Kecamatan"), 6),
    ("village", _("Desa/kelurahan"), 10),
)


def cascade(village_code: str) -> list[CascadeLevel]:
    """The four region selects, each listing the children of the level chosen above it (regions
    are public knowledge: no jurisdiction)."""
    levels = []
    parent: str | None = None
    names = [name for name, _label, _length in LEVELS]
    for i, (name, label, length) in enumerate(LEVELS):
        options = list(region_children(parent_code=parent)) if i == 0 or parent else []
        selected = village_code[:length] if len(village_code) >= length else ""
        if selected not in {r.code for r in options}:
            selected = ""
        levels.append(
            CascadeLevel(
                name=name,
                label=str(label),
                options=options,
                selected=selected,
                next_name=names[i + 1] if i + 1 < len(names) else "",
                below=",".join(f"id_{n}" for n in names[i + 1 :]),
            )
        )
        parent = selected or None
    return levels
