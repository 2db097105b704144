"""secmods settings: one module, every deployment difference read from the environment.

Defaults run on one machine with no servers (SQLite, an embedded Redis started by
`make run`, console email). Production sets DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL,
SECRET_KEY, ALLOWED_HOSTS and DEBUG=False; `manage.py check --deploy` is then clean.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ

from secmods.core.runaddr import DEFAULT_ADDR, site_url_for

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production must set SECRET_KEY (enforced below).
_DEV_SECRET_KEY = "django-insecure-secmods-development-only-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is False")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails and feeds: Celery has no request to build them from. Unless set, they
# point where `make run` serves (RUN_ADDR, default 127.0.0.1:8000).
SITE_URL = env.str(
    "SITE_URL", default=site_url_for(env.str("RUN_ADDR", default=DEFAULT_ADDR))
).rstrip("/")

INSTALLED_APPS = [
    "secmods.core.admin_site.SecmodsAdminConfig",  # django.contrib.admin, SEC apps first
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "secmods.core",
    "secmods.parties",
    "secmods.committees",
    "secmods.modifications",
    "secmods.consultations",
    "secmods.glossary",
    "secmods.reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and authentication: a cached public page costs no database query.
    "secmods.core.pagecache.PublicPageCacheMiddleware",
    "secmods.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "secmods" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    # The public pages that list many rows (secmods/register/jinja2/): see
    # secmods/register/jinja2env.py. Second, so a name both engines know is Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "secmods.register.jinja2env.environment"},
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'secmods.sqlite3'}"),
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("TEST_DATABASE_NAME", default=""):
    # Lets several checkouts run their suites against one PostgreSQL server at once.
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock at BEGIN (no deadlock on lock upgrade), and the
    # busy timeout makes a writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where a sign-in goes when its `next` is missing or refused (another site, javascript:):
# everyone who signs in works in the admin. Django's default, /accounts/profile/, is a 404.
LOGIN_REDIRECT_URL = "admin:index"

# --- Time -----------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
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

# --- Email ----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="secmods <secas@secmods.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not logged in" into 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "secmods API",
    "DESCRIPTION": "SEC modifications, timetables, meetings, comments and glossary.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # 3.1: a nullable reference is `oneOf: [{$ref}, {type: null}]`, which validators and
    # generators read as meant (3.0.3's `allOf` + `nullable` is ignored by them).
    "OAS_VERSION": "3.1.0",
}


# --- Cache ----------------------------------------------------------------------------
# Every web worker must see the same register version (secmods/core/pagecache.py), so the
# cache is shared: CACHE_URL (redis://..., or locmemcache:// for one process only), else the
# Redis that Celery uses (under `make run` the embedded one).
def _redis_cache_url(broker: str) -> str:
    # Kombu spells a Unix socket redis+socket://PATH; redis-py, unix://PATH.
    if broker.startswith("redis+socket://"):
        return "unix://" + broker.removeprefix("redis+socket://")
    return broker


# --- Celery ---------------------------------------------------------------------------
# No default broker URL here on purpose: `make run` starts an embedded Redis and exports
# CELERY_BROKER_URL; tests get theirs from tests/conftest.py. Falling back to the
# machine's Redis keeps `manage.py shell` usable.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CACHES = {
    "default": env.cache_url("CACHE_URL")
    if env.str("CACHE_URL", default="")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis_cache_url(CELERY_BROKER_URL),
    }
}
CACHES["default"]["KEY_PREFIX"] = "secmods"
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same, sharing one redis-py client per pool (a new one per call cost a cached
    # page more than its round trip): secmods/core/redis_cache.py.
    CACHES["default"]["BACKEND"] = "secmods.core.redis_cache.RedisCache"
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A cache that does not answer must cost a page a moment, not a worker's timeout.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    )
# Anonymous copies of the public pages (issue 17). The bench turns it off for cold figures.
PUBLIC_PAGE_CACHE = env.bool("PUBLIC_PAGE_CACHE", default=True)
# The longest a copy is kept (it is out of reach as soon as public content changes); also
# the most a page can lag when a change's version bump could not reach the cache.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The reminder claim timeout (REMINDER_CLAIM_TIMEOUT) must exceed the hard time limit, so a
# claim is only taken over once the worker that held it can no longer be sending.
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_TIME_LIMIT = 120
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
REMINDER_CLAIM_TIMEOUT = env.int("REMINDER_CLAIM_TIMEOUT", default=600)

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Consultations, committee feedback, agendas and Change Board votes (issue 6) -------
INSTALLED_APPS += ["secmods.votes"]
# Respondents' personal links: signed with SECRET_KEY under this salt, valid this long.
CONSULTATION_LINK_SALT = "secmods.consultations.response-link"
CONSULTATION_LINK_MAX_AGE = env.int("CONSULTATION_LINK_MAX_AGE", default=90 * 24 * 3600)
# Consultation deadlines default to this London clock time on a Working Day.
CONSULTATION_CLOSING_TIME = "17:00"
CONSULTATION_DEFAULT_WORKING_DAYS = 15

# --- Public register (issue 8): pages, calendars, feeds -------------------------------
INSTALLED_APPS.append("secmods.register")
MIDDLEWARE.append("secmods.register.middleware.ContentSecurityPolicyMiddleware")
# The register's pages use no script and no inline style: a strict policy costs nothing.
REGISTER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
REGISTER_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"
# The admin and the API's documentation pages bring inline scripts of their own.
REGISTER_CSP_EXEMPT_PREFIXES = env.list(
    "REGISTER_CSP_EXEMPT_PREFIXES", default=["/admin/", "/api/"]
)
# Meetings have a start only; calendars show them this long.
REGISTER_MEETING_DURATION = timedelta(minutes=env.int("REGISTER_MEETING_MINUTES", default=120))
# --- Documents: Modification Reports in and out, and each modification's library ----------
INSTALLED_APPS += ["secmods.documents"]
# The admin home (staff dashboard, members' agendas): last, it reads every other app.
INSTALLED_APPS += ["secmods.workspace"]
# Largest file accepted for import or for the library (bytes). A 40-page report is well under
# 1 MB as text or .docx and a few MB as PDF; 20 MB leaves room for scanned annexes while
# keeping one request's memory bounded (uploads above FILE_UPLOAD_MAX_MEMORY_SIZE spool to
# disk).
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# How long an uploaded report waits, signed, between the admin's preview and its confirm.
REPORT_IMPORT_PREVIEW_MAX_AGE = env.int("REPORT_IMPORT_PREVIEW_MAX_AGE", default=3600)

# --- Reminders (issue 4) ----------------------------------------------------------------
# Beat only wakes the dispatcher; the Reminder rows say what is due. Beat runs in UTC and
# our code computes London clock times, so no crontab here depends on the clocks changing.
# REMINDER_DISPATCH_INTERVAL (seconds) is for the fault tests, which wait for ticks.
_DISPATCH_EVERY = env.float("REMINDER_DISPATCH_INTERVAL", default=60.0)
CELERY_BEAT_SCHEDULE["reminders-dispatch-due"] = {
    "task": "secmods.reminders.tasks.dispatch_due",
    "schedule": _DISPATCH_EVERY,
    # A late tick is dropped: the next one does the same work.
    "options": {"expires": _DISPATCH_EVERY * 55 / 60},
}
# An SMTP failure is retried with backoff this many times in all before it fails for good.
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
# --- REST API (issue 5) ---------------------------------------------------------------
# Services raise Django ValidationErrors: 400 with field messages, 409 refused move, 412 stale.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "secmods.core.api.exception_handler"
# Separate request/response components: read-only fields (reference, version) are not
# asked of clients, which keeps the schema exact for generators and fuzzers.
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True
SPECTACULAR_SETTINGS["SCHEMA_PATH_PREFIX"] = "/api/v1"
# Request bodies refuse fields the serializers do not take (secmods.core.api): say so.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = [
    "drf_spectacular.hooks.postprocess_schema_enums",
    "secmods.core.api.refuse_extra_request_properties",
]
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "StageEnum": "secmods.rules.lifecycle.Stage.choices",
    "MilestoneStatusEnum": "secmods.modifications.models.MilestoneStatus",
    "MeetingStatusEnum": "secmods.committees.models.MeetingStatus",
}

# --- REST API of consultations, agendas and votes (issue 6) ------------------------------
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"],  # type: ignore[dict-item]
    "ConsultationKindEnum": "secmods.consultations.models.ConsultationKind",
    "QuestionKindEnum": "secmods.consultations.models.QuestionKind",
    "AnswerPositionEnum": "secmods.consultations.models.AnswerPosition",
    "AgendaPurposeEnum": "secmods.committees.models.AgendaPurpose",
    "VoteChoiceEnum": "secmods.rules.change_board.VoteChoice.choices",
    "BallotOutcomeEnum": "secmods.rules.change_board.BallotOutcome.choices",
}

# --- Proof under attack (issue 9): login lockout -----------------------------------------
# django-axes counts failed logins (admin, and API tokens through
# secmods.core.authentication) in the database, so every gunicorn worker sees the same count.
INSTALLED_APPS.append("axes")
# Last, so that it sees requests after authentication and answers a locked-out login itself.
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, but a committee member's rights end with their membership.
    "secmods.core.backends.MembershipAwareModelBackend",
]
# Lock the pair (username, IP) only: failures from elsewhere never lock staff out of their own
# office, and each username tried from an address has its own count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
# Behind the proxy described in docs/deploy.md the client's address is in X-Forwarded-For:
# PROXY_COUNT=1 trusts the one hop that the proxy adds (never more, or clients could
# choose their own address and dodge the lockout).
SECMODS_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "secmods.core.authentication.client_ip"
AXES_VERBOSE = False
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [
    "secmods.core.authentication.LockingTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]

# History pages are for reading: a revert would write an old copy past the services and
# their version check (core/admin.py refuses the POST too).
SIMPLE_HISTORY_REVERT_DISABLED = True
# Invitation emails go out from the worker; this sweep queues again any the broker missed.
CELERY_BEAT_SCHEDULE["consultations-queue-unsent-invitations"] = {
    "task": "secmods.consultations.tasks.queue_unsent_invitations",
    "schedule": 300.0,
    "options": {"expires": 290},
}
