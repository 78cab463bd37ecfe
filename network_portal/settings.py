"""Settings of the portal: one module, every deploy-specific value from the environment.

``PORTAL_ENV`` selects the mode. ``development`` (the default) runs with safe local defaults:
SQLite, eager Celery, e-mail printed to the console. ``production`` requires ``SECRET_KEY``,
``ALLOWED_HOSTS``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``EMAIL_URL`` and turns on the
secure cookie, HSTS and redirect settings. ``.env.example`` lists every variable.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PORTAL_ENV = env.str("PORTAL_ENV", default="development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"PORTAL_ENV must be 'development' or 'production', not {PORTAL_ENV!r}."
    )
PRODUCTION = PORTAL_ENV == "production"


def required(name: str, dev_default: str) -> str:
    """Read a variable that production must set; development falls back to a safe default."""
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required when PORTAL_ENV=production."
        )
    return dev_default


SECRET_KEY = required("SECRET_KEY", "django-insecure-development-only-key-never-in-production")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "The environment variable ALLOWED_HOSTS is required when PORTAL_ENV=production."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third-party (django-axes under a Russian name in the administration)
    "network_portal.accounts.axes_config.AxesConfig",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "js_lib_htmx",
    "simple_history",
    # {% partialdef %}: a fragment of a page (an htmx swap) lives in the page's template
    # and renders as "app/page.html#name"; the loaders are set out in TEMPLATES below.
    "template_partials.apps.SimpleAppConfig",
    # platform
    "network_portal.accounts",
    "network_portal.access",
    "network_portal.audit",
    "network_portal.ui",
    "network_portal.documents",
    "network_portal.notifications",
    "network_portal.outbox",
    # domain, in dependency order (each may import the ones above it)
    "schools",
    "diagnostics",
    "partnerships",
    "roadmaps",
    "events",
    "knowledge",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Files handed out behind a permission check: Cache-Control: private, no-store.
    "network_portal.documents.middleware.PrivateDownloadsMiddleware",
    # Pages (text only) gzip-compressed here, with Django's BREACH mitigations: see
    # network_portal/ui/compression.py and README «Deployment».
    "network_portal.ui.compression.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF (the first to read a POST body): refuses a body larger than the view allows.
    "network_portal.ui.request_size.RequestSizeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view requires login unless decorated with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside MessageMiddleware: says "e-mails will follow" when the broker was down.
    "network_portal.outbox.middleware.OutboxNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that a locked-out login attempt gets axes' response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "network_portal.urls"
WSGI_APPLICATION = "network_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "csp.context_processors.nonce",
                "network_portal.ui.context_processors.shell",
            ],
        },
    },
    # Plain text (e-mail bodies and subjects): the same templates, no HTML escaping, so a
    # school named МБОУ "СОШ <№ 5>" reads as such and not as &quot;…&lt;.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Data ---------------------------------------------------------------------------------

# An empty DATABASE_URL counts as unset (``make demo`` clears it to force SQLite).
DATABASES = {
    "default": env.db_url_config(required("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that accepts and never answers must not hold a worker forever (libpq waits
    # without limit by default). /healthz uses shorter timeouts of its own.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=10)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# django-environ leaves a CACHE_URL's query options (``?key_prefix=…&timeout=…``) in lower case,
# which Django ignores: two installations (or two bench regions) on one Redis database would
# then share every key, watermarks and kept pages included.
CACHES["default"] = {
    (key.upper() if key.islower() else key): value for key, value in CACHES["default"].items()
}
# Reminder runs of the same day read only the rows changed since the last run (a watermark in
# the cache, ``notifications/watermark.py``): only with a cache shared by web and worker processes.
REMINDERS_INCREMENTAL = env.bool(
    "REMINDERS_INCREMENTAL",
    default=not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")),
)
# The school card's body is kept in the cache until any write that may feed it
# (``schools/card_cache.py``): only with a cache shared by every process, like the watermark.
SCHOOL_CARD_CACHE = env.bool(
    "SCHOOL_CARD_CACHE",
    default=not CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache")),
)

# --- Auth ---------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 9},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Brute-force protection (network_portal/accounts/throttle.py): a login is locked per pair
# (address, account) after repeated failures, so a stranger's failures never lock the owner
# out from their own address; an address failing too often over any accounts is refused.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
# The client's address behind the reverse proxy (README «Deployment behind a proxy»): the
# number of proxies that append to X-Forwarded-For (0: no proxy, the header is ignored) and,
# optionally, the proxies' own addresses or networks the header is believed from.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
PROXY_TRUSTED_IPS = env.list("PROXY_TRUSTED_IPS", default=[])
AXES_CLIENT_IP_CALLABLE = "network_portal.accounts.client_ip.client_ip"
# The login form's field is "username" (axes would look for "email", the USERNAME_FIELD, and
# lock nothing); the key is lower-cased so "A@x.ru" and "a@x.ru" count as one account.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "network_portal.settings.axes_username"


def axes_username(request, credentials=None) -> str:
    data = credentials or getattr(request, "POST", None) or {}
    return str(data.get("username") or "").strip().lower()


AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security -----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Container and load-balancer healthchecks ask over plain http from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HSTS preload is a decision for the operator of the domain, not for the code.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy: no inline or third-party scripts. Inline style attributes are
# allowed because server-rendered SVG charts and progress bars use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],  # as X_FRAME_OPTIONS = "DENY"; the embed page allows all
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured(f"The package {name!r} is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the bootstrap-wrapper package: no CDN, no download at run time.
    ("vendor/bootstrap", _package_dir("bootstrap")),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded scans, evidence and generated documents: never under a public URL, served only
# through permission-checked views (see network_portal.documents).
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Development and tests serve static files straight from their folders; production serves
# the collected, compressed and hashed copies from STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Request bodies (network_portal.ui.request_size): views marked @accepts_upload take files up
# to UPLOAD_MAX_SIZE from logged-in users; every other body is at most REQUEST_BODY_MAX_SIZE.
# The proxy's client_max_body_size is UPLOAD_MAX_SIZE + REQUEST_BODY_MAX_SIZE (README).
UPLOAD_MAX_SIZE = env.int("UPLOAD_MAX_SIZE", default=20 * 1024 * 1024)
REQUEST_BODY_MAX_SIZE = env.int("REQUEST_BODY_MAX_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_SIZE
# Teacher difficulties survey (seed 004): a school's answers are shown only from this many on.
DIAGNOSTICS_SURVEY_MIN_RESPONSES = env.int("DIAGNOSTICS_SURVEY_MIN_RESPONSES", default=5)
# While a survey is open its figures are republished only after this many new answers (so
# nobody learns one teacher's answer by comparing the page before and after it); never below 5.
DIAGNOSTICS_SURVEY_PUBLISH_STEP = max(5, env.int("DIAGNOSTICS_SURVEY_PUBLISH_STEP", default=5))

# --- E-mail -------------------------------------------------------------------------------

vars().update(env.email_url_config(required("EMAIL_URL", "consolemail://")))
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Портал сетевого взаимодействия <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Celery -------------------------------------------------------------------------------

CELERY_BROKER_URL = required("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # network_portal.notifications: each reminder is sent once; failures retried by the next run.
    "send-reminders": {"task": "notifications.send_reminders", "schedule": timedelta(hours=1)},
    # network_portal.documents: jobs whose worker died or whose message was lost are queued again.
    "recover-document-jobs": {
        "task": "documents.recover_jobs",
        "schedule": timedelta(minutes=5),
    },
    # schools: imports whose worker died become «прерван» and can be started again.
    "recover-imports": {"task": "schools.recover_imports", "schedule": timedelta(minutes=5)},
    # network_portal.outbox: tasks that could not be queued when their change was saved.
    "outbox-send-pending": {"task": "outbox.send_pending", "schedule": timedelta(minutes=2)},
    # events: registration, promotion and cancellation letters still owed (a failed or lost send).
    "events-retry-emails": {"task": "events.retry_emails", "schedule": timedelta(minutes=30)},
    # partnerships: signed agreements past their term become «истекло».
    "expire-agreements": {"task": "partnerships.expire_agreements", "schedule": timedelta(hours=6)},
    # reports: the impact page's and the coordinator panel's aggregates (reports/aggregates.py,
    # REFRESH_EVERY): the pages read them, never a whole region.
    "refresh-figures": {"task": "reports.refresh_figures", "schedule": timedelta(minutes=5)},
    # partnerships: the candidate rows of matching one school, read again after a change.
    "warm-candidates": {"task": "partnerships.warm_candidates", "schedule": timedelta(minutes=2)},
    # roadmaps: the overview's per-school counts brought up to the day (roadmaps/counts.py).
    "keep-roadmap-counts": {"task": "roadmaps.keep_counts", "schedule": timedelta(minutes=10)},
}

# --- UI -----------------------------------------------------------------------------------

# Django's renderer, with «—» for a select's empty choice instead of «---------»
FORM_RENDERER = "network_portal.ui.renderers.PortalFormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Logging: to stderr; no personal data is logged by the portal's own code. --------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs every step of every PDF at INFO (fonts, stylesheets).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
