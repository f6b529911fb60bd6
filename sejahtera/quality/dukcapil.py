"""Matching registry persons against the population registry (padan Dukcapil, DOMAIN.md §4.6).

`DukcapilClient.match(persons) -> results` has two implementations:
- `CsvReferenceClient`: a reference extract (CSV) loaded once into a temporary table; each batch
  of persons is looked up there by NIK with one SELECT;
- `HttpClient`: the batch service of docs/dukcapil-contract.md (urllib, retries, timeouts).
Both return what Dukcapil knows of each NIK; `judge` turns it into MATCHED / NOT_MATCHED (with the
name similarity) / NOT_FOUND against the configured threshold (SEJAHTERA_DUKCAPIL_NAME_THRESHOLD).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Protocol

from django.db import connection

from sejahtera.common.errors import DomainError


@dataclass(frozen=True)
class PersonQuery:
    person_id: int
    nik: str
    full_name: str
    birth_date: dt.date | None = None
    sex: str = ""


@dataclass(frozen=True)
class DukcapilRecord:
    """What Dukcapil returns for a NIK it knows."""

    nik: str
    full_name: str
    deceased: bool = False


@dataclass(frozen=True)
class MatchResult:
    person_id: int
    result: str  # PadanResult.Result
    similarity: float | None
    dukcapil_name: str = ""
    deceased: bool = False


class DukcapilClient(Protocol):
    def match(self, persons: Sequence[PersonQuery]) -> Iterable[MatchResult]: ...


class DukcapilError(DomainError):
    """The population registry could not be asked (bad file, refused token, service down)."""


# --- names -----------------------------------------------------------------------------------------
# Titles and honorifics that Dukcapil's NAMA_LGKP usually omits and registry names often carry.
_TITLES = {
    "H",
    "HJ",
    "HAJI",
    "HAJJAH",
    "DR",
    "DRS",
    "DRA",
    "IR",
    "ST",
    "SH",
    "SE",
    "SPD",
    "SAG",
    "SKM",
    "AMD",
    "ALM",
    "ALMH",
}
_NON_LETTERS = re.compile(r"[^A-Z ]+")


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = _NON_LETTERS.sub(" ", text.replace(".", " ").replace(",", " ").replace("'", ""))
    return " ".join(w for w in text.split() if w not in _TITLES)


def _ratio(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    plain = SequenceMatcher(None, a, b).ratio()
    # Word order differs between sources ("SITI AMINAH" / "AMINAH SITI").
    ordered = SequenceMatcher(None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))).ratio()
    return max(plain, ordered)


def name_similarity(a: str, b: str) -> float:
    """0..1. Names with '/' (aliases) are split and every pair of parts is tried (DOMAIN.md §4.6)."""
    parts_a = [normalise_name(p) for p in a.split("/")] or [""]
    parts_b = [normalise_name(p) for p in b.split("/")] or [""]
    return round(max(_ratio(x, y) for x in parts_a for y in parts_b), 4)


def judge(query: PersonQuery, record: DukcapilRecord | None, threshold: float) -> MatchResult:
    if record is None:
        return MatchResult(query.person_id, "NOT_FOUND", None)
    sim = name_similarity(query.full_name, record.full_name)
    result = "MATCHED" if sim >= threshold else "NOT_MATCHED"
    return MatchResult(query.person_id, result, sim, record.full_name[:100], record.deceased)


# --- a reference extract ---------------------------------------------------------------------------
REF_TABLE = "quality_dukcapil_ref"
# Accepted header names (English as in docs/quality.md, or the Dukcapil field names of §4.6).
_HEADER = {
    "nik": "nik",
    "full_name": "full_name",
    "nama_lgkp": "full_name",
    "nama": "full_name",
    "birth_date": "birth_date",
    "tgl_lhr": "birth_date",
    "sex": "sex",
    "jenis_klmin": "sex",
    "kk_number": "kk_number",
    "no_kk": "kk_number",
    "status": "status",
}
_DECEASED = {"meninggal", "mati", "wafat", "deceased", "dead"}


class CsvReferenceClient:
    """A Dukcapil reference extract (CSV: nik, full_name, birth_date, sex, kk_number, status with
    hidup/meninggal), loaded into a temporary table on first use."""

    def __init__(self, path: Path, *, threshold: float) -> None:
        self.path = path
        self.threshold = threshold
        self.loaded = 0

    def _rows(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.reader(fh, delimiter=delimiter)
            header = [h.strip().lower() for h in next(reader, [])]
            names = [_HEADER.get(h, "") for h in header]
            if "nik" not in names or "full_name" not in names:
                raise DukcapilError(
                    f"{self.path.name}: kolom 'nik' dan 'full_name' (atau NAMA_LGKP) wajib ada pada baris pertama."
                )
            idx = {n: i for i, n in enumerate(names) if n}
            for values in reader:
                if not values:
                    continue
                cell = {n: values[i].strip() for n, i in idx.items() if i < len(values)}
                status = cell.get("status", "").lower()
                yield [
                    cell.get("nik", ""),
                    cell.get("full_name", "")[:100],
                    "1" if status in _DECEASED else "0",
                ]

    def load(self) -> int:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {REF_TABLE}")
            cur.execute(
                f"CREATE TEMP TABLE {REF_TABLE} (nik varchar(32), full_name varchar(100), deceased char(1))"
            )
            count = 0
            if connection.vendor == "postgresql":
                with cur.copy(f"COPY {REF_TABLE} (nik, full_name, deceased) FROM STDIN") as copy:
                    for row in self._rows():
                        copy.write_row(row)
                        count += 1
            else:
                batch: list[list[str]] = []
                sql = f"INSERT INTO {REF_TABLE} (nik, full_name, deceased) VALUES (%s, %s, %s)"
                for row in self._rows():
                    batch.append(row)
                    if len(batch) >= 5000:
                        cur.executemany(sql, batch)
                        count += len(batch)
                        batch.clear()
                if batch:
                    cur.executemany(sql, batch)
                    count += len(batch)
            cur.execute(f"CREATE INDEX {REF_TABLE}_nik ON {REF_TABLE} (nik)")
        self.loaded = count
        return count

    def close(self) -> None:
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {REF_TABLE}")

    def match(self, persons: Sequence[PersonQuery]) -> Iterable[MatchResult]:
        if not persons:
            return []
        marks = ", ".join(["%s"] * len(persons))
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT nik, full_name, deceased FROM {REF_TABLE} WHERE nik IN ({marks})",
                [p.nik for p in persons],
            )
            found: dict[str, DukcapilRecord] = {}
            for nik, name, deceased in cur.fetchall():
                found.setdefault(nik, DukcapilRecord(nik, name, deceased == "1"))
        return [judge(p, found.get(p.nik), self.threshold) for p in persons]


# --- the service ------------------------------------------------------------------------------------
class HttpClient:
    """The Dukcapil batch service (docs/dukcapil-contract.md): POST {base_url}/v1/padan with up to
    `batch_size` NIKs, bearer token, JSON both ways. 429/503 are retried after Retry-After (capped),
    other 5xx and timeouts with exponential backoff, `retries` times; 4xx other than 429 fail at once."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        threshold: float,
        batch_size: int = 500,
        timeout: float = 30.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url:
            raise DukcapilError("Alamat layanan Dukcapil (SEJAHTERA_DUKCAPIL_URL) belum diatur.")
        self.url = base_url.rstrip("/") + "/v1/padan"
        self.token = token
        self.threshold = threshold
        self.batch_size = batch_size
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep
        self.requests = 0

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        last = ""
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(  # noqa: S310 - the URL is the configured https service
                self.url,
                data=data,
                method="POST",
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
            )
            self.requests += 1
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                    payload: dict[str, Any] = json.loads(resp.read().decode())
                    return payload
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
                if e.code in (429, 503):
                    wait = min(float(e.headers.get("Retry-After") or 1), 60.0)
                elif e.code >= 500:
                    wait = float(2**attempt)
                else:
                    raise DukcapilError(f"Layanan Dukcapil menolak permintaan: HTTP {e.code}.") from e
            except (urllib.error.URLError, TimeoutError, OSError) as e:
                last = str(getattr(e, "reason", e))
                wait = float(2**attempt)
            if attempt < self.retries:
                self.sleep(wait)
        raise DukcapilError(f"Layanan Dukcapil tidak tersedia setelah {self.retries + 1} percobaan ({last}).")

    def match(self, persons: Sequence[PersonQuery]) -> Iterable[MatchResult]:
        out: list[MatchResult] = []
        for start in range(0, len(persons), self.batch_size):
            chunk = persons[start : start + self.batch_size]
            payload = self._post(
                {
                    "request_id": f"sejahtera-{chunk[0].person_id}-{len(chunk)}",
                    "persons": [
                        {
                            "ref": str(p.person_id),
                            "nik": p.nik,
                            "nama": p.full_name,
                            "tgl_lahir": p.birth_date.isoformat() if p.birth_date else None,
                        }
                        for p in chunk
                    ],
                }
            )
            by_ref = {str(r.get("ref")): r for r in payload.get("results") or []}
            for p in chunk:
                r = by_ref.get(str(p.person_id))
                record = (
                    DukcapilRecord(
                        p.nik, str(r.get("nama_lgkp") or ""), str(r.get("status", "")).upper() == "MENINGGAL"
                    )
                    if r and r.get("found")
                    else None
                )
                out.append(judge(p, record, self.threshold))
        return out
