"""Settings for the law-enforcement request portal.

Everything comes from the environment through portal.env. Development defaults
are safe (SQLite, eager Celery, e-mail written to files under var/mail/); DJANGO_ENV=production refuses
to start without the secrets it needs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_required, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
    DEBUG = env_bool("DEBUG", False)
    # Base64 of 32 random bytes; wraps the per-file keys of documents and packages.
    FILE_ENCRYPTION_KEY = env_required("FILE_ENCRYPTION_KEY")
    # Base64 of a raw 32-byte Ed25519 private key; signs published reports.
    REPORT_SIGNING_KEY = env_required("REPORT_SIGNING_KEY")
    # Base64 of a raw 32-byte Ed25519 private key of the audit log alone; signs its checkpoints.
    LOG_SIGNING_KEY = env_required("LOG_SIGNING_KEY")
else:
    SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-never-use-in-production-0123456789abcdef")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DEBUG = env_bool("DEBUG", True)
    # Fixed development keys so `make run` works out of the box; never used in production.
    FILE_ENCRYPTION_KEY = env_str("FILE_ENCRYPTION_KEY", "ZGV2LW9ubHktZmlsZS1rZXktMzItYnl0ZXMtbG9uZyE=")
    REPORT_SIGNING_KEY = env_str("REPORT_SIGNING_KEY", "ZGV2LW9ubHktcmVwb3J0LXNpZ25pbmcta2V5LTMyYiE=")
    LOG_SIGNING_KEY = env_str("LOG_SIGNING_KEY", "ZGV2LW9ubHktYXVkaXQtbG9nLXNpZ25pbmcta2V5ISE=")
# Earlier master keys, comma-separated base64, still accepted for reading while
# `manage.py rotate_file_keys` re-wraps every file key under FILE_ENCRYPTION_KEY (requests_app/crypto.py).
FILE_ENCRYPTION_KEYS_OLD = env_list("FILE_ENCRYPTION_KEYS_OLD")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_htmx",
    "django_filters",
    "django_countries",
    "phonenumber_field",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "requests_app",
    "requests_app.intake",
    "requests_app.review",
    "requests_app.production",
    "requests_app.cybertipline",
    "transparency",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language (also for the API);
    # Django's LocaleMiddleware, except that the legal workspace stays English.
    "requests_app.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A refusal (requests_app.exceptions.PortalError) no web view answered: a message or the error page.
    "requests_app.middleware.PortalErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "requests_app.middleware.AccountStateMiddleware",
    "requests_app.middleware.RequireTwoFactorMiddleware",
    # Last, as django-axes asks, so it sees every failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "requests_app.context_processors.portal_user",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that does not answer fails the request in seconds (a 503), not after the OS timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
ERROR_RETRY_AFTER_SECONDS = env_int("ERROR_RETRY_AFTER_SECONDS", 5)  # Retry-After of a 503 (database unavailable)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
# The public pages and the law-enforcement portal (pages, findings, e-mails, letters) in these
# languages; catalogues in locale/<code>/LC_MESSAGES/django.po (docs/i18n.md). The legal team's
# workspace stays English.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("pt-br", "Português (Brasil)"),
    ("ru", "Русский"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever streamed through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- accounts, 2FA, lock-out -------------------------------------------------
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 2
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_ADAPTER = "requests_app.adapters.PortalAccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "LE Request Portal"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=30)
# Per account and address: five failures lock that account from that address, never
# other accounts behind the same address (a proxy, an agency's NAT), and a stranger
# cannot lock a victim out from everywhere. Guessing one account from many addresses
# is throttled by allauth's per-account rate limit ("5/5m/key", ACCOUNT_RATE_LIMITS).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "requests_app.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
AXES_ENABLED = env_bool("AXES_ENABLED", True)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("CACHE_URL")}}

# --- security headers ----------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- e-mail ----------------------------------------------------------------------
if PRODUCTION:
    # Reset links and verification codes must reach people, never the logs.
    EMAIL_BACKEND = env_required("EMAIL_BACKEND")
    if EMAIL_BACKEND in {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }:
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND={EMAIL_BACKEND} does not deliver mail; set a real backend in production"
        )
else:
    # Development: each e-mail is a file under var/mail/ (git-ignored), not a screenful on the console.
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LE Request Portal <le-portal@example.org>")
LEGAL_TEAM_EMAIL = env_str("LEGAL_TEAM_EMAIL", "legal-team@example.org")
# Shown to a newly registered officer waiting for verification (/accounts/pending/).
AGENCY_VERIFICATION_DAYS = env_int("AGENCY_VERIFICATION_DAYS", 2)

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"api_token": env_str("API_THROTTLE_RATE", "120/min"), "anon": "30/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Law-enforcement request portal API",
    "DESCRIPTION": "Submit and track lawful requests for user data. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside the operation's button (nested controls, WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
}

# --- Celery ------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A task killed with its worker (kill -9, out of memory) goes back to the queue, not to the bin.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Longest a task may run before Redis hands its (unacknowledged) message to another worker:
# above the longest production build, or a slow build would run twice at once.
TASK_VISIBILITY_TIMEOUT_SECONDS = env_int("TASK_VISIBILITY_TIMEOUT_SECONDS", 2 * 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": TASK_VISIBILITY_TIMEOUT_SECONDS,
    # Fail fast when the broker is down: the outbox row stays pending and the sweep publishes it.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}

# --- outbox (requests_app.outbox) ---
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 15)  # how often beat runs the sweep
OUTBOX_RELAY_GRACE_SECONDS = env_int("OUTBOX_RELAY_GRACE_SECONDS", 10)  # pending this long: the relay missed it
# Sent but unfinished this long: the message was lost (broker restarted empty, task killed): send again.
OUTBOX_REDELIVER_SECONDS = env_int("OUTBOX_REDELIVER_SECONDS", 900)
# A process that could not reach the broker leaves its next commits' rows to the sweep for this long.
OUTBOX_BROKER_BACKOFF_SECONDS = env_int("OUTBOX_BROKER_BACKOFF_SECONDS", 5)
# The after-commit relay sends the follow-ups of one change whose tasks are batchable as one message of at
# most this many rows (requests_app.outbox.followups_batch_run); 1 sends one message per follow-up.
OUTBOX_BATCH_MAX = env_int("OUTBOX_BATCH_MAX", 8)

# The audit sequencer is kicked at most once per this window per process, at its end (requests_app.audit).
AUDIT_KICK_WINDOW_SECONDS = float(env_str("AUDIT_KICK_WINDOW_SECONDS", "0.5") or 0)
# A stored file no row names is deleted once it is this old (requests_app.files).
ORPHAN_FILE_GRACE_SECONDS = env_int("ORPHAN_FILE_GRACE_SECONDS", 3600)

CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "requests_app.tasks.deadlines_sweep_task", "schedule": crontab(minute="*/5")},
    # Backstop for the after-commit trigger: sequences whatever is still pending (requests_app.audit).
    "sequence-log": {"task": "requests_app.tasks.sequence_pending_task", "schedule": timedelta(seconds=10)},
    "sweep-outbox": {
        "task": "requests_app.tasks.outbox_sweep_task",
        "schedule": timedelta(seconds=OUTBOX_SWEEP_SECONDS),
    },
    # Stored files whose row never committed (a process killed between writing the file and COMMIT).
    "sweep-orphan-files": {"task": "requests_app.tasks.orphan_files_sweep_task", "schedule": crontab(minute=23)},
}

# --- domain settings ---------------------------------------------------------------
# The audit log's name in its checkpoints (C2SP tlog-checkpoint origin line and signed-note key name).
LOG_ORIGIN = env_str("LOG_ORIGIN", "le-portal.example/audit-log")
# An event still without a log position after this many seconds is an alarm (verify_audit, /healthz).
LOG_PENDING_ALARM_SECONDS = env_int("LOG_PENDING_ALARM_SECONDS", 60)
# At most this many pending events get positions per sequencer transaction.
LOG_SEQUENCE_BATCH = env_int("LOG_SEQUENCE_BATCH", 2000)
DEFAULT_DUE_DAYS = env_int("DEFAULT_DUE_DAYS", 14)
EMERGENCY_DUE_HOURS = env_int("EMERGENCY_DUE_HOURS", 8)
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# Malware scanning of uploads (requests_app/scanning.py): clamd's Unix socket, or its TCP host and port.
# Neither set: scanning is off and documents stay "Not scanned" (development only; production needs one).
CLAMD_SOCKET = env_str("CLAMD_SOCKET")
CLAMD_HOST = env_str("CLAMD_HOST")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 60)
CLAMD_RESCAN_SECONDS = env_int("CLAMD_RESCAN_SECONDS", 300)  # beat rescans documents still pending this often
CELERY_BEAT_SCHEDULE["rescan-pending-documents"] = {
    "task": "requests_app.tasks.documents_rescan_pending_task",
    "schedule": timedelta(seconds=CLAMD_RESCAN_SECONDS),
}
if PRODUCTION and not (CLAMD_SOCKET or CLAMD_HOST):
    raise ImproperlyConfigured("Set CLAMD_SOCKET or CLAMD_HOST in production: every upload is scanned for malware")
# An upload's pypdf parse runs in a helper process, killed after this many seconds ...
DOCUMENT_PARSE_TIMEOUT_SECONDS = env_int("DOCUMENT_PARSE_TIMEOUT_SECONDS", 10)
# ... and limited to this much address space (RLIMIT_AS); either refuses the file as too_complex.
DOCUMENT_PARSE_MEMORY_MB = env_int("DOCUMENT_PARSE_MEMORY_MB", 512)
# At most this many PDF helper processes per web or Celery process (one per parse running at once).
DOCUMENT_PARSE_HELPERS = env_int("DOCUMENT_PARSE_HELPERS", 2)
PRODUCTION_LINK_DAYS = env_int("PRODUCTION_LINK_DAYS", 14)
REMINDER_BEFORE_DUE_HOURS = env_int("REMINDER_BEFORE_DUE_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per task is useful from a worker; with tasks run in-process (make run, tests) it is noise.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
        # WeasyPrint logs each rendering step and fontTools each font subset at INFO: a dozen lines per PDF.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # runserver already prints "Watching for file changes"; the log line repeats it.
        "django.utils.autoreload": {"level": "WARNING"},
    },
}
AXES_VERBOSE = False

# --- review ---
CELERY_BEAT_SCHEDULE.update(
    {
        "review-remind-due-soon": {
            "task": "requests_app.review.tasks.reminders_send_due_task",
            "schedule": crontab(minute="*/15"),
        }
    }
)

# --- intake (law-enforcement portal and API) ---------------------------------------
ACCOUNT_FORMS = {"signup": "requests_app.intake.forms.OfficerSignupForm"}
# Public base URL used in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Who publishes the transparency reports, and where the public writes about them (page, PDF, index.json).
PLATFORM_NAME = env_str("PLATFORM_NAME", "Example Messenger")
TRANSPARENCY_CONTACT = env_str("TRANSPARENCY_CONTACT", "transparency@example.org")
# The operator's 24/7 route for emergencies, shown on the officer's pages (officer home, new-request
# form, the emergency guide). Either may be empty; with both empty the pages say to use the form.
EMERGENCY_CONTACT_PHONE = env_str("EMERGENCY_CONTACT_PHONE", "")
EMERGENCY_CONTACT_EMAIL = env_str("EMERGENCY_CONTACT_EMAIL", "")
# Drafts of the new-request form (requests_app.intake.drafts) are deleted this many days after their last save.
DRAFT_TTL_DAYS = env_int("DRAFT_TTL_DAYS", 30)
# EU DSA (Reg. 2024/2835 Art. 2): a very large online platform also reports per half-year, others per calendar year.
TRANSPARENCY_DSA_VLOP = env_bool("TRANSPARENCY_DSA_VLOP", False)
# Adds /api/bench/bare/ (a bare DRF endpoint) for bench/intake only; never set in production.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False) and not PRODUCTION
CELERY_BEAT_SCHEDULE.update(
    {
        "intake-purge-idempotency": {
            "task": "requests_app.intake.tasks.idempotency_purge_task",
            "schedule": crontab(minute=17),
        },
        "intake-purge-pending-uploads": {
            "task": "requests_app.intake.tasks.pending_uploads_purge_task",
            "schedule": crontab(minute="*/15"),
        },
        "intake-purge-drafts": {
            "task": "requests_app.intake.tasks.drafts_purge_task",
            "schedule": crontab(minute=41),
        },
    }
)

# --- production ---
# Where the platform's data is read from, and how account holders are told (docs/record-source.md).
# Production must name the platform's real implementations: the demo ones make up data.
if PRODUCTION:
    RECORD_SOURCE = env_required("RECORD_SOURCE")
    USER_NOTIFIER = env_required("USER_NOTIFIER")
else:
    RECORD_SOURCE = env_str("RECORD_SOURCE", "requests_app.production.records.DemoRecordSource")
    USER_NOTIFIER = env_str("USER_NOTIFIER", "requests_app.production.notifier.DemoUserNotifier")
HOLD_REMINDER_DAYS = env_int("HOLD_REMINDER_DAYS", 7)  # remind the agency this many days before a hold ends
PRODUCTION_TMP_DIR = env_str("PRODUCTION_TMP_DIR")  # encrypted packages are built here (default: the system temp dir)
# The custodian and platform named in the certificates of authenticity (requests_app/production/certificate.py)
# and the DSA export; a custodian declaring from outside the U.S. uses 28 U.S.C. 1746(1)'s wording.
PRODUCTION_CUSTODIAN = env_str("PRODUCTION_CUSTODIAN", "Custodian of Records, Legal Operations")
PRODUCTION_PLATFORM_NAME = env_str("PRODUCTION_PLATFORM_NAME", "the Platform")
PRODUCTION_CUSTODIAN_OUTSIDE_US = env_bool("PRODUCTION_CUSTODIAN_OUTSIDE_US", True)
PRODUCTION_RETRY_SECONDS = env_int("PRODUCTION_RETRY_SECONDS", 30)  # first retry of a failed build; doubles each time
# A build touches its row's heartbeat this often while it writes; one silent for STALL seconds lost
# its worker (kill -9, out of memory) and beat queues it again (productions_requeue_stalled_task).
PRODUCTION_HEARTBEAT_SECONDS = env_int("PRODUCTION_HEARTBEAT_SECONDS", 10)
PRODUCTION_STALL_SECONDS = env_int("PRODUCTION_STALL_SECONDS", 600)
PRODUCTION_STALL_CHECK_SECONDS = env_int("PRODUCTION_STALL_CHECK_SECONDS", 60)
if PRODUCTION_STALL_SECONDS < 3 * PRODUCTION_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured("PRODUCTION_STALL_SECONDS must be at least 3 x PRODUCTION_HEARTBEAT_SECONDS")
CELERY_BEAT_SCHEDULE.update(
    {
        "production-requeue-stalled": {
            "task": "requests_app.production.tasks.productions_requeue_stalled_task",
            "schedule": PRODUCTION_STALL_CHECK_SECONDS,
        },
        "production-purge-expired": {
            "task": "requests_app.production.tasks.productions_purge_expired_task",
            "schedule": crontab(minute=7),
        },
        "production-release-holds": {
            "task": "requests_app.production.tasks.holds_release_expired_task",
            "schedule": crontab(hour=2, minute=17),
        },
        "production-send-notices": {
            "task": "requests_app.production.tasks.notices_send_due_task",
            "schedule": crontab(minute=37),
        },
    }
)

# --- CyberTipline register (docs/cybertipline.md) ---
# Internal maximum from actual knowledge to submission (18 U.S.C. 2258A(a)(1): "as soon as reasonably possible").
CYBERTIPLINE_SLA_HOURS = env_int("CYBERTIPLINE_SLA_HOURS", 24)
# NCMEC Reporting API. Unset: the demo transport records what would be sent and sends nothing.
# Test environment: https://exttest.cybertip.org/ispws ; production: https://report.cybertip.org/ispws
NCMEC_API_URL = env_str("NCMEC_API_URL", "")
NCMEC_API_USERNAME = env_str("NCMEC_API_USERNAME", "")
NCMEC_API_PASSWORD = env_str("NCMEC_API_PASSWORD", "")
NCMEC_API_TIMEOUT_SECONDS = env_int("NCMEC_API_TIMEOUT_SECONDS", 60)
# NCMEC's own schema (downloaded from the API's /xsd). Unset: the project's reconstructed subset.
NCMEC_XSD_PATH = env_str("NCMEC_XSD_PATH", "")
# The reporting person NCMEC shows investigators (Reporter/reportingPerson).
NCMEC_REPORTER_FIRST_NAME = env_str("NCMEC_REPORTER_FIRST_NAME", "Legal")
NCMEC_REPORTER_LAST_NAME = env_str("NCMEC_REPORTER_LAST_NAME", "Team")
NCMEC_REPORTER_EMAIL = env_str("NCMEC_REPORTER_EMAIL", "legal@platform.example")
CELERY_BEAT_SCHEDULE.update(
    {
        "cybertipline-sweep-deadlines": {
            "task": "requests_app.cybertipline.tasks.deadlines_sweep_task",
            "schedule": crontab(minute="*/5"),
        },
    }
)
