"""Reading uploaded tables (CSV or XLSX) as rows of text, with the row number a spreadsheet shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sejahtera.common.errors import DomainError


class FileRejected(DomainError):
    """The file as a whole cannot be read (format, header): no row of it is staged."""


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, values)
    kind: str  # "csv" | "xlsx"
    delimiter: str = ","


def file_kind(path: Path) -> str:
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        return "xlsx"
    return "csv"


def _sniff_delimiter(first_line: str) -> str:
    # Spreadsheets in an Indonesian locale save CSV with semicolons.
    return ";" if first_line.count(";") > first_line.count(",") else ","


def normalise_header(raw: list[str]) -> list[str]:
    return [h.strip().lower().lstrip("\ufeff") for h in raw]


def check_header(header: list[str], *, known: tuple[str, ...], required: list[str], label: str) -> None:
    unknown = [h for h in header if h not in known]
    missing = [h for h in required if h not in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if missing:
        problems.append(f"kolom wajib tidak ada: {', '.join(missing)}")
    if unknown:
        problems.append(f"kolom tidak dikenal: {', '.join(unknown)}")
    if dupes:
        problems.append(f"kolom ganda: {', '.join(dupes)}")
    if problems:
        raise FileRejected(f"{label}: " + "; ".join(problems) + " (lihat docs/import-format.md)")


def csv_first_line(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline()


def open_csv(path: Path, label: str = "") -> Table:
    try:
        first = csv_first_line(path)
    except UnicodeDecodeError as exc:
        raise FileRejected(f"{label or path.name}: bukan teks UTF-8 ({exc.reason})") from exc
    delimiter = _sniff_delimiter(first)

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            next(reader, None)
            for i, row in enumerate(reader, start=2):
                if row:
                    yield i, row

    header = normalise_header(next(csv.reader(io.StringIO(first), delimiter=delimiter), []))
    return Table(header=header, rows=rows(), kind="csv", delimiter=delimiter)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # Excel keeps 15 significant digits: a NIK typed as a number is already damaged, so it is
        # passed on as it is and fails the 16-digit check with a hint to format the column as text.
        value = int(value) if value.is_integer() else value
    if isinstance(value, int):
        return f"NUM:{value}" if value >= 10**15 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def open_xlsx(path: Path, label: str = "") -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileRejected(f"{label or path.name}: berkas Excel tidak dapat dibaca ({exc})") from exc
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = normalise_header([_cell(v) for v in next(it, ())])
    while header and header[-1] == "":
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for i, values in enumerate(it, start=2):
                cells = [_cell(v) for v in values][: len(header)]
                if any(c != "" for c in cells):
                    yield i, cells
        finally:
            wb.close()

    return Table(header=header, rows=rows(), kind="xlsx")


def open_table(path: Path, label: str = "") -> Table:
    """`label` is the name the user knows the file by (uploads are stored under a random name)."""
    return open_xlsx(path, label) if file_kind(path) == "xlsx" else open_csv(path, label)
