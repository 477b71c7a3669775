"""Staff sign-in: Flask-Login, argon2 passwords, throttling, inactivity timeout, real logout."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length, Regexp

from ..store import Therapist, utcnow
from ..store.queries import parse_int
from . import app_state, audit
from .limits import failed, limiter, refusal_page

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: per address, failed sign-ins only: guessing across accounts; high enough for a practice
#: or a carrier's shared address
LOGIN_LIMIT = "30 per 15 minutes;100 per day"
#: per account and address, failed sign-ins only, with a growing wait: someone who knows an
#: email cannot keep its owner out (the owner's own address has a count of its own)
LOGIN_PAIR_LIMIT = "5 per 15 minutes;10 per hour;20 per day"
UNAVAILABLE = (
    "Signing in is not possible just now, and you have not been signed in. Please try again "
    "in a few minutes."
)
GENERIC_ERROR = (
    "Those details did not work. Check your email address and password and try "
    "again. After several failed attempts, signing in is paused for a while."
)
SEEN_KEY = "staff_seen"

bp = Blueprint("auth", __name__, url_prefix="/staff")
login_manager = LoginManager()
hasher = PasswordHasher()
_dummy_hash: list[str] = []


class PasswordTooShort(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise PasswordTooShort(f"The password must be at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise PasswordTooShort(f"The password must be at most {MAX_PASSWORD} characters.")
    return hasher.hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn_time(password: str) -> None:
    """Verify against a throwaway hash so an unknown email takes as long as a wrong password."""
    if not _dummy_hash:
        _dummy_hash.append(hasher.hash(secrets.token_urlsafe(16)))
    check_password(_dummy_hash[0], password)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


class StaffUser(UserMixin):
    """The signed-in therapist, as Flask-Login sees it."""

    def __init__(self, therapist: Therapist):
        self.therapist = therapist
        self.id = therapist.id
        self.email = therapist.email
        self.is_admin = bool(therapist.is_admin)

    def get_id(self) -> str:
        # The token changes on logout and deactivation, so an old cookie stops working.
        return f"{self.therapist.id}:{self.therapist.session_token}"


@login_manager.user_loader
def _load_user(user_id: str):
    therapist_id, _, token = (user_id or "").partition(":")
    number = parse_int(therapist_id, -1)
    if number < 0 or not token:
        return None
    therapist = app_state.db().get(Therapist, number)
    if therapist is None or not therapist.active or not therapist.session_token:
        return None
    if not hmac.compare_digest(therapist.session_token.encode(), token.encode()):
        return None
    return StaffUser(therapist)


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter your email address"),
            Length(max=254),
            # control characters are no part of an address (and PostgreSQL refuses NUL)
            Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="Enter your email address"),
        ],
    )
    password = PasswordField(
        "Password", validators=[InputRequired("Enter your password"), Length(max=MAX_PASSWORD)]
    )


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after signing in, or None for anything else."""
    if not target or len(target) > 2000:
        return None
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def account_and_address() -> str:
    """The rate-limit key of a sign-in: the account typed (keyed hash) and the address."""
    email = normalise_email(request.form.get("email", ""))
    return f"{fingerprint(email)}/{request.remote_addr or ''}"


def fingerprint(text: str) -> str:
    """A keyed hash (HMAC with the secret key) of something typed: comparable, not readable."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"sign-in:" + text.encode(), hashlib.sha256).hexdigest()[:32]


def unknown_actor(email: str) -> str:
    """How the audit log names a failed sign-in to no account: whatever was typed (perhaps
    a password in the wrong field) is never stored, only its keyed hash."""
    return f"unknown account {fingerprint(email)}"


def locked_message(until: dt.datetime | None) -> str | None:
    """What the right password hears while the account is locked: until when, locally."""
    if until is None:
        return None
    try:
        zone = ZoneInfo(current_app.config["STAFF_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = until.replace(tzinfo=dt.UTC).astimezone(zone)
    return (
        "This account is locked after several failed attempts to sign in. It opens again at "
        f"{local:%H:%M} {local.tzname()} on {local:%d %b %Y}. An administrator can unlock it "
        "sooner."
    )


class WriteFailed(Exception):
    """A sign-in's writes (counters, audit, session token) did not commit."""


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], deduct_when=failed)
@limiter.limit(LOGIN_PAIR_LIMIT, key_func=account_and_address, methods=["POST"], deduct_when=failed)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("staff.queue"))
    form = LoginForm()
    error = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                therapist = _authenticate(normalise_email(form.email.data), form.password.data)
                if therapist is not None:
                    return _sign_in(therapist)
                error = locked_message(g.pop("locked_until", None)) or GENERIC_ERROR
            except WriteFailed:
                error, status = UNAVAILABLE, 503
    return _no_store(render_template("staff/login.html", form=form, error=error), status)


@refusal_page("auth.login")
def login_refused(wait: str):
    """A sign-in refused by a rate limit: the form again, with the email typed and the wait."""
    error = (
        "Signing in from here is paused after several attempts that did not work. Please "
        f"wait {wait} and try again, or ask an administrator for help."
    )
    return _no_store(render_template("staff/login.html", form=LoginForm(), error=error), 429)


def _commit() -> None:
    """Commit the sign-in's writes, or roll them back and refuse the sign-in."""
    db = app_state.db()
    try:
        db.commit()
    except SQLAlchemyError as exc:
        db.rollback()
        current_app.logger.exception("a sign-in could not be recorded; it was refused")
        raise WriteFailed from exc


def _authenticate(email: str, password: str) -> Therapist | None:
    db = app_state.db()
    cfg = current_app.config
    therapist = db.scalars(select(Therapist).where(func.lower(Therapist.email) == email)).first()
    now = utcnow()
    if therapist is None or not therapist.active:
        _burn_time(password)
        if therapist is None:
            audit.record("login_failed", actor=unknown_actor(email), detail="unknown account")
        else:
            audit.record("login_failed", actor=email, detail="deactivated account")
        _commit()
        return None
    if therapist.locked_until and therapist.locked_until > now:
        # the same work as any other attempt; only the right password learns of the lock,
        # so the message never tells a stranger that an email has an account
        if check_password(therapist.password_hash, password):
            g.locked_until = therapist.locked_until
        audit.record("login_failed", actor=email, detail="account locked")
        _commit()
        return None
    if not check_password(therapist.password_hash, password):
        therapist.failed_logins = (therapist.failed_logins or 0) + 1
        detail = "wrong password"
        if therapist.failed_logins >= int(cfg["LOGIN_MAX_FAILURES"]):
            minutes = int(cfg["LOGIN_LOCK_MINUTES"])
            therapist.locked_until = now + dt.timedelta(minutes=minutes)
            therapist.failed_logins = 0
            detail = f"wrong password; account locked for {minutes} minutes"
        audit.record("login_failed", actor=email, detail=detail)
        _commit()
        return None
    therapist.failed_logins = 0
    therapist.locked_until = None
    if hasher.check_needs_rehash(therapist.password_hash):
        therapist.password_hash = hasher.hash(password)
    if not therapist.session_token:
        therapist.session_token = new_session_token()
    return therapist


def _sign_in(therapist: Therapist):
    """Sign in only once the reset counters, the audit entry and the token are committed."""
    target = safe_next(request.args.get("next"))
    email = therapist.email
    audit.record("login", actor=email)
    _commit()
    session.clear()  # a fresh session: no fixation, no leftover client draft
    login_user(StaffUser(therapist))
    session[SEEN_KEY] = time.time()
    return redirect(target or url_for("staff.queue"), code=303)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        therapist = app_state.db().get(Therapist, current_user.therapist.id)
        therapist.session_token = new_session_token()
        audit.record("logout")
        app_state.db().commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"), code=303)


def _no_store(body, status=200):
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _enforce_timeout():
    """Sign a therapist out after SESSION_TIMEOUT_MINUTES without a request."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = time.time()
    limit = float(current_app.config.get("SESSION_TIMEOUT_MINUTES", 30)) * 60
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int | float) or now - seen > limit:
        loaded = _load_user(session.get("_user_id", ""))
        if loaded is not None:
            audit.record("session_timeout", actor=loaded.email)
            app_state.db().commit()
        logout_user()
        session.clear()
        minutes = int(limit // 60)
        flash(
            f"You were signed out after {minutes} minutes without activity. "
            "Sign in again to continue."
        )
        return None
    session[SEEN_KEY] = now
    return None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see the staff pages."
    login_manager.session_protection = "basic"
    login_manager.init_app(app)
    app.before_request(_enforce_timeout)
