"""Import of households and persons through the services (import_submit + import_run): every bad row
is reported with file, row, column and reason; every valid row is promoted; nothing is half-applied;
importing the same files twice changes nothing (issue 2 §7)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from sejahtera.accounts.models import User
from sejahtera.common.errors import PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.registry import codes
from sejahtera.registry.columns import HOUSEHOLD_HEADER, PERSON_HEADER
from sejahtera.registry.generate import generate
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.imports import pipeline
from sejahtera.registry.models import Household, ImportJob, ImportRowError, Person
from sejahtera.registry.services import STALE_AFTER, import_claim, import_run, import_submit

pytestmark = pytest.mark.django_db

Row = dict[str, str]


# --- helpers ---------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # personas, quickly


def read_csv(path: Path) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_csv(path: Path, header: tuple[str, ...], rows: list[Row], *, delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return path


class Files:
    """A generated population (generator output, the documented format) that a test may edit."""

    def __init__(self, source: Path, out: Path) -> None:
        self.dir = out
        out.mkdir(parents=True)
        for name in ("households.csv", "persons.csv"):
            shutil.copyfile(source / name, out / name)
        self.households = read_csv(out / "households.csv")
        self.persons = read_csv(out / "persons.csv")

    def members(self, kk: str) -> list[Row]:
        return [p for p in self.persons if p["kk_number"] == kk]

    def write(self, name: str = "edited") -> tuple[Path, Path]:
        d = self.dir / name
        d.mkdir(exist_ok=True)
        return (
            write_csv(d / "households.csv", HOUSEHOLD_HEADER, self.households),
            write_csv(d / "persons.csv", PERSON_HEADER, self.persons),
        )


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Callable[..., Path]:
    """Generator output, made once per session for each (households, region, seed)."""
    made: dict[tuple[int, str, int], Path] = {}

    def get(households: int = 30, region: str = "3204", seed: int = 1) -> Path:
        key = (households, region, seed)
        if key not in made:
            out = tmp_path_factory.mktemp(f"gen-{region}-{seed}")
            generate(households=households, region=region, seed=seed, dirty=0, out=out)
            made[key] = out
        return made[key]

    return get


@pytest.fixture
def files(generated, tmp_path) -> Files:
    return Files(generated(), tmp_path / "files")


def run(actor: User, hh: Path, ps: Path) -> ImportJob:
    job = import_submit(actor=actor, households_path=hh, persons_path=ps)
    return import_run(job_id=job.pk)


def findings(job: ImportJob, severity: str = "ERROR") -> set[tuple[str, int, str, str]]:
    return {
        (e.file, e.row, e.column, e.code) for e in ImportRowError.objects.filter(job=job, severity=severity)
    }


def sheet_row(rows: list[Row], row: Row) -> int:
    """The row number a spreadsheet shows for a data row (the header is row 1)."""
    return next(i for i, r in enumerate(rows) if r is row) + 2


def new_person(kk: str, *, serial: int, **changes: str) -> Row:
    born = dt.date(1990, 1, 1)
    row = {
        "kk_number": kk,
        "nik": nik_for(district_code="320405", birth_date=born, sex="L", serial=serial),
        "full_name": "BUDI TAMBAHAN",
        "birth_place": "Bandung",
        "birth_date": born.isoformat(),
        "sex": "L",
        "relationship": "CHILD",
        "marital_status": "1",
        "mother_name": "SITI",
        "education": "SMA",
        "school_level": "NONE",
        "work_sector": "0",
        "disability": "1",
        "disability_severity": "NONE",
        "chronic_illness": "1",
        "pregnant": "0",
        "ppks": "",
    }
    row.update(changes)
    return row


def new_household(template: Row, *, serial: int, **changes: str) -> Row:
    kk = kk_for(district_code="320405", record_date=dt.date(2015, 3, 1), serial=serial)
    return {**template, "kk_number": kk, "village_code": "3204052001", **changes}


# --- a clean file ----------------------------------------------------------------------------------
def test_generated_files_import_completely(central, files):
    job = run(central, files.dir / "households.csv", files.dir / "persons.csv")

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.households_imported, job.persons_imported) == (30, len(files.persons))
    assert (job.rows_rejected, job.rows_with_warnings) == (0, 0)
    assert not ImportRowError.objects.filter(job=job).exists()
    assert {(h.kk_number, h.village_id) for h in Household.objects.filter(import_job=job)} == {
        (h["kk_number"], h["village_code"]) for h in files.households
    }
    assert {(p.nik, p.household.kk_number) for p in Person.objects.select_related("household")} == {
        (p["nik"], p["kk_number"]) for p in files.persons
    }


def test_imported_values_are_the_files_values_typed(central, files):
    run(central, files.dir / "households.csv", files.dir / "persons.csv")

    for row in files.households:
        hh = Household.objects.get(kk_number=row["kk_number"])
        assert (hh.province_code, hh.regency_code, hh.district_code) == (
            row["village_code"][:2],
            row["village_code"][:4],
            row["village_code"][:6],
        )
        assert (hh.address, hh.rt, hh.rw) == (row["address"], row["rt"], row["rw"])
        assert hh.floor_type == int(row["floor_type"])
        assert hh.land_status == (int(row["land_status"]) if row["land_status"] else None)
        assert hh.has_motorcycle is (row["has_motorcycle"] == "1")
        assert hh.welfare_status == int(row["welfare_status"])
        assert hh.status == codes.RecordStatus.ACTIVE
    for row in files.persons:
        p = Person.objects.get(nik=row["nik"])
        assert (p.full_name, p.sex, p.relationship) == (row["full_name"], row["sex"], row["relationship"])
        assert p.birth_date == dt.date.fromisoformat(row["birth_date"])
        assert p.ppks == sorted(int(c) for c in row["ppks"].split(";") if c)
        assert p.pregnant is (row["pregnant"] == "1")
        assert p.dukcapil_match == codes.DukcapilMatch.UNCHECKED


def test_an_import_writes_one_audit_entry(central, files):
    before = AuditEntry.objects.count()
    job = run(central, files.dir / "households.csv", files.dir / "persons.csv")

    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="registry.import")
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("import_job", str(job.pk), central.pk)
    after: dict[str, Any] = entry.after or {}
    assert (after["households_imported"], after["persons_imported"]) == (30, len(files.persons))
    assert after["rows_rejected"] == 0


# --- bad rows --------------------------------------------------------------------------------------
def test_each_bad_row_is_reported_and_every_valid_row_imported(central, files):
    first_hh, first_person, second_person = files.households[0], files.persons[0], files.persons[1]
    persons_before = len(files.persons)
    unknown_village = new_household(first_hh, serial=9001, village_code="3204059999")
    bad_code = new_household(first_hh, serial=9002, floor_type="99")
    duplicate_kk = dict(first_hh)
    files.households += [unknown_village, bad_code, duplicate_kk]
    invalid_nik = {**first_person, "nik": first_person["nik"][:8] + "13" + first_person["nik"][10:]}
    no_name = new_person(first_hh["kk_number"], serial=9001, full_name="")
    orphan = new_person(
        kk_for(district_code="320405", record_date=dt.date(2015, 3, 1), serial=9999), serial=9002
    )
    duplicate_nik = dict(second_person)
    files.persons += [invalid_nik, no_name, orphan, duplicate_nik]

    job = run(central, *files.write())

    hh_row, ps_row = (lambda r: sheet_row(files.households, r)), (lambda r: sheet_row(files.persons, r))
    assert findings(job) == {
        ("households", hh_row(unknown_village), "village_code", "UNKNOWN"),
        ("households", hh_row(bad_code), "floor_type", "CODE_UNKNOWN"),
        ("households", hh_row(duplicate_kk), "kk_number", "DUPLICATE_IN_FILE"),
        ("persons", ps_row(invalid_nik), "nik", "DATE_INVALID"),
        ("persons", ps_row(no_name), "full_name", "REQUIRED"),
        ("persons", ps_row(orphan), "kk_number", "HOUSEHOLD_UNKNOWN"),
        ("persons", ps_row(duplicate_nik), "nik", "DUPLICATE_IN_FILE"),
    }
    assert job.status == ImportJob.Status.SUCCEEDED_WITH_REJECTIONS
    assert job.rows_rejected == 7
    assert (job.households_imported, job.persons_imported) == (30, persons_before)
    assert Household.objects.count() == 30 and Person.objects.count() == persons_before
    assert not Household.objects.filter(kk_number__in=[unknown_village["kk_number"], bad_code["kk_number"]])
    assert not Person.objects.filter(nik__in=[invalid_nik["nik"], no_name["nik"], orphan["nik"]]).exists()
    error = ImportRowError.objects.get(job=job, code="DATE_INVALID")
    assert error.value == invalid_nik["nik"]
    assert error.message  # a reason a person can read


def test_members_of_a_rejected_family_are_rejected_with_it(central, files):
    family = files.households[3]
    family["village_code"] = "3204059999"
    members = files.members(family["kk_number"])

    job = run(central, *files.write())

    assert findings(job) == {("households", 5, "village_code", "UNKNOWN")} | {
        ("persons", sheet_row(files.persons, m), "kk_number", "HOUSEHOLD_REJECTED") for m in members
    }
    assert job.rows_rejected == 1 + len(members)
    assert job.persons_imported == len(files.persons) - len(members)


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("rt", "12345", "FORMAT"),
        ("bedrooms", "-1", "NOT_A_NUMBER"),
        ("bedrooms", "100", "OUT_OF_RANGE"),
        ("floor_area_m2", "0", "OUT_OF_RANGE"),
        ("has_car", "maybe", "NOT_YES_NO"),
        ("address", "x" * 201, "TOO_LONG"),
        ("kk_number", "9901011503150001", "REGION_UNKNOWN"),
        ("kk_number", "3204051503150000", "SERIAL_ZERO"),
        ("village_code", "32.04.05.2001", "FORMAT"),
    ],
)
def test_a_bad_household_value_names_its_column_and_reason(central, files, column, value, code):
    files.persons = [p for p in files.persons if p["kk_number"] != files.households[1]["kk_number"]]
    files.households[1][column] = value

    job = run(central, *files.write())

    assert findings(job) == {("households", 3, column, code)}
    assert job.households_imported == 29


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("nik", "320405170580001", "FORMAT"),
        ("nik", "3204051705800000", "SERIAL_ZERO"),
        ("birth_date", "17-05-1980", "DATE_FORMAT"),
        ("birth_date", "1980-02-30", "DATE_INVALID"),
        ("birth_date", "0000-01-01", "DATE_INVALID"),
        ("birth_date", "2999-01-01", "DATE_IN_FUTURE"),
        ("sex", "X", "CODE_UNKNOWN"),
        ("relationship", "", "REQUIRED"),
        ("ppks", "9;99", "CODE_UNKNOWN"),
        ("pregnant", "2", "NOT_YES_NO"),
    ],
)
def test_a_bad_person_value_names_its_column_and_reason(central, files, column, value, code):
    files.persons[4][column] = value

    job = run(central, *files.write())

    assert findings(job) == {("persons", 6, column, code)}
    assert job.persons_imported == len(files.persons) - 1


@pytest.mark.django_db(transaction=True)
def test_a_csv_row_with_the_wrong_number_of_fields_is_reported_not_fatal(transactional_db, central, files):
    """PostgreSQL reads a clean CSV by COPY; a malformed row makes it fall back to reading row by row
    (which needs the real autocommit connection the CLI and the worker have: hence transaction=True)."""
    actor = central
    hh, ps = files.write()
    extra = new_person(files.households[0]["kk_number"], serial=9001)
    short = new_person(files.households[0]["kk_number"], serial=9002)
    with ps.open("a", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*extra.values(), "one too many"])
        w.writerow(list(short.values())[:-2])
    last = len(files.persons) + 1

    job = run(actor, hh, ps)

    assert findings(job) == {
        ("persons", last + 1, "", "COLUMN_COUNT"),
        ("persons", last + 2, "", "COLUMN_COUNT"),
    }
    assert (
        ImportRowError.objects.get(job=job, row=last + 1).value
        == f"{len(PERSON_HEADER) + 1}/{len(PERSON_HEADER)}"
    )
    assert job.rows_rejected == 2
    assert (job.households_imported, job.persons_imported) == (30, len(files.persons))


def _xlsx(path: Path, header: tuple[str, ...], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_files_import_and_a_bad_row_is_reported_with_its_sheet_row(central, files, tmp_path):
    def cells(row: Row, header: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        for name in header:
            v = row[name]
            if name == "birth_date":
                out.append(dt.date.fromisoformat(v))  # a real date cell
            elif name in ("kk_number", "nik", "village_code", "rt", "rw") or not v.isdigit():
                out.append(v)  # identifiers kept as text, as the format asks
            else:
                out.append(int(v))
        return out

    files.persons[2]["nik"] = files.persons[2]["nik"][:12] + "0000"
    person_rows = [cells(p, PERSON_HEADER) for p in files.persons]
    person_rows[6][PERSON_HEADER.index("nik")] = int(files.persons[6]["nik"])  # a NIK typed as a number
    hh = _xlsx(
        tmp_path / "households.xlsx", HOUSEHOLD_HEADER, [cells(h, HOUSEHOLD_HEADER) for h in files.households]
    )
    ps = _xlsx(tmp_path / "persons.xlsx", PERSON_HEADER, person_rows)

    job = run(central, hh, ps)

    assert findings(job) == {("persons", 4, "nik", "SERIAL_ZERO"), ("persons", 8, "nik", "FORMAT")}
    assert (job.households_imported, job.persons_imported) == (30, len(files.persons) - 2)
    assert job.rows_rejected == 2
    ok = Person.objects.get(nik=files.persons[0]["nik"])
    assert ok.birth_date == dt.date.fromisoformat(files.persons[0]["birth_date"])


def test_a_semicolon_csv_with_a_byte_order_mark_imports(central, files):
    """What a spreadsheet in an Indonesian locale saves."""
    d = files.dir / "semicolon"
    d.mkdir()
    hh = write_csv(d / "households.csv", HOUSEHOLD_HEADER, files.households, delimiter=";")
    ps = write_csv(d / "persons.csv", PERSON_HEADER, files.persons, delimiter=";")
    for p in (hh, ps):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())

    job = run(central, hh, ps)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.households_imported, job.persons_imported) == (30, len(files.persons))


def test_cells_typed_the_way_people_type_them_are_accepted_and_normalised(central, files):
    hh, person = files.households[0], files.members(files.households[0]["kk_number"])[0]
    hh.update(address="  Jl. Mawar No. 3  ", has_car="ya", has_boat="Tidak", floor_type="02", rt=" 7 ")
    person.update(sex=person["sex"].lower(), relationship="head", pregnant="tidak", ppks="9 ; 24")

    job = run(central, *files.write())

    assert findings(job) == set() and findings(job, "WARNING") == set()
    h = Household.objects.get(kk_number=hh["kk_number"])
    assert (h.address, h.has_car, h.has_boat, h.floor_type, h.rt) == ("Jl. Mawar No. 3", True, False, 2, "7")
    p = Person.objects.get(nik=person["nik"])
    assert (p.sex, p.relationship, p.pregnant, p.ppks) == (person["sex"].upper(), "HEAD", False, [9, 24])


def test_identifiers_from_before_the_papua_split_are_known_to_the_import(central, files):
    """A NIK keeps the district where it was first issued, possibly a pre-2022 code (DOMAIN.md §5)."""
    hh = new_household(files.households[0], serial=1)
    hh["kk_number"] = "910101" + hh["kk_number"][6:]  # a family card issued in Merauke before 2022
    person = new_person(hh["kk_number"], serial=1)
    person["nik"] = "910101" + person["nik"][6:]
    d = files.dir / "papua"
    d.mkdir()

    job = run(
        central,
        write_csv(d / "households.csv", HOUSEHOLD_HEADER, [hh]),
        write_csv(d / "persons.csv", PERSON_HEADER, [person]),
    )

    assert findings(job) == set() and findings(job, "WARNING") == set()
    assert (job.households_imported, job.persons_imported) == (1, 1)


# --- warnings --------------------------------------------------------------------------------------
def test_nik_mismatches_are_warnings_and_the_rows_are_imported(central, files):
    man = next(p for p in files.persons if p["sex"] == "L")
    man["sex"] = "P"
    other = next(p for p in files.persons if p is not man)
    born = dt.date.fromisoformat(other["birth_date"])
    other["birth_date"] = (born - dt.timedelta(days=3)).isoformat()
    stranger = next(p for p in files.persons if p is not man and p is not other)
    stranger["nik"] = "990101" + stranger["nik"][6:]

    job = run(central, *files.write())

    assert findings(job, "ERROR") == set()
    assert findings(job, "WARNING") == {
        ("persons", sheet_row(files.persons, man), "nik", "NIK_SEX_MISMATCH"),
        ("persons", sheet_row(files.persons, other), "nik", "NIK_BIRTHDATE_MISMATCH"),
        ("persons", sheet_row(files.persons, stranger), "nik", "REGION_UNKNOWN"),
    }
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.rows_rejected, job.rows_with_warnings) == (0, 3)
    assert job.persons_imported == len(files.persons)
    assert Person.objects.get(nik=man["nik"]).sex == "P"


def test_lower_case_sex_is_accepted_and_raises_no_false_warning(central, files):
    woman = next(p for p in files.persons if p["sex"] == "P")
    woman["sex"] = "p"

    job = run(central, *files.write())

    assert findings(job, "ERROR") == set()
    assert Person.objects.get(nik=woman["nik"]).sex == "P"
    assert findings(job, "WARNING") == set()


# --- idempotence and existing rows -----------------------------------------------------------------
def test_importing_the_same_files_twice_changes_nothing(central, files):
    hh, ps = files.dir / "households.csv", files.dir / "persons.csv"
    first = run(central, hh, ps)
    stamps = dict(Household.objects.values_list("id", "updated_at"))

    second = run(central, hh, ps)

    assert second.pk != first.pk
    assert second.status == ImportJob.Status.SUCCEEDED
    assert (second.households_imported, second.persons_imported, second.rows_rejected) == (0, 0, 0)
    assert (second.households_unchanged, second.persons_unchanged) == (30, len(files.persons))
    assert Household.objects.count() == 30 and Person.objects.count() == len(files.persons)
    assert dict(Household.objects.values_list("id", "updated_at")) == stamps


def test_a_row_that_differs_from_the_registry_is_refused_and_the_registry_unchanged(central, files):
    run(central, files.dir / "households.csv", files.dir / "persons.csv")
    changed_hh = files.households[2]
    old_address = changed_hh["address"]
    changed_hh["address"] = "Jl. Lain No. 1"
    files.persons = [p for p in files.persons if p["kk_number"] != changed_hh["kk_number"]]
    renamed = files.persons[0]
    old_name = renamed["full_name"]
    renamed["full_name"] = old_name + " X"
    moved = next(p for p in files.persons if p["kk_number"] != renamed["kk_number"])
    old_kk = moved["kk_number"]
    moved["kk_number"] = renamed["kk_number"]

    job = run(central, *files.write())

    assert findings(job) == {
        ("households", 4, "kk_number", "ALREADY_REGISTERED"),
        ("persons", 2, "nik", "ALREADY_REGISTERED"),
        ("persons", sheet_row(files.persons, moved), "nik", "ALREADY_REGISTERED"),
    }
    assert job.rows_rejected == 3
    assert (job.households_imported, job.persons_imported) == (0, 0)
    assert Household.objects.get(kk_number=changed_hh["kk_number"]).address == old_address
    assert Person.objects.get(nik=renamed["nik"]).full_name == old_name
    assert Person.objects.get(nik=moved["nik"]).household.kk_number == old_kk


def test_columns_may_come_in_any_order(central, files):
    d = files.dir / "reordered"
    d.mkdir()
    hh = write_csv(d / "households.csv", tuple(reversed(HOUSEHOLD_HEADER)), files.households)
    ps = write_csv(d / "persons.csv", tuple(reversed(PERSON_HEADER)), files.persons)

    job = run(central, hh, ps)

    assert (job.households_imported, job.persons_imported, job.rows_rejected) == (30, len(files.persons), 0)
    first = files.persons[0]
    assert Person.objects.get(nik=first["nik"]).full_name == first["full_name"]


def test_a_valid_row_is_not_refused_as_a_duplicate_of_a_rejected_row(central, files):
    broken = files.persons[0]
    fixed = dict(broken)
    broken["birth_date"] = "1980-02-30"
    files.persons.append(fixed)

    job = run(central, *files.write())

    assert findings(job) == {("persons", 2, "birth_date", "DATE_INVALID")}
    assert Person.objects.filter(nik=fixed["nik"]).exists()


def test_persons_may_join_a_household_already_in_the_registry(central, files):
    run(central, files.dir / "households.csv", files.dir / "persons.csv")
    kk = files.households[0]["kk_number"]
    baby = new_person(kk, serial=9001, relationship="GRANDCHILD")
    d = files.dir / "more"
    d.mkdir()
    hh = write_csv(d / "households.csv", HOUSEHOLD_HEADER, [])
    ps = write_csv(d / "persons.csv", PERSON_HEADER, [baby])

    job = run(central, hh, ps)

    assert (job.persons_imported, job.rows_rejected) == (1, 0)
    assert Person.objects.get(nik=baby["nik"]).household.kk_number == kk


# --- nothing half-applied --------------------------------------------------------------------------
def test_a_failure_during_promotion_leaves_nothing_behind(central, files, monkeypatch):
    files.persons[0]["nik"] = "bad"  # so that there are row errors to (not) keep as well

    def fail(**kwargs: Any) -> None:
        assert Household.objects.count() == 30  # the rows were inserted when the failure came
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "audit_record", fail)
    hh, ps = files.write()
    job = import_submit(actor=central, households_path=hh, persons_path=ps)

    with pytest.raises(RuntimeError, match="disk full"):
        import_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "disk full" in job.error_message
    assert Household.objects.count() == 0
    assert Person.objects.count() == 0
    assert not ImportRowError.objects.filter(job=job).exists()
    assert not AuditEntry.objects.filter(action="registry.import").exists()


def test_a_failed_job_can_be_rerun_from_the_same_files(central, files, monkeypatch):
    hh, ps = files.dir / "households.csv", files.dir / "persons.csv"
    monkeypatch.setattr(pipeline, "audit_record", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        run(central, hh, ps)
    monkeypatch.undo()

    job = run(central, hh, ps)

    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.households_imported, job.persons_imported) == (30, len(files.persons))


# --- jurisdiction and files as a whole -------------------------------------------------------------
def test_a_district_officer_cannot_import_outside_its_district(district_a, files, generated, tmp_path):
    elsewhere = Files(generated(households=3, region="3273", seed=2), tmp_path / "kota")
    files.households += elsewhere.households
    files.persons += elsewhere.persons

    job = run(district_a, *files.write())

    assert job.scope_code == "3204"
    expected = {
        ("households", sheet_row(files.households, h), "village_code", "OUT_OF_JURISDICTION")
        for h in elsewhere.households
    } | {
        ("persons", sheet_row(files.persons, p), "kk_number", "HOUSEHOLD_REJECTED") for p in elsewhere.persons
    }
    assert findings(job) == expected
    assert job.households_imported == 30
    assert not Household.objects.exclude(regency_code="3204").exists()


def test_a_district_officer_cannot_add_persons_to_a_family_outside_its_district(
    central, district_a, generated, tmp_path
):
    kota = Files(generated(households=3, region="3273", seed=2), tmp_path / "kota")
    run(central, kota.dir / "households.csv", kota.dir / "persons.csv")
    family = kota.households[0]["kk_number"]
    d = tmp_path / "intruder"
    d.mkdir()
    hh = write_csv(d / "households.csv", HOUSEHOLD_HEADER, [])
    ps = write_csv(d / "persons.csv", PERSON_HEADER, [new_person(family, serial=9001)])

    job = run(district_a, hh, ps)

    assert job.persons_imported == 0
    assert Person.objects.filter(household__kk_number=family).count() == len(kota.members(family))
    [(file, row, column, code)] = findings(job)
    assert (file, row, column) == ("persons", 2, "kk_number")
    assert code in ("OUT_OF_JURISDICTION", "HOUSEHOLD_UNKNOWN")  # the latter reveals nothing of 3273


def test_roles_without_the_import_right_cannot_submit(village_operator, files):
    with pytest.raises(PermissionRefused):
        import_submit(
            actor=village_operator,
            households_path=files.dir / "households.csv",
            persons_path=files.dir / "persons.csv",
        )
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("which", "edit", "named"),
    [
        ("households", lambda h: [*h, "swimming_pool"], "swimming_pool"),
        ("households", lambda h: [c for c in h if c != "village_code"], "village_code"),
        ("persons", lambda h: [c for c in h if c != "nik"], "nik"),
        ("persons", lambda h: [*h, "Nama Panggilan"], "nama panggilan"),
        ("households", lambda h: [*h, "address"], "address"),  # the same column twice
    ],
)
def test_an_unknown_or_missing_column_fails_the_job_naming_it(central, files, which, edit, named):
    hh, ps = files.write()
    path = hh if which == "households" else ps
    rows = read_csv(path)
    header = edit(list(rows[0]))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", restval="")
        w.writeheader()
        w.writerows(rows)

    job = run(central, hh, ps)

    assert job.status == ImportJob.Status.FAILED
    assert named in job.error_message
    assert (Household.objects.count(), Person.objects.count()) == (0, 0)


@pytest.mark.parametrize("which", ["households", "persons"])
def test_an_unreadable_file_fails_the_job_naming_the_users_file(central, files, tmp_path, which):
    hh, ps = files.write()
    if which == "households":  # a damaged workbook
        hh = tmp_path / "households.xlsx"
        hh.write_bytes(b"PK\x03\x04 this is not a workbook")
    else:  # saved in a Windows code page, not UTF-8
        ps.write_bytes(ps.read_bytes().replace(b"full_name", "full_name_é".encode("latin-1"), 1))

    job = run(central, hh, ps)

    assert job.status == ImportJob.Status.FAILED
    assert (hh if which == "households" else ps).name in job.error_message
    assert not Household.objects.exists()


# --- the job queue ---------------------------------------------------------------------------------
def test_the_same_pair_submitted_twice_while_queued_is_one_job(central, files):
    hh, ps = files.dir / "households.csv", files.dir / "persons.csv"
    first = import_submit(actor=central, households_path=hh, persons_path=ps)
    second = import_submit(actor=central, households_path=hh, persons_path=ps)

    assert second.pk == first.pk
    assert ImportJob.objects.count() == 1
    import_run(job_id=first.pk)
    third = import_submit(actor=central, households_path=hh, persons_path=ps)
    assert third.pk != first.pk  # once it has run, a new submission is a new job


def test_a_claimed_job_cannot_be_claimed_again(central, files):
    job = import_submit(
        actor=central, households_path=files.dir / "households.csv", persons_path=files.dir / "persons.csv"
    )

    assert import_claim(job_id=job.pk) is not None
    assert import_claim(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING


def test_a_job_whose_worker_died_can_be_claimed_again(central, files):
    job = import_submit(
        actor=central, households_path=files.dir / "households.csv", persons_path=files.dir / "persons.csv"
    )
    import_claim(job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=job.created_at - STALE_AFTER - dt.timedelta(minutes=1)
    )

    assert import_claim(job_id=job.pk) is not None


def test_a_long_running_job_that_still_reports_progress_is_not_claimed_again(central, files):
    job = import_submit(
        actor=central, households_path=files.dir / "households.csv", persons_path=files.dir / "persons.csv"
    )
    import_claim(job_id=job.pk)
    # Started long ago, but its worker reported progress a moment ago.
    ImportJob.objects.filter(pk=job.pk).update(started_at=job.created_at - 2 * STALE_AFTER)

    assert import_claim(job_id=job.pk) is None


def test_a_run_that_was_taken_for_dead_writes_nothing(central, files):
    """The first worker was slow, not dead: a second claim took over. The first run's promotion is
    rolled back and the job's result is the second run's."""
    job = import_submit(
        actor=central, households_path=files.dir / "households.csv", persons_path=files.dir / "persons.csv"
    )
    slow = import_claim(job_id=job.pk)
    assert slow is not None
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=job.created_at - STALE_AFTER - dt.timedelta(minutes=1)
    )
    assert import_claim(job_id=job.pk) is not None  # the second worker

    with pytest.raises(pipeline.JobSuperseded):
        pipeline.import_execute(slow)

    assert not Household.objects.exists()
    job.refresh_from_db()
    assert (job.status, job.attempt) == (ImportJob.Status.RUNNING, 2)


def test_running_a_finished_job_again_does_nothing(central, files):
    job = run(central, files.dir / "households.csv", files.dir / "persons.csv")

    again = import_run(job_id=job.pk)

    assert again.status == ImportJob.Status.SUCCEEDED
    assert Household.objects.count() == 30
    assert AuditEntry.objects.filter(action="registry.import").count() == 1


# --- found in review -------------------------------------------------------------------------------
def test_a_line_holding_only_backslash_dot_does_not_end_the_file(central, files):
    """PostgreSQL's COPY reads a line '\\.' as the end of the data; no row after it may be lost."""
    hh, ps = files.write()
    lines = ps.read_text(encoding="utf-8").splitlines(keepends=True)
    ps.write_text("".join([*lines[:4], "\\.\n", *lines[4:]]), encoding="utf-8")

    job = run(central, hh, ps)

    assert job.persons_imported == len(files.persons)
    assert findings(job) == {("persons", 5, "", "COLUMN_COUNT")}


@pytest.mark.parametrize("column", ["address", "full_name"])
def test_a_required_text_of_spaces_only_is_refused(central, files, column):
    rows = files.households if column == "address" else files.persons
    rows[0][column] = "   "
    job = run(central, *files.write())

    assert ((("households" if column == "address" else "persons"), 2, column, "REQUIRED")) in findings(job)


def test_re_importing_an_old_file_does_not_bring_a_deceased_person_back(central, files):
    hh, ps = files.write()
    run(central, hh, ps)
    person = Person.objects.get(nik=files.persons[0]["nik"])
    Person.objects.filter(pk=person.pk).update(status=codes.RecordStatus.DECEASED)

    job = run(central, hh, ps)

    assert job.persons_imported == 0
    assert ("persons", 2, "nik", "NOT_ACTIVE") in findings(job)
    assert list(Person.objects.filter(nik=person.nik).values_list("status", flat=True)) == ["DECEASED"]


def test_a_nul_character_rejects_only_its_row(central, files):
    files.persons[1]["full_name"] = "SITI\x00AMINAH"
    job = run(central, *files.write())

    assert findings(job) == {("persons", 3, "", "INVALID_CHARACTER")}
    assert job.persons_imported == len(files.persons) - 1
