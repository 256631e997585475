"""Settings, all read from the environment.

With nothing set the portal runs on an SQLite file, console e-mail and Celery
over kombu's filesystem transport, so it needs no server. ``DATABASE_URL``,
``REDIS_URL`` (or ``CELERY_BROKER_URL``), ``EMAIL_URL``, ``SECRET_KEY``,
``DEBUG`` and ``ALLOWED_HOSTS`` configure a production deployment.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR") or BASE_DIR / "var")

VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")


def _env_str(name: str) -> str:
    """An environment variable, with set-but-empty treated as unset."""
    return (os.environ.get(name) or "").strip()


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = _env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    # Local development only: DEBUG=1 is never a production setting.
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.access",
    "apps.organizations",
    "apps.accounts",
    "apps.courses",
    "apps.classes",
    "apps.assignments",
    "apps.badges",
    "apps.activity",
    "apps.achievements",
    "apps.issued_badges",
    "apps.webhooks",
    "apps.credentials",
    "apps.notifications",
    "apps.people",
    "apps.api",
    "apps.home",
    "apps.demo",
    "apps.observability",  # /metrics, the request id, JSON logs (on top: it reads every app, none imports it)
]

MIDDLEWARE = [
    # First and (but for axes) last: django-prometheus times each request through every middleware, and each view
    # (django_http_requests_latency_seconds_by_view_method) between its After middleware's request and response.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "apps.observability.middleware.RequestIdMiddleware",  # X-Request-ID; every log record below carries it
    # /metrics to the allowed networks or token, before the Host check and the https redirect (Prometheus scrapes
    # each host by its address, over http): apps/observability/views.py.
    "apps.observability.middleware.MetricsEndpointMiddleware",
    # /healthz and /readyz, answered before the Host check and the https redirect (a load balancer probes a host by
    # its address, over http): apps/core/health.py.
    "apps.core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages gzipped (the Roster: 39 KB of HTML, 4 KB on the wire); WhiteNoise serves static files precompressed.
    # BREACH: Django masks the CSRF token anew in every response, so the secret a compressed page carries differs
    # each time and cannot be guessed byte by byte through the response size.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.observability.middleware.QueryCountMiddleware",  # queries per request, by view (static files: none)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.RefusalLogMiddleware",  # every refused request, with its actor (portal.refusals)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # above axes: a lockout's 429 is what it counts
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out sign-in
]

# Content-Security-Policy (django-csp): every page's scripts and styles come from the portal's own static files —
# no inline script, style element or style attribute, no eval; images from the portal (and data: URIs, which
# Bootstrap's form controls draw with); nothing framed. Media answers carry their own, stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "badges_portal.urls"
WSGI_APPLICATION = "badges_portal.wsgi.application"

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
                "apps.home.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or any) through DATABASE_URL.
if _env_str("DATABASE_URL"):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # The web process and the Celery worker write to the same file.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection (CONN_MAX_AGE) is checked at each request's start and opened anew if the server dropped it (a
# restart, a failover): without it, the first request after a database restart answered 500 in each web process.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Behind a connection pooler in transaction mode (PgBouncer's pool_mode=transaction: DATABASE_POOLER=transaction),
# consecutive transactions of one web process may run on different server connections, so nothing may outlive a
# transaction on the server. The portal holds no session-level advisory lock (the evaluator's lock is a lease on a
# row) and psycopg2 prepares no statement; what remains is QuerySet.iterator(), which outside a transaction declares
# a server-side cursor WITH HOLD and fetches from it in later statements — through the pooler, possibly on another
# server connection ("cursor does not exist"). With a pooler it reads the whole result at once instead. Without one
# server-side cursors stay: the evaluator and the CSV export stream millions of rows through them in chunks.
DATABASE_POOLER = _env_str("DATABASE_POOLER").lower()
if DATABASE_POOLER not in ("", "session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOLER is 'transaction' (PgBouncer's transaction mode), 'session' or unset.")
DATABASES["default"].setdefault("DISABLE_SERVER_SIDE_CURSORS", DATABASE_POOLER == "transaction")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE columns) speed up PostgreSQL; SQLite builds the same indexes without them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Several web hosts behind a load balancer behave as one: sessions are rows in the database, and so are sign-in
# failures (django-axes), idempotent API answers, everything a request leaves behind but uploaded images (MEDIA_ROOT).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# The cache holds counts every web process must share — the API's rate per key (apps/api/throttling.py) and the
# forgot-password limit (apps/accounts/throttling.py): a cache of each process's own would let N processes allow N
# times each rate. CACHE_URL names it (redis://… or any django-environ cache URL); else it is REDIS_URL's Redis (the
# broker's: its keys are prefixed, and expire); else — no Redis, so one host, as for the filesystem broker — files
# in VAR_DIR/cache, shared by that host's processes. `check --deploy` warns (portal.W001, apps/core/checks.py) of a
# cache kept per process, or per host while Celery's broker is Redis. Redis unreachable: the counts are skipped
# (logged), requests are answered, and /readyz says so.
_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
_redis = _env_str("REDIS_URL") or (_broker if (_broker := _env_str("CELERY_BROKER_URL")).startswith("redis") else "")
if _cache_url := _env_str("CACHE_URL"):
    _backend = _REDIS_CACHE if _cache_url.startswith(("redis://", "rediss://")) else None
    _cache = env.cache_url_config(_cache_url, backend=_backend)
elif _redis:
    _cache = {"BACKEND": _REDIS_CACHE, "LOCATION": _redis}
else:
    _cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
_cache.setdefault("KEY_PREFIX", "portal")
if _cache["BACKEND"] == _REDIS_CACHE:
    # A Redis that stopped answering costs a request two seconds at most, not the kernel's TCP timeout.
    _cache["OPTIONS"] = {"socket_connect_timeout": 2, "socket_timeout": 2, **_cache.get("OPTIONS", {})}
CACHES = {"default": _cache}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "apps.accounts.backends.PortalBackend"]
# Sign-in protection (django-axes): after SIGN_IN_FAILURE_LIMIT failed sign-ins for one account, or from one
# address, sign-in is refused for SIGN_IN_LOCKOUT_MINUTES (429, the same words whether the account exists or
# not); a success clears the count. Administrators unlock a person on their profile (or in the admin: Access
# attempts; or `manage.py axes_reset_username <username>`). The address is the peer's, or — behind
# TRUSTED_PROXY_COUNT proxies — the one they saw (X-Forwarded-For, counted from the right).
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_CALLABLE = "apps.accounts.throttling.sign_in_username"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.throttling.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password", "csrfmiddlewaretoken"]
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Forgot password: at most this many requests per hour from one address, and for one e-mail address.
PASSWORD_RESET_RATE = (
    env.int("PASSWORD_RESET_PER_ADDRESS", default=10),
    env.int("PASSWORD_RESET_PER_EMAIL", default=3),
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(_env_str("MEDIA_ROOT") or VAR_DIR / "media")
# The portal serves MEDIA_ROOT itself (apps/core/media.py: images only, sandboxed) unless a web server does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The Issue Badges form posts one field per chosen student (up to 5,000).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console by default, any backend through EMAIL_URL (smtp://…).
if _env_str("EMAIL_URL"):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Badges Portal <badges@localhost>")
# Badge e-mails (apps/notifications): a digest waits this many seconds for its recipient's other new badges.
BADGE_EMAIL_DIGEST_WAIT = env.int("BADGE_EMAIL_DIGEST_WAIT", default=300)
# The portal's address, for links in e-mails sent by background jobs (they have no request).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")
# The REST API (apps/api): API keys only, JSON only, cursor pages, a rate per key (API_RATE, e.g. "600/min").
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttling.PerKeyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.Cursor",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 100,
}
API_RATE = env.str("API_RATE", default="600/min")
# Webhooks go to public addresses only: a URL on a loopback, private or link-local network (the cloud's metadata
# service, an internal admin page) is refused, unless this is set — a receiver on the same machine or network in
# development, or an integration inside a private network on purpose.
WEBHOOKS_PRIVATE_NETWORKS = env.bool("WEBHOOKS_PRIVATE_NETWORKS", default=DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Badges Portal API",
    "DESCRIPTION": "Award badges, feed the activity achievements count, follow issued badges. "
    "Send `Authorization: Bearer <API key>`; every POST accepts `Idempotency-Key`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Credentials that travel (apps/credentials): Open Badges 2.0/3.0 documents, did:web, status lists.
# CREDENTIALS_KEY encrypts the organizations' private signing keys at rest: a Fernet key (32 url-safe base64
# bytes; `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`), or several
# separated by commas to rotate it (the first encrypts, all decrypt). Without it, signing refuses to work unless
# DEBUG or DEMO is set, where a fixed development key is used.
CREDENTIALS_KEY = _env_str("CREDENTIALS_KEY")
# The host the issuer's did:web and every Open Badges id are built from (ids are signed: keep it stable).
CREDENTIALS_BASE_URL = (_env_str("CREDENTIALS_BASE_URL") or PORTAL_URL).rstrip("/")
# The issuer profile's contact address (Open Badges 2.0 requires one).
CREDENTIALS_ISSUER_EMAIL = _env_str("CREDENTIALS_ISSUER_EMAIL")
# Sign new credentials in the background after commit (on the queue below) instead of at their first request.
CREDENTIALS_SIGN_AHEAD = env.bool("CREDENTIALS_SIGN_AHEAD", default=False)
CREDENTIALS_QUEUE = env.str("CREDENTIALS_QUEUE", default="credentials")

# The demo (./scripts/run-demo.sh sets DEMO=1): the sign-in page lists the demo logins, if the demo data is loaded.
# Never set in production: a production database that has the demo organization must not advertise its password.
DEMO = env.bool("DEMO", default=False)

# Celery: Redis when configured, else kombu's filesystem transport (one host).
REDIS_URL = _env_str("REDIS_URL")
# The filesystem transport ignores the host; naming one spares a warning at every start of the worker.
CELERY_BROKER_URL = _env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost//"
# The evaluator's lease (apps/achievements/services/runs.py): a run renews it every few seconds while it works; a
# run silent for this long is taken for dead (its worker was killed) and marked interrupted, and the next may start.
EVALUATION_LEASE = env.float("EVALUATION_LEASE", default=120)
# Full evaluations are split into shards that Celery workers run (apps/achievements/services/shards.py): an achievement
# whose statement reads more than this many activity records is split by ranges of student ids. EVALUATION_FAN_OUT=0
# runs a full evaluation's shards in the process of its task instead, one after the other.
EVALUATION_SHARD_ROWS = env.int("EVALUATION_SHARD_ROWS", default=1_000_000)
EVALUATION_FAN_OUT = env.bool("EVALUATION_FAN_OUT", default=True)
# A shard that raises is retried this many times, first after this many seconds, then twice as long each time.
EVALUATION_SHARD_RETRIES = env.int("EVALUATION_SHARD_RETRIES", default=3)
EVALUATION_SHARD_RETRY_DELAY = env.float("EVALUATION_SHARD_RETRY_DELAY", default=2)
# Redis keeps a message a worker took, unacknowledged, until its task ends (acks_late tasks: the evaluator,
# webhooks, credentials) or, for an ETA, until it is due; a worker killed meanwhile never acknowledges it, and
# the next worker to look puts it back in the queue once it has been out this long (kombu's default: an hour,
# during which a killed evaluation would not be redone). It must exceed the longest task — a full evaluation at
# the design's size takes a few minutes; the others seconds — or a task still running is handed to a second
# worker (harmless: every task is idempotent and the second evaluation is skipped, but wasted); it must exceed
# the longest countdown (5 s) for the same reason, and EVALUATION_LEASE so that a redelivered evaluation finds
# the killed run's lease expired and redoes its work.
CELERY_VISIBILITY_TIMEOUT = env.float("CELERY_VISIBILITY_TIMEOUT", default=15 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(CELERY_VISIBILITY_TIMEOUT, EVALUATION_LEASE + 10)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),  # fanout exchanges; else "control/" in the current folder
    }
# A worker process reserves one message at a time (the late-acknowledged tasks: the evaluation's shards above all):
# a long shard does not hold back short ones another worker could run.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Beat's schedule state (when each entry last ran) is a file on the host beat runs on: there is exactly one beat
# process (README), so one file; a beat moved to another host starts with a fresh file and merely runs each entry
# at its next due time.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# HTTPS in production (DEBUG off), each settable from the environment with a safe default: redirect http to https,
# HSTS for a year on every subdomain, secure cookies. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER to the header it sets ("X-Forwarded-Proto", or "X-Forwarded-Proto: https") — only when the
# proxy always sets it, or a client could claim https.
if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading commits the domain to browsers' built-in lists (hard to undo): the operator's decision, off by
    # default — so Django's reminder about it (security.W021) is silenced unless it is on.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
if _proxy_header := _env_str("SECURE_PROXY_SSL_HEADER"):
    _name, _, _value = _proxy_header.partition(":")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip() or "https")

# Observability (apps/observability; README: Observability). /metrics answers clients whose address (client_ip:
# behind TRUSTED_PROXY_COUNT proxies, the one they saw) is in METRICS_ALLOWED_NETWORKS (CIDRs, comma-separated;
# default loopback only), or that send "Authorization: Bearer <METRICS_TOKEN>" when it is set; anyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = _env_str("METRICS_TOKEN")
# Log lines: "json" (one object per line: time, level, logger, message, request_id, task_id and task_name in a
# Celery task, exc_info, extra fields), the default when DEBUG is off; "text" (the message alone, and Celery's own
# format in a worker), the default with DEBUG on, so the development server and the demo read as before.
LOG_FORMAT = (_env_str("LOG_FORMAT") or ("text" if DEBUG else "json")).lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT is 'json' or 'text'.")

# Every record is printed once, by the root's console handler. Django's default configuration gives the "django"
# logger a console handler of its own (under DEBUG) and lets it propagate to the root too, which printed each of
# its messages twice ("Watching for file changes with StatReloader"): "django" keeps only mail_admins here.
# Naming "django" resets its children, so runserver's request log keeps Django's own handler and format.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "require_debug_false": DEFAULT_LOGGING["filters"]["require_debug_false"],
        "request_context": {"()": "apps.observability.logging.RequestContextFilter"},  # request_id, task_id
    },
    "formatters": {
        "django.server": DEFAULT_LOGGING["formatters"]["django.server"],
        "json": {"()": "apps.observability.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        },
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
        "mail_admins": DEFAULT_LOGGING["handlers"]["mail_admins"],
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # each failed sign-in and lockout, with the account and address; no chatter
        "portal.refusals": {"level": "WARNING"},  # one line per refused request: status, path, actor, address
    },
}
