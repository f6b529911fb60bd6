"""The menu: each role sees the entries of its rights, and exactly one entry is the current page's
(the longest address that starts the page's own)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _menu(client, user, path: str) -> tuple[list[str], list[str]]:
    client.force_login(user)
    html = client.get(path).content.decode()
    nav = html[html.index("<nav") :]
    entries = re.findall(r'<li><a href="[^"]+"[^>]*>([^<]+)</a></li>', nav)
    current = re.findall(r'<li><a href="[^"]+" aria-current="page">([^<]+)</a></li>', nav)
    return entries, current


def test_on_the_quota_page_only_the_quota_entry_is_current(client, program_manager):
    entries, current = _menu(client, program_manager, "/programs/kuota/")
    assert {"Program bansos", "Kuota", "Pengunduran diri"} <= set(entries)
    assert current == ["Kuota"]


def test_on_a_programs_page_the_programs_entry_is_current(client, program_manager):
    _entries, current = _menu(client, program_manager, "/programs/")
    assert current == ["Program bansos"]


def test_a_district_officer_reaches_the_withdrawal_queue_but_not_the_quotas(client, district_a):
    entries, current = _menu(client, district_a, "/programs/pengunduran/")
    assert "Pengunduran diri" in entries
    assert "Kuota" not in entries
    assert current == ["Pengunduran diri"]
