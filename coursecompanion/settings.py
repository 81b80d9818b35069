"""Settings for Course Companion: one module, every difference between environments is an
environment variable. Defaults are safe for local use only (SQLite, local media, no secrets)."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# pytest sets PYTEST_VERSION; tests may run without production secrets. Tests never read .env:
# it may point at real services (a shared Redis the suite would empty).
TESTING = "PYTEST_VERSION" in os.environ

env = environ.Env()
if not TESTING and (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _command_name(argv: list[str]) -> str | None:
    """The manage.py (or django-admin) command being run, None for any other process. Read as
    Django reads it: the first argument, help when there is none."""
    if Path(argv[0]).name not in ("manage.py", "django-admin"):
        return None
    command = argv[1] if len(argv) > 1 else "help"
    return {"--help": "help", "-h": "help", "--version": "version"}.get(command, command)


# Commands that neither serve, sign nor write data may run on the local-only keys and the SQLite
# default (the before-stop hook runs `manage.py makemigrations --check --dry-run` with no
# environment). Everything else (web, shell, migrate, workers) needs the real settings.
LOCAL_ONLY_COMMANDS = frozenset(
    {"makemigrations", "check", "showmigrations", "sqlmigrate", "help", "version"}
)
LOCAL_DEFAULTS_ALLOWED = DEBUG or TESTING or _command_name(sys.argv) in LOCAL_ONLY_COMMANDS
# Secrets given in production must be long enough to resist guessing offline (HS256 keys).
MIN_KEY_LENGTH = 32


def _secret(name: str, local_default: str) -> str:
    value = env.str(name, default="")
    if not value:
        if not LOCAL_DEFAULTS_ALLOWED:
            raise ImproperlyConfigured(f"Set {name} (or DJANGO_DEBUG=1 for local use).")
        return local_default
    if not (DEBUG or TESTING) and len(value) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(f"{name} must be at least {MIN_KEY_LENGTH} characters long.")
    return value


SECRET_KEY = _secret("DJANGO_SECRET_KEY", "insecure-local-only-key-never-use-in-production")

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
    "reversion",
    "oauth2_provider",
    "access",
    "content",
    "quizzes",
    "progress",
    "chatgpt",
]

MIDDLEWARE = [
    # Outermost: one log line per request, with the request id it echoes.
    "coursecompanion.logs.RequestLogMiddleware",
    "coursecompanion.middleware.HeadAsGetMiddleware",
    # First, so it also sees what the middleware below answers itself (DisallowedHost's 400).
    "coursecompanion.middleware.JsonErrorMiddleware",
    "coursecompanion.db_routing.ReadReplicaMiddleware",
    "coursecompanion.shared_cache.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag on every GET, and 304 Not Modified for a matching If-None-Match: ChatGPT re-reading a
    # chapter it already holds gets no body. Outside the middleware below, so the ETag covers
    # the body they finished.
    "django.middleware.http.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

if not env.str("DATABASE_URL", default="") and not LOCAL_DEFAULTS_ALLOWED:
    # Never fall back to a local SQLite file in production: data would vanish with the machine.
    raise ImproperlyConfigured("Set DATABASE_URL (or DJANGO_DEBUG=1 for local use).")
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# An optional read replica: content and search reads go there (coursecompanion/db_routing.py);
# writes, and reads that follow a write in the same request, stay on the primary. Tests mirror
# it onto the default database, and route to it only where a test turns READ_REPLICA on.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
elif TESTING:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["coursecompanion.db_routing.ReplicaRouter"]
# Behind PgBouncer in transaction pooling, consecutive statements of one session may run on
# different server connections: no server-side cursors, no prepared statements.
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
for _database in DATABASES.values():
    # No ATOMIC_REQUESTS: every write goes through a service wrapped in transaction.atomic, and
    # reads (most of the traffic) skip the BEGIN/COMMIT round trips.
    # Persistent connections outside tests: opening one cost 44% of a chapter read (profiled,
    # issue 14). Health checks replace a connection the database or a pooler dropped before the
    # request uses it. Tests open and close their own.
    _database.setdefault(
        "CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0 if TESTING else 600)
    )
    _database.setdefault(
        "CONN_HEALTH_CHECKS", env.bool("DATABASE_CONN_HEALTH_CHECKS", default=not TESTING)
    )
    if DATABASE_PGBOUNCER and _database["ENGINE"].endswith("postgresql"):
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None

# A database that is down or hung must cost a request seconds, not gunicorn's 30 s worker
# timeout: connecting gives up after DATABASE_CONNECT_TIMEOUT seconds and a statement after
# DATABASE_STATEMENT_TIMEOUT; the API then answers 503 database_unavailable with Retry-After.
DATABASE_CONNECT_TIMEOUT = env.int("DATABASE_CONNECT_TIMEOUT", default=3)
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=10)
# SQLite (the `make run` default) serialises writers: a writer waits this long for the lock
# before its request answers 503 (Retry-After) instead of failing at once.
DATABASE_BUSY_TIMEOUT = env.int("DATABASE_BUSY_TIMEOUT", default=5)
# Seconds a client is told to wait (Retry-After) when the database is unavailable.
DATABASE_RETRY_AFTER = env.int("DATABASE_RETRY_AFTER", default=5)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options.setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    _db_options.setdefault("options", f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a transaction that will write takes the write lock when it begins, so two
    # writers queue on the busy timeout instead of one failing at once with "database is
    # locked" when it upgrades a read lock. WAL: readers never wait for the writer.
    _db_options.setdefault("transaction_mode", "IMMEDIATE")
    _db_options.setdefault("timeout", DATABASE_BUSY_TIMEOUT)
    _db_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    if TESTING:
        # A file, not Django's in-memory test database: the race tests run real threads
        # through a live server, each with its own connection, as `make run` serves. One file
        # per test process (a test may run pytest inside pytest).
        import tempfile

        DATABASES["default"].setdefault("TEST", {}).setdefault(
            "NAME", str(Path(tempfile.gettempdir()) / f"coursecompanion-test-{os.getpid()}.sqlite3")
        )

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

# The signed-in user behind a token is cached (access/user_cache.py) where every process can
# drop it when the user changes: Redis, or the one process of a test run. Seconds; 0 is off.
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=60 if REDIS_URL or TESTING else 0)

# Published content is cached; a local-memory cache is per process, so the TTL bounds how long
# another worker may serve text an editor has just changed (Redis invalidates at once).
CONTENT_CACHE_SECONDS = env.int("CONTENT_CACHE_SECONDS", default=300 if REDIS_URL else 30)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
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
# Chunked bodies (no Content-Length) outside the API, i.e. admin media uploads, are read up to
# this size (coursecompanion/wsgi_body.py); API bodies keep the limit above.
CHUNKED_BODY_MAX_SIZE = env.int("CHUNKED_BODY_MAX_SIZE", default=100 * 1024 * 1024)

API_PAGE_SIZE_DEFAULT = 20
API_PAGE_SIZE_MAX = 100
API_OFFSET_MAX = 1_000_000

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not TESTING)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One JSON object per line (coursecompanion/logs.py), for production and `make run` alike.
    "formatters": {"json": {"()": "coursecompanion.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
        "null": {"class": "logging.NullHandler"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers would print its lines a second time (its console handler in
        # DEBUG, then the root's): everything goes to the root's handler, once.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # The request log line (coursecompanion.request) replaces the development server's
        # and django.request's per-request lines; django.request's errors (5xx, with the
        # traceback) still come through.
        "django.server": {"handlers": ["null"], "propagate": False},
        "django.request": {"handlers": [], "level": "ERROR", "propagate": True},
    },
}

# JWT (simplejwt). Its own signing key, so rotating it logs everyone out without touching sessions.
JWT_SIGNING_KEY = _secret("JWT_SIGNING_KEY", "insecure-local-only-jwt-key-never-use-in-production")

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
    # Tokens carry a hash of the password hash: changing a password revokes every token issued
    # before (access tokens in JWTAuthentication, refresh tokens in access/services.py).
    "CHECK_REVOKE_TOKEN": True,
}

# --- Quizzes ---
# Submits a student may make per quiz per UTC day: stops brute-forcing the answer key (429 past it).
# Days the search-gap log and the access log (the dashboard's upgrade wall) are kept;
# `manage.py prune_search_log` deletes older rows.
SEARCH_LOG_DAYS = env.int("SEARCH_LOG_DAYS", default=90)
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
# Rates are "<count>/<period>" with period s, m, h or d (e.g. "60/m", "10/5m").
RATE_LIMITS = {
    # Signed-in callers, keyed on the user id: per operation, and across the whole API.
    "user_per_operation": env.str("RATE_LIMIT_USER_PER_OPERATION", default="60/m"),
    "user_total": env.str("RATE_LIMIT_USER_TOTAL", default="300/m"),
    # Anonymous callers, keyed on the client IP.
    "anon_per_operation": env.str("RATE_LIMIT_ANON_PER_OPERATION", default="60/m"),
    "anon_total": env.str("RATE_LIMIT_ANON_TOTAL", default="300/m"),
    # Password guessing: failed POST /auth/token per account and IP, per account (any IP: looser,
    # so a stranger cannot lock the owner out) and per IP (any account).
    "login_per_account_ip": env.str("RATE_LIMIT_LOGIN_PER_ACCOUNT_IP", default="5/m"),
    "login_per_account": env.str("RATE_LIMIT_LOGIN_PER_ACCOUNT", default="20/m"),
    "login_per_ip": env.str("RATE_LIMIT_LOGIN_PER_IP", default="20/m"),
    "register_per_ip": env.str("RATE_LIMIT_REGISTER_PER_IP", default="10/h"),
    # Anonymous OAuth client registrations (MCP clients such as ChatGPT register themselves).
    "client_register_per_ip": env.str("RATE_LIMIT_CLIENT_REGISTER_PER_IP", default="20/h"),
    # Calls refused before their operation runs (400, 401, 403, 413, 422), per user a valid
    # token names, else per IP; past it every call of that caller answers 429.
    "rejected": env.str("RATE_LIMIT_REJECTED", default="60/m"),
}
# Per-operation rates replacing the per-operation default, by operationId: {"submitQuiz": "20/m"}.
RATE_LIMIT_OPERATIONS = env.dict("RATE_LIMIT_OPERATIONS", default={})


# --- proxies and HTTPS ---
# Proxies in front of the app (1 behind a single load balancer) that set X-Forwarded-Proto and
# append the client's address to X-Forwarded-For. 0 (no proxy): both headers are ignored, since
# clients can forge them. RATE_LIMIT_TRUSTED_PROXIES is the old name.
TRUSTED_PROXY_HOPS = env.int(
    "TRUSTED_PROXY_HOPS", default=env.int("RATE_LIMIT_TRUSTED_PROXIES", default=0)
)
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")
if TRUSTED_PROXY_HOPS > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Off by default: turn HSTS on (e.g. 31536000) once HTTPS works for the host, since browsers
# then refuse plain HTTP to it for that long. Redirecting HTTP to HTTPS needs a proxy that says
# which scheme the client used (TRUSTED_PROXY_HOPS > 0); health checks are never redirected.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
# Off by default, and only with HSTS on: including subdomains makes browsers refuse plain HTTP to
# every subdomain too, and preload asks browsers to ship the host in their built-in HSTS list,
# which takes months to undo. Turn them on only when every subdomain serves HTTPS for good.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]


# --- the public address, OAuth account linking and the GPT (access, chatgpt) ---
# Where clients reach this deployment (scheme and host, no trailing slash): the OpenAPI
# documents' `servers`, the OAuth metadata and the GPT schema name it. ChatGPT refuses a schema
# without it, and a wrong one sends students to the wrong host, so production must set it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")
if not PUBLIC_BASE_URL:
    if not LOCAL_DEFAULTS_ALLOWED:
        raise ImproperlyConfigured("Set PUBLIC_BASE_URL (e.g. https://course.example.com).")
    PUBLIC_BASE_URL = "http://127.0.0.1:8000"
elif not (DEBUG or TESTING) and not PUBLIC_BASE_URL.startswith("https://"):
    # OAuth codes, tokens and the sign-in form travel to this address.
    raise ImproperlyConfigured("PUBLIC_BASE_URL must start with https:// in production.")

# Shown on the privacy and terms pages as where to ask for an account's deletion.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="")

# The student signs in on our own page during the OAuth flow (access/views.py).
LOGIN_URL = "oauth-sign-in"


def _pkce_required(client_id: str) -> bool:
    # DOT calls this per authorization request; a settings module cannot import models.
    from access.oauth import pkce_required

    return pkce_required(client_id)


# Named so our models' foreign keys to DOT's (swappable) application resolve in migrations.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

OAUTH2_PROVIDER = {
    # What a student consents to, in the words the consent page shows.
    "SCOPES": {
        "read": (
            "Read and search the course, see your own progress and streak, "
            "and check what your plan unlocks."
        ),
        "write": (
            "Submit quiz answers, mark chapters as started or finished, check in for your "
            "daily streak, and change your display name or time zone."
        ),
        "offline_access": "Stay connected after this chat ends, until you disconnect the app.",
    },
    # No default: a request without a scope is refused (invalid_scope), never silently widened.
    "DEFAULT_SCOPES": [],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": env.int("OAUTH_CODE_SECONDS", default=60),
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_DAYS", default=30) * 86400,
    "ROTATE_REFRESH_TOKEN": True,
    # A replayed (already rotated) refresh token revokes its whole family.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # ChatGPT's Actions send no PKCE: optional for confidential clients, required for public ones.
    "PKCE_REQUIRED": _pkce_required,
    "OAUTH2_VALIDATOR_CLASS": "access.oauth.CourseCompanionOAuth2Validator",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] + (["http"] if DEBUG or TESTING else []),
    "ALLOW_URI_WILDCARDS": False,
    # The student sees the consent page once per app; later authorizations with the same
    # scopes (while a token lives) go straight back to ChatGPT.
    "REQUEST_APPROVAL_PROMPT": "auto",
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_post", "client_secret_basic"],
    "OIDC_ISS_ENDPOINT": PUBLIC_BASE_URL,
    # RFC 7591 dynamic registration, for MCP clients (ChatGPT Apps register themselves, with no
    # account): open to anyone, so access/client_registration.py rate limits it per IP, checks the
    # redirect URIs and records every registration before DOT creates the client.
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    # RFC 9728 protected-resource metadata (access/oauth.py: ProtectedResourceMetadataView).
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Course Companion",
    # RFC 9700 best practice, enforced now rather than at DOT 4.0: no implicit or password
    # grant, no "plain" PKCE, no token in a query string, tokens stored only as hashes, and the
    # issuer named in every authorization response (RFC 9207).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# --- the MCP server at /mcp (coursecompanion/mcp_server.py) ---
# Threads per process that run tools (each keeps its own database connection while
# DATABASE_CONN_MAX_AGE allows): bounds the connections an `mcp:` worker holds.
MCP_WORKER_THREADS = env.int("MCP_WORKER_THREADS", default=8)
