"""Settings, read from the environment with safe defaults for local use.

Production: set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DJANGO_HTTPS=1
(behind TLS); DEBUG is off unless DJANGO_DEBUG=1. Scale out with DATABASE_URL
(PostgreSQL) and REDIS_URL (channels_redis), see README.md.
"""

import json
import os
import re
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# The fallback key only serves local use; `check --deploy` flags it (W009).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "django-insecure-local-development-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Closed installations turn self-service sign-up off.
WHITEBOARD_ALLOW_SIGNUP = env_bool("DJANGO_ALLOW_SIGNUP", True)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "storming",
    "modeling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whiteboard.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in person's language, kept on the server (after LocaleMiddleware's).
    "whiteboard.language.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before any password is
# checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "whiteboard.urls"
ASGI_APPLICATION = "whiteboard.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "whiteboard.context_processors.site",
            ],
        },
    },
]


def _database():
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        config.setdefault("TEST", {})
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        # Kept open between requests: closing the last connection of a WAL
        # database checkpoints it, which at a few hundred commands a second
        # cost more than the commands.
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue on
            # the busy timeout instead of deadlocking on a lock upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # A file, not :memory:, so that threads in concurrency tests share it;
        # one per test process, so that two runs never share it.
        "TEST": {"NAME": str(BASE_DIR / f".pytest-db-{os.getpid()}.sqlite3")},
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 30},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Per-connection rates on the board's websocket, as (per second, burst) for
# "frames", "commands" and "ephemeral" (cursor + drag); see
# docs/protocol.md. LIVE_LIMITS='{"commands": [60, 200]}' overrides.
LIVE_LIMITS = {
    key: tuple(value)
    for key, value in json.loads(os.environ.get("LIVE_LIMITS") or "{}").items()
}
# Sockets one member may hold open on one board, per server process (tabs,
# devices); the next is closed with 4429.
LIVE_MAX_SOCKETS_PER_MEMBER = int(os.environ.get("LIVE_MAX_SOCKETS_PER_MEMBER") or 8)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Brute force: after DJANGO_LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused (429, the right password
# too) on /accounts/login/ and /admin/login/ until DJANGO_LOGIN_COOLOFF_MINUTES
# pass without another try. Attempts are kept in the database, so every
# server process counts them together.
AXES_ENABLED = env_bool("DJANGO_LOGIN_LOCKOUT", True)
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = timedelta(
    minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES") or 15)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failed attempts only: no log of everyone's successful sign-ins.
AXES_DISABLE_ACCESS_LOG = True
# Not a banner on every start.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "storming.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "storming.ratelimit.axes_client_ip"
# Behind a proxy, the header it sets to the client's address (X-Real-IP);
# empty: the connection's own address.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "")
# Per client address ('N/period', period s, m, h or d; 'off' for none),
# counted in the cache (per process; see CACHES).
SIGNUP_RATE = os.environ.get("DJANGO_SIGNUP_RATE", "10/hour")
GUEST_JOIN_RATE = os.environ.get("DJANGO_GUEST_JOIN_RATE", "60/hour")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
# The UI speaks both; a request's language comes from the person's choice
# (remembered per user), else Accept-Language, else English.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve from the finders too, so a checkout works without collectstatic;
# until that runs, whitenoise's warning about the missing folder says nothing
# the person can act on.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings(
    "ignore", message=f"No directory at: {re.escape(str(STATIC_ROOT))}"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "storming.authentication.GuestSessionAuthentication",
    ],
    # Nothing is public by accident: open endpoints say AllowAny themselves.
    "DEFAULT_PERMISSION_CLASSES": ["storming.permissions.SignedInOrGuest"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"board_commands": "1200/min"},
    "EXCEPTION_HANDLER": "storming.api_errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Event storming whiteboard API",
    "DESCRIPTION": "Boards, their commands and event log, members and invites.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Behind TLS in production (DJANGO_HTTPS=1): secure cookies, HSTS, redirects.
HTTPS = env_bool("DJANGO_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"daphne": {"level": "WARNING"}},
}
