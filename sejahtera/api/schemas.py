"""In and out schemas of the JSON API (v1). Codes are the numbers of the BDT/PBDT forms (registry/codes.py)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema
from pydantic import field_validator

from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person
from sejahtera.registry.selectors import household_members

# A region code filter: province (2), regency/city (4), district (6) or village (10) digits.
REGION_CODE_PATTERN = r"^(\d{2}|\d{4}|\d{6}|\d{10})$"
# A parent whose children are asked for: the nation (absent), a province, a regency/city or a district.
PARENT_CODE_PATTERN = r"^(\d{2}|\d{4}|\d{6})$"
MAX_PAGE = 500


class ErrorOut(Schema):
    detail: str


# --- households ---------------------------------------------------------------------------------
class HouseholdListParams(Schema):
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="Region code, without dots.")
    q: str = Field("", max_length=100, description="16-digit KK or NIK, or at least 3 letters of a name.")
    status: codes.RecordStatus | None = None
    after_id: int | None = Field(None, ge=0, description="Cursor: the next_after_id of the previous page.")
    limit: int = Field(100, ge=1, le=MAX_PAGE)

    @field_validator("q")
    @classmethod
    def _search_term(cls, value: str) -> str:
        """The web search's rule (registry/forms.py): a number is a whole NIK or KK, a name has
        at least three letters; anything else is refused rather than silently finding nothing."""
        term = " ".join(value.split())
        if term and term.isascii() and term.isdigit() and len(term) != 16:
            raise ValueError("NIK dan No. KK terdiri dari 16 digit.")
        if term and not term.isdigit() and len(term) < 3:
            raise ValueError("Ketik minimal 3 huruf nama.")
        return term


class HouseholdItem(Schema):
    id: int
    kk_number: str
    village_code: str = Field(..., alias="village_id")
    village_name: str = Field(..., alias="village.name")
    address: str
    rt: str
    rw: str
    status: str
    welfare_status: int | None
    member_count: int
    head_name: str | None


class HouseholdPage(Schema):
    items: list[HouseholdItem]
    next_after_id: int | None = Field(
        ..., description="Pass as after_id to get the next page; null on the last page."
    )


class MemberOut(Schema):
    id: int
    nik: str
    full_name: str
    birth_date: dt.date
    sex: str
    relationship: str
    status: str


class HouseholdDetail(Schema):
    id: int
    kk_number: str
    village_code: str = Field(..., alias="village_id")
    village_name: str = Field(..., alias="village.name")
    district_code: str
    regency_code: str
    province_code: str
    address: str
    rt: str
    rw: str
    status: str
    inactive_reason: str
    welfare_status: int | None
    # Housing (DOMAIN.md §4.1), code numbers of the BDT form.
    tenure_status: int | None
    land_status: int | None
    floor_area_m2: int | None
    floor_type: int | None
    wall_type: int | None
    wall_condition: int | None
    roof_type: int | None
    roof_condition: int | None
    bedrooms: int | None
    water_source: int | None
    water_acquisition: int | None
    lighting_source: int | None
    power_capacity: int | None
    cooking_fuel: int | None
    toilet_facility: int | None
    toilet_type: int | None
    sewage_disposal: int | None
    # Assets (DOMAIN.md §4.2).
    has_gas_cylinder: bool
    has_refrigerator: bool
    has_air_conditioner: bool
    has_water_heater: bool
    has_landline: bool
    has_television: bool
    has_flat_tv: bool
    has_gold_savings: bool
    has_computer: bool
    has_bicycle: bool
    has_motorcycle: bool
    has_car: bool
    has_boat: bool
    has_outboard_motor: bool
    has_motorboat: bool
    has_ship: bool
    phone_numbers: int
    owns_land: bool
    land_area_m2: int | None
    has_other_house: bool
    cattle: int
    buffalo: int
    horses: int
    pigs: int
    goats: int
    has_business: bool
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj: Household) -> list[Person]:
        return list(household_members(household=obj))


class PersonDetail(Schema):
    id: int
    nik: str
    full_name: str
    birth_place: str
    birth_date: dt.date
    sex: str
    relationship: str
    marital_status: int | None
    education: str
    school_level: str
    work_sector: int
    disability: int
    disability_severity: str
    chronic_illness: int
    pregnant: bool
    ppks: list[int] = Field(..., description="PPKS type codes 1-26 (Permensos 8/2012).")
    status: str
    inactive_reason: str
    death_date: dt.date | None
    dukcapil_match: str
    household_id: int
    kk_number: str = Field(..., alias="household.kk_number")
    village_code: str = Field(..., alias="household.village_id")


# --- counts, regions, identifiers ---------------------------------------------------------------
class RegistryCounts(Schema):
    households: int
    persons: int
    persons_deceased: int
    persons_inactive: int


class RegionChildrenParams(Schema):
    parent: str | None = Field(
        None, pattern=PARENT_CODE_PATTERN, description="Parent region code; absent for provinces."
    )


class RegionSearchParams(Schema):
    q: str = Field(
        ..., min_length=2, max_length=60, description="A code prefix (dots allowed) or part of a name."
    )


class RegionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    parent_code: str | None = Field(..., alias="parent_id")


class NikCheckParams(Schema):
    nik: str = Field(..., min_length=1, max_length=40, description="Dots and spaces are ignored.")


class KkCheckParams(Schema):
    kk: str = Field(..., min_length=1, max_length=40, description="Dots and spaces are ignored.")


class NikCheckOut(Schema):
    nik: str
    valid: bool
    errors: list[str]
    warnings: list[str]
    sex: str | None = None
    birth_date: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    current_region_code: str | None = Field(
        None, description="Set when the NIK carries a district code from before a regional split."
    )


class KkCheckOut(Schema):
    kk: str
    valid: bool
    errors: list[str]
    warnings: list[str]
    record_date: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    current_region_code: str | None = None
