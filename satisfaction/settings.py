"""Settings, read from the environment (DESIGN.md "Real parts").

With no environment at all the project runs on the embedded default: an SQLite file,
Celery tasks executed in-process and a local-memory cache, so one command starts a demo.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
DEMO_SECRET_KEY = "django-insecure-demo-only-never-use-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEMO_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Which parts fell back to the embedded default; apps.py says so once at start-up.
EMBEDDED_DEFAULTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "satisfaction.apps.SatisfactionConfig",
    "agents.apps.AgentsConfig",
    "surveys.apps.SurveysConfig",
    "dashboards.apps.DashboardsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before sessions and the database: a request over its limit costs nothing (issue 9).
    "satisfaction.ratelimit.RateLimitMiddleware",
    "satisfaction.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "satisfaction.middleware.DomainErrorMiddleware",
    "satisfaction.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "satisfaction.urls"
WSGI_APPLICATION = "satisfaction.wsgi.application"

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
                "satisfaction.context_processors.navigation",
            ],
        },
    },
]

if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    EMBEDDED_DEFAULTS.append("SQLite database var/db.sqlite3")
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20},
        }
    }

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several deployments (or test sessions and their workers) may share one Redis.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default=""),
            # A stopped Redis must fail fast: rate limits and locks then fail open (issue 9).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    EMBEDDED_DEFAULTS.append("in-process Celery tasks and a local-memory cache (no REDIS_URL)")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

# Results are not needed by the product; the benchmark sets one to wait for a group.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = env("TIME_ZONE", default="Asia/Shanghai")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "nightly-full-recompute": {
        "task": "satisfaction.tasks.compute_all_scores_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Catches up on answers stored while Redis was down (their chunks are marked in the database).
    "sweep-stale-scores": {"task": "satisfaction.tasks.recompute_dirty_task", "schedule": 60.0},
    # Marks comments that arrived while the broker was down (feeds hidden dissatisfaction).
    "sweep-unclassified-comments": {"task": "surveys.tasks.classify_comments_task", "schedule": 60.0},
    # Pulse rounds (PulseSchedule rows): open the due ones, remind non-respondents, close ended ones.
    "open-due-pulse-rounds": {"task": "surveys.pulse_tasks.open_due_pulse_rounds_task", "schedule": crontab(minute=0)},
    "send-pulse-reminders": {"task": "surveys.pulse_tasks.send_pulse_reminders_task", "schedule": crontab(minute=20)},
    "close-pulse-rounds": {"task": "surveys.pulse_tasks.close_pulse_rounds_task", "schedule": crontab(minute=40)},
    # Overdue follow-up cases go to the site's supervisors within five minutes (issue 6).
    "escalate-overdue-cases": {"task": "agents.tasks.escalate_overdue_cases_task", "schedule": 300.0},
    # Texts received while Redis was down (each text queues its own processing otherwise; issue 4).
    "process-sms-inbox": {"task": "surveys.tasks.process_sms_inbox_task", "schedule": 60.0},
    # Texted invitations held by quiet hours, or queued while Redis was down (issue 4).
    "send-due-invitations": {"task": "surveys.tasks.send_due_invitations_task", "schedule": 300.0},
    # Blanks customers' phone numbers older than CONTACT_RETENTION_DAYS (issue 9).
    "apply-contact-retention": {
        "task": "surveys.tasks.apply_contact_retention_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Received texts may have a queue (and a worker) of their own, so that replies stay quick during a
# full recompute; by default they share the default queue.
SMS_INBOX_QUEUE = env("SMS_INBOX_QUEUE", default="")
CELERY_TASK_ROUTES = {"surveys.tasks.process_sms_inbox_task": {"queue": SMS_INBOX_QUEUE}} if SMS_INBOX_QUEUE else {}
# An unacknowledged job (its worker killed) is handed out again after ``visibility_timeout`` seconds,
# which must outlast the longest job (issue 9). JSON; the fault tests shorten it.
CELERY_BROKER_TRANSPORT_OPTIONS = env.json("CELERY_BROKER_TRANSPORT_OPTIONS", default={"visibility_timeout": 3600})

AUTH_USER_MODEL = "agents.User"
# Argon2 first; older hashes still verify and are upgraded at the next login (issue 9).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login brute-force protection (django-axes): a username from one address is locked out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "satisfaction.ratelimit.login_locked_out"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        # Integrations: "Authorization: Bearer <token>" (issue 9).
        "satisfaction.authentication.TokenAuthentication",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "satisfaction.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "satisfaction.ratelimit.ApiUserThrottle",
        "satisfaction.ratelimit.ApiAnonThrottle",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "satisfaction.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact-centre satisfaction API",
    "DESCRIPTION": "Customer and employee satisfaction figures (SCORING.md) for contact centres.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Product settings (SCORING.md §5 and §8).
ANONYMITY_K = env.int("ANONYMITY_K", default=5)
if ANONYMITY_K < 3:
    raise ImproperlyConfigured("ANONYMITY_K may be raised, never set below 3 (SCORING.md §5).")
CUSTOMER_TARGET = env.float("CUSTOMER_TARGET", default=85.0)
EMPLOYEE_TARGET = env.float("EMPLOYEE_TARGET", default=70.0)
# Dashboards kept rendered until the data under them changes (satisfaction/pagecache.py); this
# bounds only what no write marks, such as a case falling overdue. 0 turns the keeping off.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=120)
# Processes `compute_scores --full` scores months in; 0 means one per core.
SCORES_PROCESSES = env.int("SCORES_PROCESSES", default=0)

# Customer surveys (issue 4): the invitation rule, links and channel providers.
SURVEY_QUARANTINE_DAYS = env.int("SURVEY_QUARANTINE_DAYS", default=30)
SURVEY_MONTHLY_CAP = env.int("SURVEY_MONTHLY_CAP", default=2)
SURVEY_DEFAULT_SAMPLING_RATE = env.float("SURVEY_DEFAULT_SAMPLING_RATE", default=1.0)
# Per queue, e.g. SURVEY_SAMPLING_RATES="billing=0.5,vip=1.0".
SURVEY_SAMPLING_RATES = {k: float(v) for k, v in env.dict("SURVEY_SAMPLING_RATES", default={}).items()}
SURVEY_QUIET_HOURS_START = env.int("SURVEY_QUIET_HOURS_START", default=21)
SURVEY_QUIET_HOURS_END = env.int("SURVEY_QUIET_HOURS_END", default=8)
SURVEY_INVITATION_TTL_HOURS = env.int("SURVEY_INVITATION_TTL_HOURS", default=72)
# The public address customers and providers reach (links in texts, status callbacks).
SURVEY_PUBLIC_URL = env("SURVEY_PUBLIC_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env("SMS_BACKEND", default="surveys.channels.sms_backends.ConsoleSmsBackend")
# The console backend also appends what it "sends" here, e.g. var/sms-outbox.jsonl (numbers masked).
SMS_OUTBOX_FILE = env("SMS_OUTBOX_FILE", default="")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID", default="")
# Only bench/ingest.py turns this on: a bare view inserting one row, the throughput baseline.
BENCH_BARE_VIEW = env.bool("BENCH_BARE_VIEW", default=False)

# Rate limits (issue 9), "N/s", "N/m" or "N/h"; "off" switches one off. Survey links, webhooks
# and the login page count per client address; the API counts per login or token (anonymous
# callers per address). A request over its limit gets 429 with Retry-After.
RATE_LIMITS = {
    "survey": env("RATE_LIMIT_SURVEY", default="120/m"),
    "hooks": env("RATE_LIMIT_HOOKS", default="3000/m"),
    "login": env("RATE_LIMIT_LOGIN", default="30/m"),
    "api_user": env("RATE_LIMIT_API_USER", default="1200/m"),
    "api_anon": env("RATE_LIMIT_API_ANON", default="60/m"),
}
# Customers' phone numbers are blanked this many days after the contact (issue 9); the answers stay.
CONTACT_RETENTION_DAYS = env.int("CONTACT_RETENTION_DAYS", default=365)

# Content Security Policy (django-csp): no inline scripts or styles anywhere; the one view that
# needs an exception (Redoc) widens it for itself only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The SMTP server, e.g. smtp+tls://user:password@smtp.example.com:587 (django-environ's email URL).
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    EMAIL_HOST, EMAIL_PORT = _email["EMAIL_HOST"], _email["EMAIL_PORT"]
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email.get("EMAIL_USE_TLS", False), _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="satisfaction@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
