"""Settings: defaults, the instance folder, and SCREENER_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]  # the repository: questions.yaml, templates/, static/
ENV_PREFIX = "SCREENER_"


class Defaults:
    ENV = "development"
    QUESTIONS = str(ROOT / "questions.yaml")
    DATABASE_URL = ""  # empty: SQLite in the instance folder
    SESSION_TIMEOUT_MINUTES = 30
    #: a client's answers close on this device after this long without a request
    CLIENT_IDLE_MINUTES = 30
    #: "Exit this page" goes here: a neutral site that says nothing about this one
    EXIT_URL = "https://www.weather.gov/"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    MAX_CONTENT_LENGTH = 256 * 1024
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long questionnaire page must not expire the token
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: None: Secure everywhere except ENV=development (then the cookie is "__Host-session")
    SESSION_COOKIE_SECURE = None
    #: sent submissions are kept this many days; 0/empty: questions.yaml retention_days
    SUBMISSION_RETENTION_DAYS = 0
    #: reverse proxies in front of the app (X-Forwarded-For/-Proto are trusted this deep)
    PROXY_COUNT = 0
    #: times on the staff pages are shown in the practice's own time zone
    STAFF_TIMEZONE = "America/Denver"
    #: the account lock is the last resort against guessing from many addresses; sign-in
    #: is first throttled per account and address (web.auth.LOGIN_PAIR_LIMIT)
    LOGIN_MAX_FAILURES = 25
    LOGIN_LOCK_MINUTES = 15
    #: where FHIR canonical URLs live (Questionnaire, code systems); empty: the practice's
    #: booking site + /fhir, from questions.yaml
    FHIR_BASE_URL = ""
    #: production refuses the placeholder practice details of the shipped questions.yaml
    ALLOW_PLACEHOLDER_CONTACTS = False


def from_environment() -> dict:
    """SCREENER_FOO=bar → {"FOO": "bar"}; numbers and booleans are converted."""
    out = {}
    for key, value in os.environ.items():
        if key.startswith(ENV_PREFIX) and not key.startswith(ENV_PREFIX + "TEST_"):
            out[key[len(ENV_PREFIX) :]] = _convert(value)
    return out


def host_list(value) -> list[str] | None:
    """SCREENER_TRUSTED_HOSTS="a.example, .b.example" → ["a.example", ".b.example"]; empty →
    None (any host). A leading dot trusts every subdomain (werkzeug's host_is_trusted)."""
    if value is None or isinstance(value, list | tuple):
        return list(value) if value else None
    hosts = [part.strip().lower() for part in str(value).split(",") if part.strip()]
    return hosts or None


def _convert(value: str):
    if value.isdigit():
        return int(value)
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def instance_secret(instance: Path, name: str, make) -> str:
    """Read a development secret from the instance folder, creating it (mode 0600) once."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def dev_secret_key() -> str:
    return secrets.token_urlsafe(48)


def dev_data_key() -> str:
    return Fernet.generate_key().decode()
