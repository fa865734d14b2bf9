"""Django settings for Jijinan, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
# Runtime state (SQLite database, generated dev keys, uploaded files) lives outside the package.
VAR_DIR = Path(os.environ.get("JIJINAN_VAR_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret(name: str) -> str:
    """A per-checkout random secret kept in var/, never in git; production sets the env var."""
    path = VAR_DIR / name
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


DEBUG = _env_bool("JIJINAN_DEBUG", False)
SECRET_KEY = os.environ.get("JIJINAN_SECRET_KEY") or _dev_secret("secret_key")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("JIJINAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("JIJINAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",
    "jijinan.core",
    "jijinan.accounts",
    "jijinan.regions",
    "jijinan.audit",
    "jijinan.registry",
    "jijinan.policy",
    "jijinan.exchange",
    "jijinan.verification",
    "jijinan.cases",
    "jijinan.referrals",
    "jijinan.consultation",
    "jijinan.supervision",
    "jijinan.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jijinan.core.middleware.RequestIdMiddleware",
    "jijinan.core.middleware.DomainErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jijinan.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jijinan.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "jijinan.urls"
WSGI_APPLICATION = "jijinan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jijinan.web.context_processors.shell",
            ],
        },
    },
]

# --- Database: embedded SQLite by default, PostgreSQL through DATABASE_URL -------------------
_sqlite_path = VAR_DIR / "jijinan.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_sqlite_path}",
        conn_max_age=int(os.environ.get("JIJINAN_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so that tests can start real worker processes against the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jijinan.accounts.validators.LettersAndDigitsValidator"},
]
# Idle timeout: every request renews the session, a quiet one expires after this long.
SESSION_COOKIE_AGE = int(os.environ.get("JIJINAN_SESSION_SECONDS", str(2 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("JIJINAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Sign-in lock-out: this many failures within the window lock the account (or the address).
JIJINAN_LOGIN_MAX_FAILURES = int(os.environ.get("JIJINAN_LOGIN_MAX_FAILURES", "5"))
JIJINAN_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("JIJINAN_LOGIN_MAX_FAILURES_PER_IP", "20"))
JIJINAN_LOGIN_LOCK_SECONDS = int(os.environ.get("JIJINAN_LOGIN_LOCK_SECONDS", "900"))
# "dev" (make run) lets demo accounts keep their printed password; anywhere else they must
# change it at first sign-in.
JIJINAN_ENV = os.environ.get("JIJINAN_ENV", "production")

# --- Internationalisation: Chinese first, English available ---------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "jijinan_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: served by WhiteNoise from the installed packages ----------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers --------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JIJINAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Protected personal data (ID numbers, bank accounts, phone numbers) -------------------------
# Production sets JIJINAN_FIELD_KEYS ("keyid:base64key,…"), JIJINAN_ACTIVE_FIELD_KEY and
# JIJINAN_BLIND_INDEX_KEY from its secret store; without them a development key file is created
# in var/ (outside git) on first start.
def _field_keys() -> tuple[dict[str, str], str, str]:
    given = os.environ.get("JIJINAN_FIELD_KEYS", "").strip()
    if given:
        keys = dict(pair.strip().split(":", 1) for pair in given.split(",") if pair.strip())
        return keys, os.environ["JIJINAN_ACTIVE_FIELD_KEY"], os.environ["JIJINAN_BLIND_INDEX_KEY"]
    path = VAR_DIR / "field_keys.json"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        dev = {"active": "dev1", "keys": {"dev1": base64.b64encode(secrets.token_bytes(32)).decode()},
               "blind_index": base64.b64encode(secrets.token_bytes(32)).decode()}
        path.write_text(json.dumps(dev, indent=2))
        path.chmod(0o600)
    stored = json.loads(path.read_text())
    return stored["keys"], stored["active"], stored["blind_index"]


JIJINAN_FIELD_KEYS, JIJINAN_ACTIVE_FIELD_KEY, JIJINAN_BLIND_INDEX_KEY = _field_keys()

# --- Jijinan -----------------------------------------------------------------------------------
# A worker that has not reported for this long is shown as down on /api/v1/health.
JIJINAN_WORKER_STALE_SECONDS = int(os.environ.get("JIJINAN_WORKER_STALE_SECONDS", "60"))
# How long a worker owns a claimed job before another worker may take it up again.
JIJINAN_JOB_LEASE_SECONDS = int(os.environ.get("JIJINAN_JOB_LEASE_SECONDS", "300"))
# Department file imports: the largest upload accepted, and where uploads wait for confirmation.
JIJINAN_IMPORT_MAX_BYTES = int(os.environ.get("JIJINAN_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
JIJINAN_IMPORT_DIR = Path(os.environ.get("JIJINAN_IMPORT_DIR", VAR_DIR / "imports"))
# Text messages (applicant notices, crisis alerts, one-time codes): the sender class to use.
JIJINAN_SMS_SENDER = os.environ.get("JIJINAN_SMS_SENDER", "jijinan.core.messaging.sms.ConsoleSender")
# E-mail notices go through the outbox to Django's e-mail backend: the console unless configured
# (e.g. django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends from the environment).
EMAIL_BACKEND = os.environ.get("JIJINAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("JIJINAN_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JIJINAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("JIJINAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JIJINAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("JIJINAN_EMAIL_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("JIJINAN_EMAIL_FROM", "jijinan@localhost")
# Where staff reach the site: links in e-mails are made absolute with it.
JIJINAN_SITE_URL = os.environ.get("JIJINAN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Excel exports: more rows than this must be narrowed by filters first.
JIJINAN_EXPORT_MAX_ROWS = int(os.environ.get("JIJINAN_EXPORT_MAX_ROWS", "200000"))
# Printed forms (PDF) are made again from the case on request: a file is kept this many days.
JIJINAN_PRINT_RETENTION_DAYS = max(1, int(os.environ.get("JIJINAN_PRINT_RETENTION_DAYS", "7")))
# Number of reverse proxies in front of the app whose X-Forwarded-For entries are trusted.
JIJINAN_TRUSTED_PROXY_HOPS = int(os.environ.get("JIJINAN_TRUSTED_PROXY_HOPS", "0"))
JIJINAN_PAGE_SIZE = 50
JIJINAN_MAX_PAGE_SIZE = 500
CSRF_FAILURE_VIEW = "jijinan.web.views.csrf_failure"
