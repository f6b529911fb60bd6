"""Proposals in bulk from a spreadsheet (docs/proposal-upload.md).

One row is one proposal, except a new household: one row per member, the rows sharing a KK number.
Every proposal is checked with services.proposal_check; the valid ones are submitted together
(services.proposals_submit_many) under one ProposalUpload, and each rejected row is stored as a
ProposalUploadError with the row number the spreadsheet shows, the column and the reason. A row's
error never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction, household_scope
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError, NotInJurisdiction
from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.imports.readers import FileRejected, normalise_header, open_table
from sejahtera.registry.models import Household, Person

from .models import Proposal, ProposalUpload, ProposalUploadError
from .services import ProposalInput, ProposalRefused, proposal_check, proposals_submit_many
from .services.proposals import CleanProposal

K = Proposal.Kind
MAX_ROWS = 2000

# --- the layout ------------------------------------------------------------------------------------
COMMON_COLUMNS = ("kind", "origin", "minutes_number", "minutes_date", "reference", "note", "kk_number")
HOUSEHOLD_NAMES = tuple(c.name for c in HOUSEHOLD_COLUMNS if c.name not in ("kk_number", "village_code"))
PERSON_NAMES = tuple(c.name for c in PERSON_COLUMNS if c.name not in ("kk_number", "nik"))
KNOWN_COLUMNS = (
    *COMMON_COLUMNS,
    "nik",
    "inactive_reason",
    "target_village_code",
    *HOUSEHOLD_NAMES,
    *PERSON_NAMES,
)
REQUIRED_COLUMNS = ("kind", "origin", "kk_number")
# The template's columns: what most rows need; any other column of KNOWN_COLUMNS may be added.
TEMPLATE_COLUMNS = (
    *COMMON_COLUMNS,
    "nik",
    "full_name",
    "birth_date",
    "sex",
    "relationship",
    "address",
    "rt",
    "rw",
    "floor_type",
    "wall_type",
    "roof_type",
    "inactive_reason",
    "target_village_code",
)
# The columns each kind reads besides COMMON_COLUMNS. A value in another column is refused rather
# than dropped, so that nothing the operator typed is silently lost.
KIND_COLUMNS: dict[str, frozenset[str]] = {
    K.NEW_HOUSEHOLD: frozenset({"nik", *HOUSEHOLD_NAMES, *PERSON_NAMES}),
    K.HOUSEHOLD_CHANGE: frozenset(HOUSEHOLD_NAMES),
    K.PERSON_CHANGE: frozenset({"nik", *PERSON_NAMES}),
    K.MEMBER_ADD: frozenset({"nik", *PERSON_NAMES}),
    K.MEMBER_REMOVE: frozenset({"nik", "inactive_reason"}),
    K.MOVE: frozenset({"target_village_code"}),
    K.DEACTIVATE: frozenset({"inactive_reason"}),
    K.REACTIVATE: frozenset(),
}
# A proposal's fields shared by the rows of one new household: they must agree.
SHARED_COLUMNS = ("origin", "minutes_number", "minutes_date", "reference", "note", *HOUSEHOLD_NAMES)
# The registry field a column fills (the column names are those of docs/import-format.md).
FIELD_OF = {c.name: c.field for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS)}
# The column to blame for a field the services name.
COLUMN_OF = {
    **{f: name for name, f in FIELD_OF.items()},
    "household_id": "kk_number",
    "person_id": "nik",
    "members": "nik",
    "changes": "",
    "village_code": "",
}

COLUMN_DOCS: dict[str, Any] = {
    "kind": _("Jenis usulan, kode dari lembar Kode (mis. NEW_HOUSEHOLD)"),
    "origin": _("Asal usulan, kode dari lembar Kode (mis. MUSDES)"),
    "minutes_number": _("Nomor berita acara; wajib untuk MUSDES dan MUSKEL"),
    "minutes_date": _("Tanggal berita acara, YYYY-MM-DD atau DD/MM/YYYY; wajib untuk MUSDES dan MUSKEL"),
    "reference": _("Rujukan lain (nomor tiket, kasus SLRT); boleh kosong"),
    "note": _("Keterangan; boleh kosong"),
    "kk_number": _(
        "No. KK, 16 digit (format kolom Teks). Keluarga baru: satu baris per anggota dengan No. KK yang sama"
    ),
    "nik": _(
        "NIK anggota, 16 digit (format kolom Teks): anggota keluarga baru, yang ditambah, diubah atau dikeluarkan"
    ),
    "inactive_reason": _("Alasan penonaktifan (DEACTIVATE, MEMBER_REMOVE), kode dari lembar Kode"),
    "target_village_code": _("Kode desa/kelurahan tujuan, 10 digit (MOVE)"),
}

_NUMBER = "NUM:"  # registry.imports.readers marks a long number typed as a number this way
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str
    value: str = ""


@dataclass
class Draft:
    """One proposal as read: its rows (one, or one per member of a new household)."""

    kind: str
    rows: list[tuple[int, dict[str, str]]]
    shared: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0][0]


# --- reading ---------------------------------------------------------------------------------------
def _iso(text: str) -> str:
    """DD/MM/YYYY (as typed in Indonesia) to YYYY-MM-DD; anything else as it is."""
    m = _DMY.match(text)
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text


def read_rows(path: Path, label: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the non-empty rows, as {column: text}, with their spreadsheet row numbers."""
    table = open_table(path, label)
    header = normalise_header(table.header)
    unknown = [h for h in header if h and h not in KNOWN_COLUMNS]
    missing = [h for h in REQUIRED_COLUMNS if h not in header]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    problems = [
        f"{text}: {', '.join(names)}"
        for text, names in (
            ("kolom wajib tidak ada", missing),
            ("kolom tidak dikenal", unknown),
            ("kolom ganda", twice),
        )
        if names
    ]
    if problems:
        raise FileRejected(f"{label}: " + "; ".join(problems) + " (lihat docs/proposal-upload.md)")
    rows = []
    for number, values in table.rows:
        cells = {h: v.strip() for h, v in zip(header, values, strict=False) if h and v.strip()}
        if cells:
            rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise FileRejected(f"{label}: lebih dari {MAX_ROWS} baris; bagi menjadi beberapa berkas.")
    if not rows:
        raise FileRejected(f"{label}: tidak ada baris usulan di bawah baris judul.")
    return header, rows


def _row_problems(number: int, cells: dict[str, str]) -> tuple[str, list[RowError]]:
    kind = cells.get("kind", "").upper()
    errors = [
        RowError(number, col, "FORMAT", "angka 16 digit rusak di Excel; format kolom sebagai Teks", v)
        for col, v in cells.items()
        if v.startswith(_NUMBER)
    ]
    if kind not in K.values:
        errors.append(
            RowError(number, "kind", "KIND_UNKNOWN", "jenis usulan tidak dikenal", cells.get("kind", ""))
        )
        return kind, errors
    if not cells.get("kk_number"):
        errors.append(RowError(number, "kk_number", "REQUIRED", "wajib diisi"))
    errors += [
        RowError(number, col, "COLUMN_NOT_FOR_KIND", f"kolom ini tidak dipakai untuk usulan {kind}", v)
        for col, v in cells.items()
        if col not in COMMON_COLUMNS and col not in KIND_COLUMNS[kind]
    ]
    return kind, errors


def drafts_from(rows: Iterable[tuple[int, dict[str, str]]]) -> list[Draft]:
    """Rows grouped into proposals; a row's own problems (unknown kind, misplaced value) noted."""
    drafts: list[Draft] = []
    families: dict[str, Draft] = {}
    for number, raw in rows:
        cells = {k: _iso(v) if k in ("minutes_date", "birth_date") else v for k, v in raw.items()}
        kind, errors = _row_problems(number, cells)
        kk = cells.get("kk_number", "")
        family = families.get(kk) if kind == K.NEW_HOUSEHOLD and kk else None
        if family is None:
            draft = Draft(
                kind, [(number, cells)], {k: cells[k] for k in SHARED_COLUMNS if k in cells}, errors
            )
            drafts.append(draft)
            if kind == K.NEW_HOUSEHOLD and kk:
                families[kk] = draft
            continue
        family.rows.append((number, cells))
        family.errors += errors
        for col in SHARED_COLUMNS:
            value, first = cells.get(col), family.shared.get(col)
            if value and first and value != first:
                family.errors.append(
                    RowError(
                        number,
                        col,
                        "FAMILY_MISMATCH",
                        f"berbeda dengan baris {family.first_row} ({first})",
                        value,
                    )
                )
            elif value:
                family.shared[col] = value
    return drafts


# --- from a draft to a proposal ----------------------------------------------------------------------
def _fields(cells: dict[str, str], names: Sequence[str]) -> dict[str, str]:
    return {FIELD_OF[n]: cells[n] for n in names if n in cells}


def _household(village_code: str, kk: str, kind: str) -> Household | None:
    wanted = codes.RecordStatus.INACTIVE if kind == K.REACTIVATE else codes.RecordStatus.ACTIVE
    return (
        Household.objects.filter(village_id=village_code, kk_number=kk)
        .annotate(
            rank=Case(When(status=wanted, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("rank", "-id")
        .first()
    )


def _person(household: Household, nik: str) -> Person | None:
    return Person.objects.filter(household=household, nik=nik).order_by("status", "-id").first()


def _minutes_date(draft: Draft) -> dt.date | None:
    text = draft.shared.get("minutes_date", "")
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ProposalRefused(
            "minutes_date", "DATE_INVALID", "tanggal harus berbentuk YYYY-MM-DD atau DD/MM/YYYY", text
        ) from None


def proposal_input(draft: Draft, village_code: str) -> ProposalInput:
    """The ProposalInput of a draft; raises ProposalRefused for a KK or NIK not found here."""
    cells = draft.rows[0][1]
    kind = draft.kind
    data = ProposalInput(
        kind=kind,
        origin=draft.shared.get("origin", "").upper(),
        village_code=village_code,
        minutes_number=draft.shared.get("minutes_number", ""),
        minutes_date=_minutes_date(draft),
        reference=draft.shared.get("reference", ""),
        note=draft.shared.get("note", ""),
        inactive_reason=cells.get("inactive_reason", "").upper(),
        target_village_code=cells.get("target_village_code", ""),
    )
    kk = cells.get("kk_number", "")
    if kind == K.NEW_HOUSEHOLD:
        data.payload = {
            "household": {"kk_number": kk, **_fields(draft.shared, HOUSEHOLD_NAMES)},
            "members": [{"nik": c.get("nik", ""), **_fields(c, PERSON_NAMES)} for _n, c in draft.rows],
        }
        return data
    household = _household(village_code, kk, kind)
    if household is None:
        raise ProposalRefused(
            "household_id", "HOUSEHOLD_NOT_HERE", "No. KK tidak ditemukan di desa/kelurahan ini", kk
        )
    data.household_id = household.pk
    if kind in (K.PERSON_CHANGE, K.MEMBER_REMOVE):
        nik = cells.get("nik", "")
        person = _person(household, nik) if nik else None
        if person is None:
            code, message = (
                ("PERSON_NOT_HERE", "NIK tidak ditemukan pada keluarga ini")
                if nik
                else ("REQUIRED", "wajib diisi")
            )
            raise ProposalRefused("person_id", code, message, nik)
        data.person_id = person.pk
    if kind == K.HOUSEHOLD_CHANGE:
        data.payload = {"changes": _fields(cells, HOUSEHOLD_NAMES)}
    elif kind == K.PERSON_CHANGE:
        data.payload = {"changes": _fields(cells, PERSON_NAMES)}
    elif kind == K.MEMBER_ADD:
        data.payload = {"member": {"nik": cells.get("nik", ""), **_fields(cells, PERSON_NAMES)}}
    return data


def _blame(draft: Draft, error: ProposalRefused) -> RowError:
    """The row and column a refusal points at. The services name a member's error with the member's
    NIK as its value, so the row is the one holding the value in the column, else anywhere, else the
    first; the value reported is what that row holds in the column."""
    column = COLUMN_OF.get(error.field, error.field if error.field in KNOWN_COLUMNS else "")
    rows = draft.rows
    number, cells = next(
        (r for r in rows if error.value and column and r[1].get(column) == error.value),
        next((r for r in rows if error.value and error.value in r[1].values()), rows[0]),
    )
    message = error.message.removeprefix(f"{error.field}: ")
    return RowError(number, column, error.code, message, cells.get(column, error.value))


def _identity_keys(clean: CleanProposal) -> list[tuple[Any, ...]]:
    """What may appear once in one file: the same change to the same record, the same new NIK or KK."""
    d = clean.data
    if d.kind == K.NEW_HOUSEHOLD:
        return [("kk", d.payload["household"]["kk_number"])] + [
            ("nik", m["nik"]) for m in d.payload["members"]
        ]
    keys: list[tuple[Any, ...]] = [(d.kind, d.household_id, d.person_id)]
    if d.kind == K.MEMBER_ADD:
        keys.append(("nik", d.payload["member"]["nik"]))
    return keys


def _rejected(draft: Draft) -> list[RowError]:
    """A draft's errors, and for a family every other row too (it cannot go without them)."""
    blamed = {e.row for e in draft.errors}
    first_bad = min(blamed)
    return draft.errors + [
        RowError(n, "", "FAMILY_REJECTED", f"keluarga ini ditolak karena kesalahan pada baris {first_bad}")
        for n, _cells in draft.rows
        if n not in blamed
    ]


@dataclass
class Checked:
    accepted: list[CleanProposal]
    errors: list[RowError]
    rows_accepted: int


def check_drafts(*, actor: User, drafts: list[Draft], village_code: str) -> Checked:
    """Each draft through services.proposal_check; duplicates within the file refused too."""
    accepted: list[CleanProposal] = []
    errors: list[RowError] = []
    seen: dict[tuple[Any, ...], int] = {}
    rows_accepted = 0
    for draft in drafts:
        if not draft.errors:
            try:
                clean = proposal_check(actor=actor, data=proposal_input(draft, village_code))
            except ProposalRefused as e:
                draft.errors.append(_blame(draft, e))
            except DomainError as e:
                draft.errors.append(RowError(draft.first_row, "", "REFUSED", e.message))
            else:
                earlier = next((seen[k] for k in _identity_keys(clean) if k in seen), None)
                if earlier is not None:
                    draft.errors.append(
                        RowError(
                            draft.first_row,
                            "kk_number",
                            "DUPLICATE_IN_FILE",
                            f"usulan yang sama sudah ada di baris {earlier}",
                            draft.rows[0][1].get("kk_number", ""),
                        )
                    )
                else:
                    seen.update(dict.fromkeys(_identity_keys(clean), draft.first_row))
                    accepted.append(clean)
                    rows_accepted += len(draft.rows)
        if draft.errors:
            errors += _rejected(draft)
    return Checked(accepted, errors, rows_accepted)


def _error_row(upload: ProposalUpload, e: RowError) -> ProposalUploadError:
    return ProposalUploadError(
        upload=upload,
        row=e.row,
        column=e.column[:40],
        code=e.code[:40],
        message=e.message[:300],
        value=e.value[:100],
    )


def _read_upload(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix.lower()) as fh:
        fh.write(content)
        fh.flush()
        return read_rows(Path(fh.name), name)[1]


@transaction.atomic
def proposals_upload(*, actor: User, file_name: str, content: bytes, village_code: str) -> ProposalUpload:
    """Submit the valid proposals of a spreadsheet for one village; keep every rejected row's reason.
    Raises FileRejected when the file as a whole cannot be read (nothing is stored then)."""
    ensure_can(actor, Action.PROPOSAL_SUBMIT)
    if not Region.objects.filter(code=village_code, level=Region.Level.VILLAGE).exists():
        raise DomainError(f"Kode desa/kelurahan {village_code} tidak dikenal.")
    try:
        ensure_in_jurisdiction(actor, village_code)
    except NotInJurisdiction:
        raise DomainError(f"Desa/kelurahan {village_code} di luar wilayah kewenangan Anda.") from None
    rows = _read_upload(file_name, content)
    checked = check_drafts(actor=actor, drafts=drafts_from(rows), village_code=village_code)
    upload = ProposalUpload(
        uploaded_by=actor,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        rows_read=len(rows),
        rows_accepted=checked.rows_accepted,
        rows_rejected=len({e.row for e in checked.errors}),
    )
    upload.place_in(village_code)
    upload.save()
    ProposalUploadError.objects.bulk_create([_error_row(upload, e) for e in checked.errors], batch_size=1000)
    proposals = proposals_submit_many(actor=actor, rows=checked.accepted, upload=upload)
    audit_record(
        actor=actor,
        action="proposal.upload",
        object_type="proposal_upload",
        object_id=upload.pk,
        region_code=village_code,
        after={
            "file": upload.file_name,
            "sha256": upload.sha256,
            "rows_read": upload.rows_read,
            "rows_accepted": upload.rows_accepted,
            "rows_rejected": upload.rows_rejected,
            "proposals": len(proposals),
        },
    )
    return upload


# --- reads -----------------------------------------------------------------------------------------
def upload_list(*, user: User) -> QuerySet[ProposalUpload]:
    """Uploads of the villages in the user's jurisdiction, newest first."""
    ensure_can(user, Action.PROPOSAL_VIEW)
    return ProposalUpload.objects.filter(household_scope(user)).select_related("uploaded_by", "village")


def upload_get(*, user: User, upload_id: int) -> ProposalUpload:
    upload = upload_list(user=user).filter(pk=upload_id).first()
    if upload is None:
        raise NotInJurisdiction("Unggahan tidak ditemukan di wilayah kewenangan Anda.")
    return upload


def upload_errors(*, upload: ProposalUpload) -> QuerySet[ProposalUploadError]:
    return ProposalUploadError.objects.filter(upload=upload).order_by("row", "id")


ERRORS_HEADER = ("row", "column", "code", "message", "value")


# --- the template ----------------------------------------------------------------------------------
def _examples(district: str) -> list[list[str]]:
    """Example rows: a new family of two, an address change, a deactivation."""
    kk = kk_for(district_code=district, record_date=dt.date(2019, 7, 1), serial=1)
    mother = nik_for(district_code=district, birth_date=dt.date(1985, 3, 4), sex="P", serial=1)
    child = nik_for(district_code=district, birth_date=dt.date(2012, 1, 9), sex="L", serial=2)
    existing = kk_for(district_code=district, record_date=dt.date(2016, 4, 12), serial=2)
    blank = dict.fromkeys(TEMPLATE_COLUMNS, "")
    rows = [
        {**blank, "kind": "NEW_HOUSEHOLD", "origin": "MUSDES", "minutes_number": "BA/07/2025",
         "minutes_date": "2025-07-15", "kk_number": kk, "nik": mother, "full_name": "SITI AMINAH",
         "birth_date": "1985-03-04", "sex": "P", "relationship": "HEAD", "address": "Kp. Babakan",
         "rt": "002", "rw": "005", "floor_type": "9", "wall_type": "4", "roof_type": "6"},
        {**blank, "kind": "NEW_HOUSEHOLD", "origin": "MUSDES", "minutes_number": "BA/07/2025",
         "minutes_date": "2025-07-15", "kk_number": kk, "nik": child, "full_name": "ADI PRATAMA",
         "birth_date": "2012-01-09", "sex": "L", "relationship": "CHILD"},
        {**blank, "kind": "HOUSEHOLD_CHANGE", "origin": "RT_RW", "kk_number": existing, "address": "Jl. Melati 3",
         "rt": "004"},
        {**blank, "kind": "DEACTIVATE", "origin": "MUSDES", "minutes_number": "BA/07/2025",
         "minutes_date": "2025-07-15", "kk_number": existing, "inactive_reason": "NOT_ELIGIBLE"},
    ]  # fmt: skip
    return [[r[c] for c in TEMPLATE_COLUMNS] for r in rows]


def _code_rows() -> list[list[str]]:
    lists: list[tuple[str, Any]] = [
        ("kind", Proposal.Kind.choices),
        ("origin", Proposal.Origin.choices),
        ("inactive_reason", codes.InactiveReason.choices),
        ("sex", codes.Sex.choices),
        ("relationship", codes.Relationship.choices),
    ]
    return [[column, str(value), str(label)] for column, choices in lists for value, label in choices]


def template_workbook(*, district_code: str) -> bytes:
    """The upload template: an empty sheet to fill (columns formatted as Text, so a 16-digit NIK
    keeps its digits), an example, the columns and the codes. Every value is text the code writes."""
    docs = {c.name: c.doc for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS)} | COLUMN_DOCS
    kinds = {col: sorted(str(k) for k, cols in KIND_COLUMNS.items() if col in cols) for col in KNOWN_COLUMNS}
    guide = [
        [c, str(docs.get(c, "")), "semua" if c in COMMON_COLUMNS else ", ".join(kinds[c])]
        for c in KNOWN_COLUMNS
    ]
    wide = [18] * len(TEMPLATE_COLUMNS)
    wb = Workbook()
    wb.remove(wb.active)
    for title, header, rows, widths in (
        ("Usulan", TEMPLATE_COLUMNS, [], wide),
        ("Contoh", TEMPLATE_COLUMNS, _examples(district_code), wide),
        ("Petunjuk", ("kolom", "isi", "dipakai untuk"), guide, (22, 90, 60)),
        ("Kode", ("kolom", "kode", "arti"), _code_rows(), (18, 20, 50)),
    ):
        ws = wb.create_sheet(title)
        for row in (header, *rows):
            ws.append(list(row))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
            if title == "Usulan":
                ws.column_dimensions[get_column_letter(i)].number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
