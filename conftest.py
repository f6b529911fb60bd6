"""Shared fixtures: the region table loaded once per test database, and fixed personas (STYLE.md).

Region A is Kabupaten Bandung (3204), region B is Kota Bandung (3273); each persona's
jurisdiction is chosen so that permission tests read naturally.
"""

from __future__ import annotations

import pytest

REGION_A = "3204"  # Kabupaten Bandung
REGION_B = "3273"  # Kota Bandung
VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya
VILLAGE_B = "3273011001"  # Kel. Sukarasa, Kec. Sukasari, Kota Bandung
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test personas)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from sejahtera.regions.services import regions_load

    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture(autouse=True)
def _regions_present(request):
    """Transactional tests (the browser tests) flush every table when they end; reload then."""
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        from sejahtera.regions.models import Region
        from sejahtera.regions.selectors import district_codes
        from sejahtera.regions.services import regions_load

        if not Region.objects.exists():
            regions_load()
            district_codes.cache_clear()
        _reseed_data_migrations()
    yield


# The rows data migrations write (the programs and their parameters, the default scoring model):
# a transactional test's flush removes them like any other row.
SEEDING_MIGRATIONS = (
    "sejahtera.programs.migrations.0002_seed_programs",
    "sejahtera.targeting.migrations.0003_default_model",
)


def _reseed_data_migrations() -> None:
    import importlib

    from django.apps import apps

    for name in SEEDING_MIGRATIONS:
        module = importlib.import_module(name)
        (getattr(module, "seed", None) or module.forward)(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are created for nearly every test: PBKDF2 at Django's 1,000,000 iterations costs
    about half a second per password on the CI machine, more than most tests themselves. Tests do
    not test the hasher; production keeps Django's default."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_inline(settings):
    """Background tasks run inside the request that enqueues them (no worker in tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _indonesian_first():
    """Each test starts in Indonesian: a request that switched to English leaves English active in
    the thread, which would change the labels later tests read."""
    from django.utils import translation

    translation.activate("id")
    yield
    translation.activate("id")


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Verification photos and uploads go to the test's own folder, not var/."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.UPLOAD_DIR = tmp_path / "uploads"


def _user(username: str, role: str, code: str = "", channel: str = ""):
    from sejahtera.accounts.models import User

    user = User(username=username, role=role, jurisdiction_id=code or None, payment_channel=channel)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def central(db):
    return _user("pusat", "CENTRAL_DATA")


@pytest.fixture
def district_a(db):
    return _user("dinsos_a", "DISTRICT_OFFICER", REGION_A)


@pytest.fixture
def district_b(db):
    return _user("dinsos_b", "DISTRICT_OFFICER", REGION_B)


@pytest.fixture
def village_operator(db):
    return _user("desa_a", "VILLAGE_OPERATOR", VILLAGE_A)


@pytest.fixture
def verifier(db):
    return _user("verif_a", "VERIFIER", VILLAGE_A[:6])


@pytest.fixture
def auditor(db):
    return _user("auditor", "AUDITOR")


@pytest.fixture
def payment_channel(db):
    return _user("bank", "PAYMENT_CHANNEL", channel="BRI")


@pytest.fixture
def program_manager(db):
    return _user("pengelola", "PROGRAM_MANAGER")


@pytest.fixture
def program_checker(db):
    """A second program manager: who approves a payment batch is not who made it."""
    return _user("pengelola_2", "PROGRAM_MANAGER")


@pytest.fixture
def central_publisher(db):
    """A second member of the central data team: who publishes a release is not who built it."""
    return _user("pusat_penetap", "CENTRAL_DATA")


@pytest.fixture
def province_officer(db):
    return _user("dinsos_prov", "PROVINCE_OFFICER", REGION_A[:2])


@pytest.fixture
def qa_reviewer(db):
    return _user("univ_a", "QA_REVIEWER", REGION_A)


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, headless, once per test module (sejahtera/common/tests/browser.py)."""
    from sejahtera.common.tests.browser import launch

    yield from launch()
