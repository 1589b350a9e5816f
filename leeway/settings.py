"""Leeway's settings, read from the environment.

With no variable set, Leeway runs on an embedded SQLite database with an
in-process cache and no other server: that is `make demo`. Production sets
DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def envbool(name: str, default: bool) -> bool:
    """Read a yes/no variable; refuse anything ambiguous rather than guess."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    """Read an integer variable, failing loudly on a typo."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
# Under pytest the settings relax what only matters in production (hashing cost, secure cookies).
TESTING = envbool("LEEWAY_TESTING", "pytest" in sys.modules)

DATA_DIR = Path(os.environ.get("LEEWAY_DATA_DIR", PROJECT_DIR / "data"))

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (DATA_DIR / "secret_key").is_file():
    # `make demo` writes one here, so `leeway <command>` works afterwards without exporting it.
    SECRET_KEY = (DATA_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Set DEBUG=true for development, "
            "or export SECRET_KEY (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # django-ninja's documented way to serve its interactive docs (Swagger UI) from the site's own static
    # files instead of a CDN that the Content Security Policy blocks.
    "ninja",
    "axes",
    "csp",
    "parler",
    "django_tasks",
    "django_tasks_db",
    "leeway.core",
    "leeway.people",
    "leeway.integrations",
    "leeway.customers",
    "leeway.value",
    "leeway.policy",
    "leeway.decisions",
    "leeway.recognition",
    "leeway.alignment",
    "leeway.reports",
    "leeway.training",
    "leeway.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "leeway.core.middleware.BodySizeLimitMiddleware",
    # Django's and the libraries' own middleware, skipped for bearer-token API calls (see that module).
    "leeway.core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "leeway.core.middleware.CsrfViewMiddleware",
    "leeway.core.middleware.AuthenticationMiddleware",
    "leeway.core.middleware.MemberLanguageMiddleware",
    "leeway.core.middleware.NullCharacterMiddleware",
    "leeway.core.middleware.MessageMiddleware",
    "leeway.core.middleware.XFrameOptionsMiddleware",
    "leeway.core.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "leeway.urls"
WSGI_APPLICATION = "leeway.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "leeway.core.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file in the data folder unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections; Django checks one before a request reuses it (a restarted server, an
    # idle timeout), which is a round trip per request: LEEWAY_DB_HEALTH_CHECKS=false saves it where a
    # failed request after a database restart is acceptable.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=600, conn_health_checks=envbool("LEEWAY_DB_HEALTH_CHECKS", True)
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, encoding JSON with orjson (see that module).
        DATABASES["default"]["ENGINE"] = "leeway.core.db.postgresql"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "leeway.sqlite3",
        }
    }
# The decision hot path prepares its statements once per PostgreSQL session (leeway.core.batch asks
# psycopg to, with prepare=True). Turn it off behind a transaction-pooling proxy (e.g. PgBouncer in
# transaction mode), where sessions are shared.
LEEWAY_DB_PREPARE = envbool("LEEWAY_DB_PREPARE", True)
if DATABASES["default"]["ENGINE"] == "leeway.core.db.postgresql":
    # Django turns psycopg's prepared statements off (prepare_threshold None): then prepare=True does
    # nothing either. A threshold no query reaches leaves the ORM's queries unprepared, as Django
    # means, while the batches' prepare=True still prepares theirs.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if LEEWAY_DB_PREPARE else None
    )
# How long a worker trusts a bearer token lookup (revocations reach other workers within it); 0 = off.
LEEWAY_TOKEN_CACHE_SECONDS = envint("LEEWAY_TOKEN_CACHE_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so two writers queue
    # instead of failing with "database is locked" when one upgrades its lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: the Django tasks API (backport). The database backend needs
# no extra server; `leeway worker` processes it. LEEWAY_TASKS_IMMEDIATE runs
# tasks inline (tests).
if envbool("LEEWAY_TASKS_IMMEDIATE", TESTING):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The embedded default (SQLite, one machine, no other server): `leeway serve` runs `leeway worker` beside
# the web server, so the overdue sweep, imports and value refreshes happen with no extra command.
# Production (PostgreSQL, several app processes) runs `leeway worker` on its own and leaves this off.
LEEWAY_EMBEDDED_WORKER = envbool(
    "LEEWAY_EMBEDDED_WORKER", DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
)

# Webhooks may only reach public addresses: a URL that is or resolves to a loopback, private or
# link-local address is refused (server-side request forgery), unless this is on (tests, a lab).
LEEWAY_WEBHOOKS_ALLOW_PRIVATE = envbool("LEEWAY_WEBHOOKS_ALLOW_PRIVATE", False)
# Where people reach this Leeway (e.g. https://leeway.example.com): e-mails and Slack and Teams messages
# link to it; unset, they carry no link.
LEEWAY_PUBLIC_URL = os.environ.get("LEEWAY_PUBLIC_URL", "").rstrip("/")

AUTH_USER_MODEL = "people.Member"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of members.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for a username from one address lock it for a while.
AXES_FAILURE_LIMIT = envint("LEEWAY_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LEEWAY_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "leeway.people.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Leeway's own tweaks to Django's formats (English times without a trailing full stop).
FORMAT_MODULE_PATH = ["leeway.formats"]
TIME_ZONE = "UTC"
PARLER_LANGUAGES = {
    None: ({"code": "en"}, {"code": "es"}),
    "default": {"fallbacks": ["en"], "hide_untranslated": False},
}
PARLER_DEFAULT_LANGUAGE_CODE = "en"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("LEEWAY_STATIC_ROOT", PROJECT_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Bodies above this are refused before parsing (the API answers 413 in the envelope).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("LEEWAY_MAX_BODY_BYTES", 1024 * 1024)
LEEWAY_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
LEEWAY_MAX_UPLOAD_BYTES = envint("LEEWAY_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security. Cookies are secure unless explicitly served over plain HTTP (the demo).
SECURE_COOKIES = envbool(
    "LEEWAY_SECURE_COOKIES", not DEBUG and not TESTING and not envbool("LEEWAY_DEMO", False)
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The agent panel inside a CRM is a cross-site frame: browsers send cookies there only
# when they are SameSite=None, which in turn requires HTTPS (Secure).
if envbool("LEEWAY_EMBEDDED_PANEL", False):
    SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "None"
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = envint("LEEWAY_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("LEEWAY_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_SSL_REDIRECT = envbool("LEEWAY_SSL_REDIRECT", False)
if envbool("LEEWAY_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: everything comes from this site; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

NINJA_PAGINATION_PER_PAGE = 50

# E-mail (the weekly recognition digest): printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Leeway <leeway@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LEEWAY_LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "ERROR"}},
}
