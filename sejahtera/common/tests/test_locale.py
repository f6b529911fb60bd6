"""The English catalogue is complete and compiled: a page never shows English users an untranslated
Indonesian string or a guess that makemessages marked fuzzy."""

from __future__ import annotations

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_every_entry_is_translated_and_reviewed():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not missing, f"{len(missing)} untranslated (run `make messages` and translate): {missing[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy (review and clear the flag): {fuzzy[:10]}"


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    stale = [
        e.msgid
        for e in po.translated_entries()
        if compiled.get((e.msgctxt, e.msgid)) != (e.msgstr, e.msgstr_plural)
    ]
    assert not stale, f"{len(stale)} entries differ from django.mo (run compilemessages): {stale[:5]}"
