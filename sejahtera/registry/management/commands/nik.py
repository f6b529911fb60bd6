"""sejahtera nik check NIK [NIK ...] [--json]"""

from __future__ import annotations

from sejahtera.registry.identifiers import nik_check

from ._idcheck import IdCheckCommand


class Command(IdCheckCommand):
    help = "Check NIK numbers: structure, birth date and sex, issuing district (current or historical)."
    noun = "NIK"
    checker = staticmethod(nik_check)
