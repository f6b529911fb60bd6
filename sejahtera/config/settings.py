"""Settings, all from the environment (see docs/operations.md).

DATABASE_URL selects the database; without it the embedded SQLite file under var/ is used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("SEJAHTERA_VAR_DIR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DJANGO_DEBUG", False)
ADMIN_ENABLED = _env_bool("SEJAHTERA_ADMIN", False)
# The embedded default is a local demo; a deployment must set its own key.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-demo-key-change-me-in-production")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "sejahtera.common",
    "sejahtera.regions",
    "sejahtera.accounts",
    "sejahtera.registry",
    "sejahtera.updates",
    "sejahtera.targeting",
    "sejahtera.programs",
    "sejahtera.payments",
    "sejahtera.quality",
    "sejahtera.quality.dedup",
    "sejahtera.api",
    "captcha",  # django-simple-captcha: the public check's own image captcha, no outside service
    "sejahtera.portal",
    "sejahtera.portal.requests",  # public usul, sanggah and complaints (docs/portal-requests.md)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sejahtera.common.middleware.IndonesianFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sejahtera.common.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "sejahtera.config.urls"
WSGI_APPLICATION = "sejahtera.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

_default_sqlite = f"sqlite:///{VAR_DIR / 'sejahtera.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while a worker imports; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Indonesian first, English available (issue 2 §9).
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
UPLOAD_DIR = Path(os.environ.get("SEJAHTERA_UPLOAD_DIR", VAR_DIR / "uploads"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Jobs: Django's task API through the django-tasks backport, stored in the database (no broker needed).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("SEJAHTERA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SEJAHTERA_LOG_LEVEL", "WARNING")},
}

# Pages list this many rows; exports stream every row in scope.
PAGE_SIZE = 50
# Rows per COPY/INSERT batch in bulk paths.
BULK_BATCH_ROWS = int(os.environ.get("SEJAHTERA_BULK_BATCH_ROWS", "50000"))

# Verification photos and other files never served as static media: only scoped views read them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("SEJAHTERA_PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))

# The update cycle (issue 3). A province approval stage after the district's, when switched on.
UPDATES_PROVINCE_STAGE = _env_bool("SEJAHTERA_PROVINCE_STAGE", False)
# Days a proposal may wait for field verification; an objection (sanggah) lapses after its own limit.
UPDATES_VERIFICATION_DAYS = int(os.environ.get("SEJAHTERA_VERIFICATION_DAYS", "30"))
UPDATES_OBJECTION_DAYS = int(os.environ.get("SEJAHTERA_OBJECTION_DAYS", "14"))
# Release cadence since DTSEN (Inpres 4/2025): "quarterly" (periods 01, 04, 07, 10) or "monthly".
# Periods before 2025 are monthly, as the Kepmensos of 2021-2024 were (DOMAIN.md §3).
RELEASE_CADENCE = os.environ.get("SEJAHTERA_RELEASE_CADENCE", "quarterly")
# Dotted paths of callables run on a release after its snapshot is written and before its diff
# (targeting scores the households and ranks them into deciles there): fn(release) -> None.
RELEASE_BUILD_HOOKS: list[str] = [
    h
    for h in os.environ.get(
        "SEJAHTERA_RELEASE_HOOKS",
        "sejahtera.targeting.services.score_release_hook,sejahtera.quality.services.hooks.release_counts_hook,"
        "sejahtera.portal.services.check_index_hook",
    ).split(",")
    if h
]
# Run when a draft release is discarded, to remove what the build hooks wrote for it: fn(release).
RELEASE_DISCARD_HOOKS: list[str] = [
    h
    for h in os.environ.get(
        "SEJAHTERA_RELEASE_DISCARD_HOOKS",
        "sejahtera.targeting.services.discard_scores_hook,sejahtera.portal.services.check_index_discard_hook,"
        "sejahtera.quality.services.hooks.release_counts_discard_hook",
    ).split(",")
    if h
]


# The public portal (issue 5, docs/portal.md). Limits are "requests/seconds" per key.
def _rate(name: str, default: str) -> tuple[int, int]:
    count, seconds = os.environ.get(name, default).split("/")
    return int(count), int(seconds)


PORTAL_LIMIT_ADDRESS = _rate("SEJAHTERA_PORTAL_LIMIT_ADDRESS", "30/600")  # checks per client address
PORTAL_LIMIT_VILLAGE = _rate("SEJAHTERA_PORTAL_LIMIT_VILLAGE", "120/600")  # checks of one village
PORTAL_SCAN_VILLAGES = int(os.environ.get("SEJAHTERA_PORTAL_SCAN_VILLAGES", "5"))  # distinct villages …
PORTAL_SCAN_WINDOW = int(os.environ.get("SEJAHTERA_PORTAL_SCAN_WINDOW", "3600"))  # … per address per hour
PORTAL_LIMIT_API_KEY = _rate("SEJAHTERA_PORTAL_LIMIT_API_KEY", "60000/60")  # per partner key
# per key and village
PORTAL_LIMIT_API_KEY_VILLAGE = _rate("SEJAHTERA_PORTAL_LIMIT_API_KEY_VILLAGE", "600/60")
# Proxies (addresses or networks) whose X-Forwarded-For is believed; none by default: REMOTE_ADDR.
PORTAL_TRUSTED_PROXIES = [p for p in os.environ.get("SEJAHTERA_TRUSTED_PROXIES", "").split(",") if p]
# Partner API keys: only their SHA-256 is kept ("sha256:<hex>" entries are taken as hashes already).
PORTAL_API_KEY_HASHES = [
    k.removeprefix("sha256:") if k.startswith("sha256:") else hashlib.sha256(k.encode()).hexdigest()
    for k in (k.strip() for k in os.environ.get("SEJAHTERA_PUBLIC_API_KEYS", "").split(","))
    if k
]
# The check's captcha: four letters, five minutes, each answer accepted once.
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5
CAPTCHA_IMAGE_SIZE = (150, 56)
CAPTCHA_FONT_SIZE = 34

# Data quality (issue 6, docs/quality.md). Conditions on the registry person `p` that a release
# snapshot also requires (the padan hold-out), and callables run on an import after its promotion.
RELEASE_PERSON_FILTERS: list[str] = ["sejahtera.quality.services.hooks.padan_hold_out_filter"]
REGISTRY_IMPORT_HOOKS: list[str] = ["sejahtera.quality.services.import_findings_hook"]
# Padan Dukcapil: a name similarity at or above this counts as matched (DOMAIN.md §4.6: 60 %).
DUKCAPIL_NAME_THRESHOLD = float(os.environ.get("SEJAHTERA_DUKCAPIL_NAME_THRESHOLD", "0.6"))
DUKCAPIL_URL = os.environ.get("SEJAHTERA_DUKCAPIL_URL", "")
DUKCAPIL_TOKEN = os.environ.get("SEJAHTERA_DUKCAPIL_TOKEN", "")
DUKCAPIL_TIMEOUT = float(os.environ.get("SEJAHTERA_DUKCAPIL_TIMEOUT", "30"))
# Duplicate detection (issue 6 §3, docs/dedup.md): pairs at or above the threshold are proposed;
# a model trained by `dedup run --retrain` is kept in the model directory; spark needs pyspark.
DEDUP_THRESHOLD = float(os.environ.get("SEJAHTERA_DEDUP_THRESHOLD", "0.9"))
DEDUP_MODEL_DIR = Path(os.environ.get("SEJAHTERA_DEDUP_MODEL_DIR", VAR_DIR / "dedup"))
DEDUP_BACKEND = os.environ.get("SEJAHTERA_DEDUP_BACKEND", "duckdb")
DEDUP_THREADS = int(os.environ.get("SEJAHTERA_DEDUP_THREADS", "0"))  # 0 = DuckDB's default (all cores)
