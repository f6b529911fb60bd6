"""factory_boy factories for the registry; NIK and KK are consistent with region, date and sex."""

from __future__ import annotations

import datetime as dt
import itertools

import factory

from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, Person

_serial = itertools.count(1)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    village_id = "3204052001"
    province_code = factory.LazyAttribute(lambda o: o.village_id[:2])
    regency_code = factory.LazyAttribute(lambda o: o.village_id[:4])
    district_code = factory.LazyAttribute(lambda o: o.village_id[:6])
    kk_number = factory.LazyAttribute(
        lambda o: kk_for(
            district_code=o.village_id[:6], record_date=dt.date(2015, 3, 1), serial=next(_serial)
        )
    )
    address = factory.Sequence(lambda n: f"Jl. Contoh No. {n}")
    rt = "001"
    rw = "002"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    full_name = factory.Sequence(lambda n: f"WARGA CONTOH {n}")
    birth_date = dt.date(1980, 5, 17)
    sex = "L"
    relationship = "HEAD"
    nik = factory.LazyAttribute(
        lambda o: nik_for(
            district_code=o.household.village_id[:6],
            birth_date=o.birth_date,
            sex=o.sex,
            serial=next(_serial) % 9999 + 1,
        )
    )
