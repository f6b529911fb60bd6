"""sejahtera kk check KK [KK ...] [--json]"""

from __future__ import annotations

from sejahtera.registry.identifiers import kk_check

from ._idcheck import IdCheckCommand


class Command(IdCheckCommand):
    help = "Check Kartu Keluarga numbers: structure, recording date, issuing district."
    noun = "KK"
    checker = staticmethod(kk_check)
