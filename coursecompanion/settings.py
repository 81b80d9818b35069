"""Settings for Course Companion: one module, every difference between environments is an
environment variable. Defaults are safe for local use only (SQLite, local media, no secrets)."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# pytest sets PYTEST_VERSION; tests may run without production secrets.
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# Management commands (makemigrations, check, set_tier...) sign nothing a client keeps, so they
# may run on the local-only keys; anything that serves requests must have real secrets.
MANAGEMENT_COMMAND = Path(sys.argv[0]).name == "manage.py" and "runserver" not in sys.argv
LOCAL_KEYS_ALLOWED = DEBUG or TESTING or MANAGEMENT_COMMAND

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not LOCAL_KEYS_ALLOWED:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local use).")
    SECRET_KEY = "insecure-local-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "rest_framework_simplejwt.token_blacklist",
    "access",
    "content",
    "quizzes",
    "progress",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coursecompanion.middleware.JsonErrorMiddleware",
]

ROOT_URLCONF = "coursecompanion.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "coursecompanion.wsgi.application"
ASGI_APPLICATION = "coursecompanion.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# No ATOMIC_REQUESTS: every write goes through a service wrapped in transaction.atomic, and reads
# (most of the traffic) skip the BEGIN/COMMIT round trips.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cc"),
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Published content is cached; a local-memory cache is per process, so the TTL bounds how long
# another worker may serve text an editor has just changed (Redis invalidates at once).
CONTENT_CACHE_SECONDS = env.int("CONTENT_CACHE_SECONDS", default=300 if REDIS_URL else 30)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Tests and local runs serve static files from the apps; only deployments run collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
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

# ChatGPT sends small JSON bodies; anything bigger is refused with 413 before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

API_PAGE_SIZE_DEFAULT = 20
API_PAGE_SIZE_MAX = 100
API_OFFSET_MAX = 1_000_000

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not TESTING)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# JWT (simplejwt). Its own signing key, so rotating it logs everyone out without touching sessions.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
if not JWT_SIGNING_KEY:
    if not LOCAL_KEYS_ALLOWED:
        raise ImproperlyConfigured("Set JWT_SIGNING_KEY (or DJANGO_DEBUG=1 for local use).")
    JWT_SIGNING_KEY = "insecure-local-only-jwt-key-never-use-in-production"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

# --- Quizzes ---
# Submits a student may make per quiz per UTC day: stops brute-forcing the answer key (429 past it).
QUIZ_DAILY_ATTEMPT_CAP = env.int("QUIZ_DAILY_ATTEMPT_CAP", default=20)

# --- Media on Cloudflare R2 ---
# With the four R2 variables (the endpoint may replace the account id), uploads go to an R2 bucket
# through its S3 API; without them, local files under MEDIA_ROOT as before.
R2_ACCOUNT_ID = env.str("R2_ACCOUNT_ID", default="")
R2_ACCESS_KEY_ID = env.str("R2_ACCESS_KEY_ID", default="")
R2_SECRET_ACCESS_KEY = env.str("R2_SECRET_ACCESS_KEY", default="")
R2_BUCKET = env.str("R2_BUCKET", default="")
R2_ENDPOINT_URL = env.str("R2_ENDPOINT_URL", default="") or (
    f"https://{R2_ACCOUNT_ID}.r2.cloudflarestorage.com" if R2_ACCOUNT_ID else ""
)
# Assets marked public are linked unsigned through this domain (a custom domain attached to the
# bucket); everything else gets a presigned URL that expires after R2_URL_EXPIRE_SECONDS.
R2_PUBLIC_DOMAIN = env.str("R2_PUBLIC_DOMAIN", default="").rstrip("/")
R2_URL_EXPIRE_SECONDS = env.int("R2_URL_EXPIRE_SECONDS", default=300)
_r2_required = {
    "R2_ACCESS_KEY_ID": R2_ACCESS_KEY_ID,
    "R2_SECRET_ACCESS_KEY": R2_SECRET_ACCESS_KEY,
    "R2_BUCKET": R2_BUCKET,
    "R2_ACCOUNT_ID (or R2_ENDPOINT_URL)": R2_ENDPOINT_URL,
}
R2_ENABLED = all(_r2_required.values())
if any(_r2_required.values()) and not R2_ENABLED:
    _missing = ", ".join(name for name, value in _r2_required.items() if not value)
    raise ImproperlyConfigured(f"R2 is half configured: set {_missing} too (or none of them).")
if R2_ENABLED:
    from coursecompanion.storage import r2_storage

    STORAGES["default"] = r2_storage(
        access_key=R2_ACCESS_KEY_ID,
        secret_key=R2_SECRET_ACCESS_KEY,
        bucket=R2_BUCKET,
        endpoint_url=R2_ENDPOINT_URL,
        url_expire_seconds=R2_URL_EXPIRE_SECONDS,
    )


# --- accounts, JWT and rate limits (access) ---
# Counters live in the default cache: Redis when REDIS_URL is set. Without Redis each process
# counts alone (fine for `make run`; `manage.py check --deploy` warns).
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_USE_CACHE = "default"
# access/ratelimits.py decides per limit what a cache outage means (API calls fail open, login
# and registration fail closed); django-ratelimit itself never silently lets a call through.
RATELIMIT_FAIL_OPEN = False
# Proxies in front of the app that append the client's address to X-Forwarded-For (1 behind a
# single load balancer). 0: use REMOTE_ADDR and ignore the header, which clients can forge.
RATE_LIMIT_TRUSTED_PROXIES = env.int("RATE_LIMIT_TRUSTED_PROXIES", default=0)
# Rates are "<count>/<period>" with period s, m, h or d (e.g. "60/m", "10/5m").
RATE_LIMITS = {
    # Signed-in callers, keyed on the user id: per operation, and across the whole API.
    "user_per_operation": env.str("RATE_LIMIT_USER_PER_OPERATION", default="60/m"),
    "user_total": env.str("RATE_LIMIT_USER_TOTAL", default="300/m"),
    # Anonymous callers, keyed on the client IP.
    "anon_per_operation": env.str("RATE_LIMIT_ANON_PER_OPERATION", default="60/m"),
    "anon_total": env.str("RATE_LIMIT_ANON_TOTAL", default="300/m"),
    # Password guessing: POST /auth/token per account (any IP) and per IP (any account).
    "login_per_account": env.str("RATE_LIMIT_LOGIN_PER_ACCOUNT", default="5/m"),
    "login_per_ip": env.str("RATE_LIMIT_LOGIN_PER_IP", default="20/m"),
    "register_per_ip": env.str("RATE_LIMIT_REGISTER_PER_IP", default="10/h"),
}
# Per-operation rates replacing the per-operation default, by operationId: {"submitQuiz": "20/m"}.
RATE_LIMIT_OPERATIONS = env.dict("RATE_LIMIT_OPERATIONS", default={})
