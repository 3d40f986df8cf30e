"""Settings, all read from the environment (see .env.example).

The embedded default needs nothing: SQLite under ``var/``, a secret key generated there on first
run, an in-process task worker, local memory cache. Production sets ``DATABASE_URL``,
``SECRET_KEY``, ``REDIS_URL``, ``ALLOWED_HOSTS``... and runs app servers and workers apart.
"""

import importlib.util
from email.utils import parseaddr
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parents[1]

env = environ.Env()
environ.Env.read_env(PROJECT_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("GUICHET_VAR_DIR", default=str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A key generated once into var/ for the embedded mode; never committed."""
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# Production is "behind a TLS proxy" (BEHIND_TLS_PROXY=true) unless said otherwise. There every
# key comes from the environment: a key generated into var/ would differ between app servers.
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
GUICHET_PRODUCTION = env.bool("GUICHET_PRODUCTION", default=BEHIND_TLS_PROXY)
_MISSING_IN_PRODUCTION: list[str] = []


def _required_in_production(name: str, value: str, embedded=None) -> str:
    """``value`` from the environment; without it, in production the name is noted (startup is
    refused below), elsewhere ``embedded()`` makes one (generated once into var/)."""
    if value:
        return value
    if GUICHET_PRODUCTION:
        _MISSING_IN_PRODUCTION.append(name)
        return ""
    return embedded() if embedded else ""


SECRET_KEY = _required_in_production(
    "SECRET_KEY", env.str("SECRET_KEY", default=""), _embedded_secret_key
)
# Rotation: the new key in SECRET_KEY, the old ones here (comma-separated) until the sessions
# and signed links they made have expired.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.idp.oidc",
    # Our apps, one per domain (ARCHITECTURE.md). Order matters for seed_demo.
    "guichet.core",
    # What runs the platform beside the kernel: workers, backups, health, metrics, logs.
    "guichet.operations",
    "guichet.accounts",
    "guichet.territory",
    "guichet.partnership",
    "guichet.identity",
    "guichet.catalogue",
    "guichet.cases",
    "guichet.webhooks",
    "guichet.sharing",
    "guichet.notifications",
    "guichet.localinfo",
    "guichet.publicspace",
    "guichet.disability",
    "guichet.support",
    "guichet.urbanism",
    # The e-mail channel (above the engine: it files through case_submit).
    "guichet.mailgateway",
    "guichet.portal",
    "guichet.stats",
    "guichet.wallet",
]

MIDDLEWARE = [
    # X-Request-ID in, out, on every log line and task it enqueues (operations/logs.py).
    "guichet.operations.logs.RequestIdMiddleware",
    # Request counts and durations for /metrics (operations/metrics.py).
    "guichet.operations.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Content-Security-Policy with a per-request nonce for the templates' scripts.
    "guichet.core.csp.ContentSecurityPolicyMiddleware",
    # NUL bytes refused, rate limits answered, /api/ errors in its shape (core/edges.py).
    "guichet.core.edges.RequestEdgeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, throttled (accounts/activity.py).
    "guichet.accounts.activity.UserSessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After a write, this browser reads from the primary (operations/replica.py).
    "guichet.operations.replica.PrimaryPinMiddleware",
    "guichet.accounts.middleware.AgentSessionMiddleware",
    "guichet.accounts.middleware.SecondFactorMiddleware",
    # A new version of the terms of use is accepted before the services (support app).
    "guichet.support.middleware.TermsAcceptanceMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.core.context_processors.platform",
                "guichet.accounts.context_processors.franceconnect",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'guichet.sqlite3'}"
DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
# PostgreSQL only: our backend, Django's with psycopg's C timestamp parser (docs/adr/0011).
DATABASE_NATIVE_TIMESTAMPS = env.bool("DATABASE_NATIVE_TIMESTAMPS", default=False)
if DATABASE_NATIVE_TIMESTAMPS and DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_NATIVE_TIMESTAMPS is for PostgreSQL only.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process worker write while pages read; IMMEDIATE avoids
    # "database is locked" upgrades from read to write inside a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test.sqlite3")
else:
    if DATABASE_NATIVE_TIMESTAMPS:
        # Asked for: Django's backend with psycopg's C parser for timestamps (docs/adr/0011)
        DATABASES["default"]["ENGINE"] = "guichet.core.postgresql"
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server, and the statements a connection runs again and
        # again (a submission's dozen) parsed and planned once per connection: half the
        # database's CPU per submission, and no quoting of every value in Python
        # (docs/adr/0012). Turn off behind a pooler that cannot keep prepared statements
        # (PgBouncer in transaction mode before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {
                "server_side_binding": True,
                "prepare_threshold": 5,
                # Planned again with each call's values: a generic plan cannot use a partial
                # index whose condition is a parameter (the outbox's claim scanned the
                # deliveries); parsing and analysis are still saved.
                "options": "-c plan_cache_mode=force_custom_plan",
            }
        )
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# A streaming replica for public read traffic (operations/replica.py): same engine and options as
# the primary, another server; the tests read it as a mirror of the test database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **DATABASES["default"],
        **{
            key: value
            for key, value in environ.Env.db_url_config(DATABASE_REPLICA_URL).items()
            if key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")
        },
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["guichet.operations.replica.ReplicaRouter"]
# Seconds a browser reads from the primary after it wrote (longer than the replica's lag).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=30)
# Processes of pg_dump/pg_restore for `guichet backup`/`restore` (0: the cores, at most 4).
BACKUP_JOBS = env.int("BACKUP_JOBS", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (Redis when configured, else per-process memory) --------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks (Django Tasks API, database backend) ---------------------------------------
TASKS = {
    # django-tasks-db's backend, recording the enqueuing request's id with each task.
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="guichet.operations.logs.RequestIdDatabaseBackend"
        )
    }
}
# Seconds between two polls of the task queue by a worker.
WORKER_POLL_INTERVAL = env.float("WORKER_POLL_INTERVAL", default=1.0)
# Finished task rows are deleted after this many days (core.task_results_prune).
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=7)

# --- Accounts and passwords ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Strength, not composition (identity.md, CNIL 2022-100): ~50 bits of estimated entropy are
# enough because every login is throttled per IP and per account; 8 characters at least
# (ASVS), long passphrases welcome, the most common/breached passwords refused.
PASSWORD_MIN_ENTROPY_BITS = env.int("PASSWORD_MIN_ENTROPY_BITS", default=50)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "guichet.accounts.passwords.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "guichet.accounts.passwords.StrengthValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Citizens keep a session two weeks; agents and platform admins 8 hours (identity.md).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
AGENT_SESSION_AGE = env.int("AGENT_SESSION_AGE", default=8 * 3600)

# django-allauth: e-mail login, mandatory verification, throttling (per IP and per account).
ACCOUNT_ADAPTER = "guichet.accounts.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "guichet.accounts.forms.SignupExtraForm"
ACCOUNT_FORMS = {"login": "guichet.accounts.allauth_forms.LoginForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{env.str('PLATFORM_NAME', default='Guichet')}] "
ACCOUNT_RATE_LIMITS = {
    # Failed logins: per source IP and per account (the "key" is the e-mail typed).
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "10/m/ip",
    "reset_password": "10/m/ip,3/m/key",
}
MFA_ADAPTER = "guichet.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
MFA_TOTP_ISSUER = env.str("PLATFORM_NAME", default="Guichet numérique métropolitain")
# Activity of the sessions is recorded by guichet.accounts.activity, at most once per
# USERSESSIONS_ACTIVITY_SECONDS per session (allauth's own middleware writes on every request).
USERSESSIONS_TRACK_ACTIVITY = False
USERSESSIONS_ACTIVITY_SECONDS = env.int("USERSESSIONS_ACTIVITY_SECONDS", default=300)

# Our own doors' limits, counted by allauth's limiter in the Django cache (shared through Redis
# when REDIS_URL is set): allauth's syntax, "amount/window/per" (per ip, user or key), comma
# separated, empty for no limit. High enough that a citizen or a partner never meets them;
# RATE_LIMITS_ENABLED=false turns them all off (the benchmarks, from one address).
_RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
GUICHET_RATE_LIMITS = {
    action: env.str(f"RATE_LIMIT_{action.upper()}", default=default) if _RATE_LIMITS_ENABLED else ""
    for action, default in {
        # Case filed without an account (web form), per address.
        "case_submit_anonymous": "30/h/ip",
        # Report filed (form), per address.
        "report_submit": "30/h/ip",
        # Reference + tracking code looked up: strict, the code is 50 bits.
        "tracking_lookup": "10/m/ip,60/h/ip",
        # "Follow this report", per address.
        "report_follow": "30/h/ip",
        # Open311 POST requests.json: per API key and per address.
        "open311_post": "60/m/key,120/m/ip",
        # Partner API (X-Api-Key), every call, per key.
        "partner_api": "600/m/key",
        # Invitations to complete a draft, per account (each one sends an e-mail).
        "draft_invite": "20/h/user",
        # Address search and reverse geocoding (autocomplete: a request per keystroke pause).
        "address_search": "300/m/ip",
    }.items()
}

# --- OpenID Connect provider (allauth.idp.oidc) -------------------------------------------------


def _embedded_oidc_key() -> str:
    """An RSA signing key generated once into var/ for the embedded mode; never committed."""
    key_file = VAR_DIR / "oidc_private_key.pem"
    if not key_file.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
    return key_file.read_text()


IDP_OIDC_ADAPTER = "guichet.identity.adapter.OIDCAdapter"
# Key rotation: set IDP_OIDC_PRIVATE_KEY to the new key and keep the old one published in
# IDP_OIDC_PREVIOUS_PRIVATE_KEY until the tokens it signed have expired.
_oidc_key = _required_in_production(
    "IDP_OIDC_PRIVATE_KEY",
    env.str("IDP_OIDC_PRIVATE_KEY", multiline=True, default=""),
    _embedded_oidc_key,
)
_previous_oidc_key = env.str("IDP_OIDC_PREVIOUS_PRIVATE_KEY", multiline=True, default="")
# allauth signs with the most recently issued key and publishes all of them in the JWKS.
IDP_OIDC_PRIVATE_KEYS = [{"pem": _oidc_key, "issued_at": "2001-01-01T00:00:00+00:00"}] + (
    [{"pem": _previous_oidc_key, "issued_at": "2000-01-01T00:00:00+00:00"}]
    if _previous_oidc_key
    else []
)
IDP_OIDC_ID_TOKEN_EXPIRES_IN = env.int("IDP_OIDC_ID_TOKEN_EXPIRES_IN", default=300)
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN", default=600)
IDP_OIDC_AUTHORIZATION_CODE_EXPIRES_IN = env.int(
    "IDP_OIDC_AUTHORIZATION_CODE_EXPIRES_IN", default=60
)
IDP_OIDC_ROTATE_REFRESH_TOKEN = True
# Absolute lifetime of a refresh-token family (guichet.identity keeps it absolute across
# rotations); 30 days by default.
IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN = env.int(
    "IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN", default=30 * 24 * 3600
)
IDP_OIDC_RP_INITIATED_LOGOUT_ASKS_FOR_OP_LOGOUT = False
IDP_OIDC_DCR_ENABLED = False
# Failed token requests (wrong client secret, bad code or refresh token), per source IP and per
# client id, in allauth's rate limiter (the cache: shared through Redis); see
# guichet.identity.ratelimits and docs/security/tokens.md.
IDP_OIDC_RATE_LIMITS = {
    "token_failed": env.str("RATE_LIMIT_OIDC_TOKEN_FAILED", default="30/m/ip,60/m/key"),
}

# --- FranceConnect (upstream identity provider, v2) ---------------------------------------------
FRANCECONNECT_ENABLED = env.bool("FRANCECONNECT_ENABLED", default=False)
FRANCECONNECT_ISSUER = env.str(
    "FRANCECONNECT_ISSUER", default="https://fcp-low.sbx.dev-franceconnect.fr/api/v2"
)
FRANCECONNECT_CLIENT_ID = env.str("FRANCECONNECT_CLIENT_ID", default="")
FRANCECONNECT_CLIENT_SECRET = env.str("FRANCECONNECT_CLIENT_SECRET", default="")
FRANCECONNECT_SCOPES = env.str(
    "FRANCECONNECT_SCOPES",
    default="openid given_name family_name birthdate birthplace birthcountry gender email"
    " preferred_username",
)
FRANCECONNECT_ACR = env.str("FRANCECONNECT_ACR", default="eidas1")

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"

# Cases (see docs/cases.md)
CASES_MAX_UPLOAD_MB = env.int("CASES_MAX_UPLOAD_MB", default=10)
# Webhooks (docs/security/outbound-requests.md): attempts per delivery, then consecutive failed
# attempts after which an endpoint is disabled until its organisation re-enables it.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=15)
# Upload checks (core.uploads, docs/security/uploads.md): limits checked before decoding.
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
UPLOAD_PDF_MAX_PAGES = env.int("UPLOAD_PDF_MAX_PAGES", default=100)
UPLOAD_PDF_PARSE_SECONDS = env.float("UPLOAD_PDF_PARSE_SECONDS", default=5.0)
# Antivirus (core.antivirus): clamd's unix socket, or host:port; neither = no antivirus.
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_TCP = env.str("CLAMD_TCP", default="")
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)


def _embedded_wallet_key() -> list[str]:
    """A wallet encryption key generated once into var/ for the embedded mode; never committed
    (docs/wallet.md: production sets WALLET_ENCRYPTION_KEYS, and keeps the keys apart)."""
    key_file = VAR_DIR / "wallet_keys"
    if not key_file.exists():
        import base64
        import os

        key_file.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode())
        key_file.chmod(0o600)
    return [k for k in key_file.read_text().split(",") if k.strip()]


# Document wallet (docs/wallet.md): AES-256-GCM keys, comma-separated, the first encrypts.
WALLET_ENCRYPTION_KEYS = env.list("WALLET_ENCRYPTION_KEYS", default=[]) or _embedded_wallet_key()
CASES_MAIL_SERVICE = env.str("CASES_MAIL_SERVICE", default="contact")
# Mail to this address opens an assistance ticket (support app) instead of a contact case.
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", default="assistance@metropole.example.org")
SUPPORT_MAIL_SERVICE = env.str("SUPPORT_MAIL_SERVICE", default="support")
# how long the link that attaches a partner-filed case to an account stays valid (cases.claims)
CASES_CLAIM_MAX_AGE_DAYS = env.int("CASES_CLAIM_MAX_AGE_DAYS", default=30)
# The mailbox ingest_mail reads: mails to the platform carry Reply-To <local>+<case token>@<domain>
# (cases.replies); empty: no Reply-To, and every incoming mail opens a new case.
INBOUND_MAIL_ADDRESS = env.str("INBOUND_MAIL_ADDRESS", default="")
DEMO_CASES = env.int("DEMO_CASES", default=300)

# Public-space reports (see docs/publicspace.md)
# Tile URL template for the maps (empty: maps without background tiles, the forms still work).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© contributeurs OpenStreetMap")
DEMO_REPORTS = env.int("DEMO_REPORTS", default=2000)
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Leaflet's JS/CSS come from the django-leaflet wheel (its Django app needs GeoDjango/GDAL, so
# only its static directory is used: ``{% static 'leaflet/leaflet.js' %}``). Never a CDN.
STATICFILES_DIRS = [
    Path(importlib.util.find_spec("leaflet").submodule_search_locations[0]) / "static"
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Serve static files from the apps directly when collectstatic has not run (embedded mode).
WHITENOISE_USE_FINDERS = True


def _media_storage(url: str) -> dict:
    """MEDIA_STORAGE_URL=s3://bucket[/prefix]?endpoint_url=https://s3.example.org&region_name=
    fr-par: every uploaded file (attachments, photos, documents, pieces) on S3-compatible object
    storage, so that any app server reads what another received. The keys come from
    MEDIA_STORAGE_ACCESS_KEY / MEDIA_STORAGE_SECRET_KEY (or boto3's usual AWS_* variables).
    Files are always served through the platform's views (access checked), never by public URL.
    """
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("MEDIA_STORAGE_URL must look like s3://bucket[/prefix]?...")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "access_key": env.str("MEDIA_STORAGE_ACCESS_KEY", default="") or None,
        "secret_key": env.str("MEDIA_STORAGE_SECRET_KEY", default="") or None,
    }
    for key in ("endpoint_url", "region_name", "addressing_style", "signature_version"):
        if query.get(key):
            options[key] = query[key]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")
STORAGES = {
    "default": (
        _media_storage(MEDIA_STORAGE_URL)
        if MEDIA_STORAGE_URL
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    # Production: hashed names (cached for ever) and compressed copies, served by WhiteNoise.
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if GUICHET_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail --------------------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:port, or consolemail:// (default), filemail://...
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Guichet <ne-pas-repondre@guichet.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Production is "behind a TLS proxy" (BEHIND_TLS_PROXY=true): HTTPS only, secure cookies,
# HSTS, and seed_demo refuses to run (GUICHET_PRODUCTION). `guichet check --deploy` is clean.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The client's address for every rate limit (allauth's and ours): behind the proxy, the last
# X-Forwarded-For entry it added, not the proxy's own address shared by every client.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # /healthz is probed over plain HTTP from inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment of the whole domain the operator takes deliberately
        # (SECURE_HSTS_PRELOAD=true); without it, check --deploy's reminder is silenced.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy (core/csp.py): no inline script or style without the request's nonce.
# Extra sources for the map tiles are taken from MAP_TILE_URL.
CSP_REPORT_URI = env.str("CSP_REPORT_URI", default="")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Logging and errors --------------------------------------------------------------------------
# LOG_FORMAT=json (the default in production): one JSON object a line with the request id.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if GUICHET_PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "guichet.operations.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "guichet.operations.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}
# ADMINS="Jeanne Exploitation <exploitation@metropole.example.org>, ops@metropole.example.org":
# who receives the error mails (with SMTP configured).
ADMINS = [
    (name, address)
    for name, address in (parseaddr(item) for item in env.list("ADMINS", default=[]))
    if address
]
# Errors reported to Sentry (or GlitchTip) when SENTRY_DSN is set; no personal data is sent
# (no request bodies, cookies or user details: the data may be health data).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Operations (docs/operations.md) -----------------------------------------------------------
# /metrics answers Prometheus only with "Authorization: Bearer <METRICS_TOKEN>"; unset: 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Platform ------------------------------------------------------------------------------------
PLATFORM_NAME = env.str("PLATFORM_NAME", default="Guichet numérique métropolitain")
# The number people without internet call to follow their request (printed on the receipt of
# a request filed for them). Default: a number of the range ARCEP keeps for fiction.
PLATFORM_PHONE = env.str("PLATFORM_PHONE", default="04 65 71 00 00")

# --- Notifications -------------------------------------------------------------------------------
# Outbox delivery: rows claimed per batch, lease before a dead worker's rows are re-queued,
# retries with exponential back-off (base seconds, max attempts) then "failed".
NOTIFICATIONS_BATCH_SIZE = env.int("NOTIFICATIONS_BATCH_SIZE", default=100)
NOTIFICATIONS_LEASE_SECONDS = env.int("NOTIFICATIONS_LEASE_SECONDS", default=300)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=8)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.int("NOTIFICATIONS_RETRY_BASE_SECONDS", default=60)
NOTIFICATIONS_OUTAGE_RETRY_SECONDS = env.int("NOTIFICATIONS_OUTAGE_RETRY_SECONDS", default=60)
EMAIL_MESSAGE_ID_DOMAIN = env.str("EMAIL_MESSAGE_ID_DOMAIN", default="")
# SMS: guichet.notifications.sms.ConsoleSmsBackend (logs) or .HttpSmsBackend (provider API).
SMS_BACKEND = env.str("SMS_BACKEND", default="guichet.notifications.sms.ConsoleSmsBackend")
SMS_HTTP_URL = env.str("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env.str("SMS_HTTP_TOKEN", default="")
SMS_SENDER = env.str("SMS_SENDER", default="Guichet")
# Web Push (VAPID): generated into var/vapid.json when not set (embedded mode).
VAPID_PUBLIC_KEY = _required_in_production(
    "VAPID_PUBLIC_KEY", env.str("VAPID_PUBLIC_KEY", default="")
)
VAPID_PRIVATE_KEY = _required_in_production(
    "VAPID_PRIVATE_KEY", env.str("VAPID_PRIVATE_KEY", default="")
)
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default="mailto:ne-pas-repondre@guichet.local")

# --- Local information feeds -------------------------------------------------------------------
LOCALINFO_FEED_MAX_BYTES = env.int("LOCALINFO_FEED_MAX_BYTES", default=5 * 1024 * 1024)
LOCALINFO_FEED_TIMEOUT = env.float("LOCALINFO_FEED_TIMEOUT", default=15.0)

# --- Outbound requests (core.outbound, docs/security/outbound-requests.md) ---------------------
# Private networks (CIDR) an outbound request may reach: an on-premise partner. Empty: none.
OUTBOUND_ALLOWED_PRIVATE_NETWORKS = env.list("OUTBOUND_ALLOWED_PRIVATE_NETWORKS", default=[])
# The only proxy outbound requests use (HTTP_PROXY and the like are ignored). Empty: direct.
OUTBOUND_PROXY = env.str("OUTBOUND_PROXY", default="")
# CA bundle (PEM file) for HTTPS partners signed by a private CA. Empty: certifi's bundle.
OUTBOUND_CA_BUNDLE = env.str("OUTBOUND_CA_BUNDLE", default="")

# --- Open311 GeoReport v2 (publicspace) ----------------------------------------------------------
OPEN311_CONTACT = env.str(
    "OPEN311_CONTACT",
    default="Métropole de Lyon, guichet numérique — open311@metropole.example.org",
)
OPEN311_KEY_SERVICE = env.str(
    "OPEN311_KEY_SERVICE", default="Demandez une clé d'API à open311@metropole.example.org"
)

# --- Disability files (guichet.disability, docs/disability.md) ---------------------------------
# AES-256-GCM keys (32 bytes, URL-safe base64) of the pieces' encryption at rest,
# comma-separated, the newest first (rotation: add a new key first, run
# `guichet disability_reencrypt`, then drop the old ones). Empty: the
# embedded mode (no SECRET_KEY set) generates one into var/ and says so; elsewhere refused.
DISABILITY_ENCRYPTION_KEYS = env.list("DISABILITY_ENCRYPTION_KEYS", default=[])
DISABILITY_ALLOW_LOCAL_KEY = env.bool(
    "DISABILITY_ALLOW_LOCAL_KEY", default=not env.str("SECRET_KEY", default="")
)
# Retention per piece type, "file" and "draft", in days (JSON object; defaults in
# guichet/disability/rules.py), e.g. {"medical_certificate": 730, "file": 1825}.
DISABILITY_RETENTION_DAYS = env.json("DISABILITY_RETENTION_DAYS", default={})
# Days before the four-month silence date (R241-33 CASF) when the house's agents are alerted.
DISABILITY_SILENCE_ALERT_DAYS = env.int("DISABILITY_SILENCE_ALERT_DAYS", default=30)

# --- Refuse to start a production without its keys ---------------------------------------------
if _MISSING_IN_PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Production (GUICHET_PRODUCTION or BEHIND_TLS_PROXY) needs these variables in the "
        "environment, the same on every app server and worker: "
        + ", ".join(_MISSING_IN_PRODUCTION)
        + " (docs/operations.md, 'Keys')."
    )
