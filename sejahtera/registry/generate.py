"""A synthetic population in the documented import format (docs/import-format.md).

Streams households.csv and persons.csv (and truth.csv with --dirty) row by row: 10^6 households
stay within a few hundred MB. Deterministic for a seed. Names come from Faker's id_ID lists;
rates are chosen to look like the registry described in DOMAIN.md §2, §4 and §7.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import random
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from faker.providers.address.id_ID import Provider as AddressProvider
from faker.providers.person.id_ID import Provider as PersonProvider

from .columns import HOUSEHOLD_HEADER, PERSON_HEADER
from .identifiers import kk_for, nik_for

TRUTH_HEADER = ("file", "row", "nik", "problem", "original_row", "detail")

# Household size 1-9 (BPS: about 3.8-4 persons per household in the registry).
SIZE_WEIGHTS = (0.08, 0.16, 0.21, 0.24, 0.15, 0.09, 0.04, 0.02, 0.01)
REFERENCE_DATE = dt.date(2026, 1, 1)  # ages are computed against this, so output is stable over time
EPOCH = dt.date(1900, 1, 1)


def villages_under(prefix: str) -> list[str]:
    """10-digit village codes under a region code (any level), from the pinned region source."""
    raw = resources.files("lokal").joinpath("data").joinpath("desa.json.gz").read_bytes()
    codes = sorted(k.replace(".", "") for k in json.loads(gzip.decompress(raw)))
    out = [c for c in codes if c.startswith(prefix)]
    if not out:
        raise ValueError(f"no village under region {prefix!r}")
    return out


def regency_names() -> dict[str, str]:
    raw = resources.files("lokal").joinpath("data").joinpath("wilayah.json.gz").read_bytes()
    data = json.loads(gzip.decompress(raw))
    return {
        k.replace(".", ""): v.removeprefix("Kabupaten ").removeprefix("Kota ")
        for k, v in data.items()
        if k.count(".") == 1
    }


@dataclass
class GenerateResult:
    households: int = 0
    persons: int = 0
    dirty_rows: int = 0


class _Serials:
    """Next free 4-digit serial per (district, day, sex), in compact arrays per district."""

    def __init__(self) -> None:
        self._by_district: dict[str, array[int]] = {}

    def next(self, district: str, day_index: int) -> int:
        arr = self._by_district.get(district)
        if arr is None:
            arr = array("H", bytes(2 * 2 * 50000))  # days since 1900 (to 2036) x 2 sexes
            self._by_district[district] = arr
        arr[day_index] += 1
        if arr[day_index] > 9999:
            raise OverflowError(f"more than 9999 people born the same day in {district}")
        return arr[day_index]


def _typo(rng: random.Random, name: str) -> str:
    """The name with one typing error; never the name itself."""
    if len(name) < 4:
        return name + "H"
    for _ in range(20):
        i = rng.randrange(1, len(name) - 2)
        kind = rng.random()
        if kind < 0.4:  # swap two letters
            typo = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif kind < 0.7:  # drop a letter
            typo = name[:i] + name[i + 1 :]
        else:  # replace a letter
            typo = name[:i] + rng.choice("AIUEONRS") + name[i + 1 :]
        if typo != name:
            return typo
    return name + "H"


def _transpose_digit(rng: random.Random, nik: str) -> str:
    # In the serial or the district part, never producing the same number.
    for _ in range(10):
        i = rng.choice([1, 3, 4, 12, 13, 14])
        s = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
        if s != nik:
            return s
    return nik[:15] + str((int(nik[15]) + 1) % 10)


class Generator:
    def __init__(self, *, region: str, seed: int, dirty: float) -> None:
        self.rng = random.Random(seed)
        self.villages = villages_under(region)
        self.village_weights = [self.rng.uniform(0.3, 1.7) for _ in self.villages]
        self.dirty = dirty
        self.regencies = regency_names()
        self.all_districts = sorted({v[:6] for v in villages_under(region[:2])})
        self.nik_serials = _Serials()
        self.kk_serials = _Serials()
        self.first_m = PersonProvider.first_names_male
        self.first_f = PersonProvider.first_names_female
        self.last_m = PersonProvider.last_names_male
        self.last_f = PersonProvider.last_names_female
        self.streets = AddressProvider.streets
        self.recent: deque[dict[str, Any]] = deque(maxlen=2000)

    # --- people ---------------------------------------------------------------------------------
    def name(self, sex: str) -> str:
        r = self.rng
        first = r.choice(self.first_m if sex == "L" else self.first_f)
        roll = r.random()
        if roll < 0.25:
            return first.upper()
        if roll < 0.45:
            return f"{first} {r.choice(self.first_m if sex == 'L' else self.first_f)}".upper()
        return f"{first} {r.choice(self.last_m if sex == 'L' else self.last_f)}".upper()

    def birth_date(self, age: int) -> dt.date:
        start = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age - 1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def nik(self, district: str, birth: dt.date, sex: str) -> str:
        r = self.rng.random()
        if r < 0.10:
            district = self.rng.choice(self.all_districts)  # born or first registered elsewhere
        day_index = (birth - EPOCH).days * 2 + (1 if sex == "P" else 0)
        return nik_for(
            district_code=district,
            birth_date=birth,
            sex=sex,
            serial=self.nik_serials.next(district, day_index),
        )

    def person(
        self,
        *,
        kk: str,
        district: str,
        age: int,
        sex: str,
        rel: str,
        w: float,
        marital: int,
        birth_place: str,
    ) -> dict[str, Any]:
        r = self.rng
        birth = self.birth_date(age)
        school = "NONE"
        if 4 <= age <= 6 and r.random() < 0.5:
            school = "PAUD"
        elif 7 <= age <= 12 and r.random() < 0.97:
            school = "SD"
        elif 13 <= age <= 15 and r.random() < 0.85:
            school = "SMP"
        elif 16 <= age <= 18 and r.random() < 0.45 + 0.4 * w:
            school = "SMA"
        elif 19 <= age <= 23 and r.random() < 0.05 + 0.25 * w:
            school = "PT"
        education = "NONE"
        if age >= 13:
            roll = r.random() * (0.6 + 0.6 * w) + (0.2 if age < 50 else 0.0)
            education = (
                "S1"
                if roll > 1.15
                else "SMA"
                if roll > 0.85
                else "SMP"
                if roll > 0.6
                else "SD"
                if roll > 0.25
                else "NONE"
            )
            if age < 16:
                education = "SD"
        works = 18 <= age <= 70 and r.random() < (0.85 if sex == "L" else 0.45)
        if works:
            sector = r.choices(
                (1, 2, 3, 6, 9, 11, 12, 13, 14, 19, 20, 22),
                weights=(26 - 10 * w, 5, 6, 4, 8, 9, 14, 4, 5, 8, 1.5 - w, 4),
            )[0]
        else:
            sector = 0
        disability, severity = 1, "NONE"
        if r.random() < (0.02 if age < 60 else 0.09):
            disability = r.choice((2, 2, 2, 3, 4, 5, 6, 11, 12, 13))
            severity = "SEVERE" if r.random() < 0.35 else "MILD"
        chronic = 1
        if age >= 40 and r.random() < (0.08 if age < 60 else 0.25):
            chronic = r.choice((2, 2, 2, 3, 4, 5, 6, 7, 8, 10))
        pregnant = sex == "P" and 17 <= age <= 44 and marital == 2 and r.random() < 0.05
        ppks: list[int] = []
        if disability != 1:
            ppks.append(5 if age < 18 else 9)
        if age >= 60 and w < 0.25 and r.random() < 0.12:
            ppks.append(8)
        if rel == "HEAD" and w < 0.25 and r.random() < 0.5:
            ppks.append(24)
        if rel == "HEAD" and sex == "P" and w < 0.5 and r.random() < 0.3:
            ppks.append(23)
        if sector == 20:
            ppks.append(13)
        if age < 18 and r.random() < 0.004:
            ppks.append(2)
        if r.random() < 0.004:
            ppks.append(21)
        return {
            "kk_number": kk,
            "nik": self.nik(district, birth, sex),
            "full_name": self.name(sex),
            "birth_place": birth_place,
            "birth_date": birth.isoformat(),
            "sex": sex,
            "relationship": rel,
            "marital_status": marital,
            "mother_name": self.name("P"),
            "education": education,
            "school_level": school,
            "work_sector": sector,
            "disability": disability,
            "disability_severity": severity,
            "chronic_illness": chronic,
            "pregnant": int(pregnant),
            "ppks": ";".join(str(c) for c in sorted(set(ppks))),
        }

    def members(self, kk: str, district: str, w: float, birth_place: str) -> list[dict[str, Any]]:
        r = self.rng
        size = r.choices(range(1, 10), weights=SIZE_WEIGHTS)[0]
        head_age = max(19, min(90, int(r.gauss(46, 13))))
        head_sex = "L" if r.random() < 0.85 else "P"
        has_spouse = size >= 2 and head_sex == "L" and r.random() < 0.9
        head_marital = 2 if has_spouse else r.choice((1, 3, 4, 4))
        out = [
            self.person(
                kk=kk,
                district=district,
                age=head_age,
                sex=head_sex,
                rel="HEAD",
                w=w,
                marital=head_marital,
                birth_place=birth_place,
            )
        ]
        if has_spouse:
            age = max(17, head_age + int(r.gauss(-4, 4)))
            out.append(
                self.person(
                    kk=kk,
                    district=district,
                    age=age,
                    sex="P",
                    rel="SPOUSE",
                    w=w,
                    marital=2,
                    birth_place=birth_place,
                )
            )
        while len(out) < size:
            if head_age >= 45 and r.random() < 0.07:
                rel, age = "PARENT", min(100, head_age + r.randint(20, 32))
            elif head_age >= 55 and r.random() < 0.2:
                rel, age = "GRANDCHILD", r.randint(0, max(0, head_age - 40))
            else:
                rel, age = "CHILD", r.randint(0, max(0, min(30, head_age - 18)))
            sex = "L" if r.random() < 0.51 else "P"
            marital = 1 if age < 20 else (2 if r.random() < 0.5 else 1)
            if rel == "PARENT":
                marital = 4
            out.append(
                self.person(
                    kk=kk,
                    district=district,
                    age=age,
                    sex=sex,
                    rel=rel,
                    w=w,
                    marital=marital,
                    birth_place=birth_place,
                )
            )
        return out

    # --- households -----------------------------------------------------------------------------
    def household(self, village: str) -> tuple[dict[str, Any], float]:
        r = self.rng
        w = r.random()  # welfare position within the registry: 0 poorest
        district = village[:6]
        rec = dt.date(2005, 1, 1) + dt.timedelta(days=r.randrange(7300))
        kk = kk_for(
            district_code=district,
            record_date=rec,
            serial=self.kk_serials.next(district, (rec - EPOCH).days * 2),
        )

        def pick(poor: tuple[int, ...], rich: tuple[int, ...]) -> int:
            return r.choice(poor if r.random() > w * 1.2 else rich)

        def has(p_rich: float) -> int:
            return int(r.random() < p_rich * (0.15 + w))

        own = r.random() < 0.8
        lighting = 1 if r.random() < 0.93 else r.choice((2, 3))
        hh = {
            "kk_number": kk,
            "village_code": village,
            "address": f"{r.choice(('Jl.', 'Gg.', 'Kp.', 'Dusun'))} {r.choice(self.streets)} No. {r.randint(1, 250)}",
            "rt": f"{r.randint(1, 15):03d}",
            "rw": f"{r.randint(1, 12):03d}",
            "tenure_status": 1 if own else r.choice((2, 3, 3, 5)),
            "land_status": (1 if r.random() < 0.75 else r.choice((2, 3, 4))) if own else "",
            "floor_area_m2": max(9, int(r.gauss(30 + 50 * w, 12))),
            "floor_type": pick((6, 6, 7, 8, 9, 9), (2, 2, 4, 6)),
            "wall_type": pick((2, 3, 4, 4, 6), (1, 1, 1, 3)),
            "wall_condition": 2 if r.random() > w else 1,
            "roof_type": pick((4, 5, 6, 6, 9), (1, 2, 4, 4, 3)),
            "roof_condition": 2 if r.random() > w else 1,
            "bedrooms": max(1, int(r.gauss(1.5 + 1.5 * w, 0.7))),
            "water_source": pick((5, 6, 7, 9, 10), (1, 2, 3, 5)),
            "water_acquisition": r.choice((1, 2, 3)),
            "lighting_source": lighting,
            "power_capacity": (1 if r.random() > w * 1.3 else r.choice((2, 2, 3))) if lighting == 1 else "",
            "cooking_fuel": pick((3, 3, 8, 8, 5), (3, 3, 2, 1)),
            "toilet_facility": pick((2, 3, 4), (1, 1, 1, 2)),
            "toilet_type": pick((3, 4, 2), (1, 1, 1)),
            "sewage_disposal": pick((3, 4, 5), (1, 1, 2)),
            "has_gas_cylinder": has(0.3),
            "has_refrigerator": has(0.5),
            "has_air_conditioner": has(0.05),
            "has_water_heater": has(0.03),
            "has_landline": has(0.03),
            "has_television": has(0.8),
            "has_flat_tv": has(0.2),
            "has_gold_savings": has(0.2),
            "has_computer": has(0.1),
            "has_bicycle": has(0.3),
            "has_motorcycle": has(0.7),
            "has_car": has(0.02),
            "has_boat": has(0.01),
            "has_outboard_motor": has(0.005),
            "has_motorboat": has(0.005),
            "has_ship": 0,
            "phone_numbers": r.choice((0, 1, 1, 1, 2, 2, 3)),
            "owns_land": has(0.4),
            "land_area_m2": "",
            "has_other_house": has(0.03),
            "cattle": r.choice((0,) * 19 + (1,)),
            "buffalo": r.choice((0,) * 39 + (1,)),
            "horses": 0,
            "pigs": 0,
            "goats": r.choice((0,) * 9 + (2,)),
            "has_business": has(0.2),
            "welfare_status": 1 + int(w * 4) if w < 1 else 4,
        }
        if hh["owns_land"]:
            hh["land_area_m2"] = int(r.lognormvariate(6, 1))
        return hh, w

    # --- dirty data (DOMAIN.md §13) ---------------------------------------------------------------
    def corrupt_nik(self, nik: str) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.35:
            return nik[:8] + "13" + nik[10:], "month 13"
        if roll < 0.6:
            return nik[:12] + "0000", "serial 0000"
        if roll < 0.8:
            return nik[:15], "15 digits"
        return nik[:6] + "32" + nik[8:], "day 32"


def generate(
    *,
    households: int,
    region: str,
    seed: int,
    dirty: float,
    out: Path,
    on_progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    g = Generator(region=region, seed=seed, dirty=dirty)
    r = g.rng
    out.mkdir(parents=True, exist_ok=True)
    result = GenerateResult()
    truth_fh = (out / "truth.csv").open("w", newline="", encoding="utf-8") if dirty > 0 else None
    truth = csv.writer(truth_fh) if truth_fh else None
    if truth:
        truth.writerow(TRUTH_HEADER)
    cum_villages = list(g.village_weights)
    with (
        (out / "households.csv").open("w", newline="", encoding="utf-8") as hf,
        (out / "persons.csv").open("w", newline="", encoding="utf-8") as pf,
    ):
        hw = csv.DictWriter(hf, fieldnames=HOUSEHOLD_HEADER)
        pw = csv.DictWriter(pf, fieldnames=PERSON_HEADER)
        hw.writeheader()
        pw.writeheader()
        prow = 1
        villages = r.choices(g.villages, weights=cum_villages, k=households)
        for i, village in enumerate(villages):
            hh, w = g.household(village)
            hw.writerow(hh)
            result.households += 1
            birth_place = g.regencies.get(village[:4], "")
            this_household: list[dict[str, Any]] = []
            for p in g.members(hh["kk_number"], village[:6], w, birth_place):
                problem = ""
                if dirty and r.random() < dirty:
                    problem = r.choice(("invalid_nik", "duplicate_typo", "deceased_listed", "two_households"))
                if problem == "invalid_nik":
                    p["nik"], detail = g.corrupt_nik(p["nik"])
                prow += 1
                pw.writerow(p)
                result.persons += 1
                if truth and problem in ("invalid_nik", "deceased_listed"):
                    if problem == "deceased_listed":  # died in the last two years, after birth
                        born = dt.date.fromisoformat(p["birth_date"])
                        earliest = max(born + dt.timedelta(days=1), REFERENCE_DATE - dt.timedelta(days=700))
                        span = max(1, (REFERENCE_DATE - earliest).days)
                        detail = (earliest + dt.timedelta(days=r.randrange(span))).isoformat()
                    truth.writerow(("persons", prow, p["nik"], problem, "", detail))
                    result.dirty_rows += 1
                if problem not in ("invalid_nik",):
                    this_household.append({**p, "_row": prow})
                if truth and problem in ("duplicate_typo", "two_households") and len(g.recent) > 10:
                    # The original is a person of an earlier household, never of this one.
                    orig = g.recent[r.randrange(len(g.recent))]
                    copy = {k: v for k, v in orig.items() if k != "_row"}
                    copy["kk_number"] = hh["kk_number"]
                    copy["relationship"] = "OTHER"
                    if problem == "duplicate_typo":
                        copy["full_name"] = _typo(r, orig["full_name"])
                        if r.random() < 0.6:
                            copy["nik"] = _transpose_digit(r, orig["nik"])
                    prow += 1
                    pw.writerow(copy)
                    result.persons += 1
                    result.dirty_rows += 1
                    truth.writerow(
                        (
                            "persons",
                            prow,
                            copy["nik"],
                            problem,
                            orig["_row"],
                            "same NIK" if copy["nik"] == orig["nik"] else "NIK differs",
                        )
                    )
            g.recent.extend(this_household)
            if on_progress and (i + 1) % 10000 == 0:
                on_progress(i + 1)
    if truth_fh:
        truth_fh.close()
    if on_progress:
        on_progress(households)
    return result
