"""`make demo` puts the update cycle on screen: a published release and proposals at each step."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sejahtera.updates.management.commands.demo_cycle import demo_photo
from sejahtera.updates.models import Proposal, Release, VerificationPhoto

pytestmark = pytest.mark.django_db


def test_demo_cycle_publishes_a_release_and_fills_each_step_once(settings):
    call_command("demo", "--households", "40", "--region", "3204", stdout=io.StringIO())
    call_command("demo_cycle", stdout=io.StringIO())
    release = Release.objects.get(status="PUBLISHED")
    assert release.households > 30 and release.published_by is not None
    assert release.built_by.username != release.published_by.username
    statuses = sorted(Proposal.objects.values_list("status", flat=True))
    assert statuses == ["APPROVED", "SUBMITTED", "SUBMITTED", "SUBMITTED", "VERIFIED", "VERIFIED"]
    photo = VerificationPhoto.objects.first()
    assert photo is not None and photo.content_type == "image/png"
    call_command("demo_cycle", stdout=io.StringIO())
    assert Proposal.objects.count() == 6 and Release.objects.count() == 1


def test_demo_cycle_needs_the_demo_users():
    with pytest.raises(CommandError, match="sejahtera demo"):
        call_command("demo_cycle", stdout=io.StringIO())


def test_the_demo_photo_is_a_real_png():
    png = demo_photo(4, 3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == 3 * (1 + 4 * 3)
