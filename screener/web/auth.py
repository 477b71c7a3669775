"""Staff sign-in, step one (password) and the signed-in state: Flask-Login, argon2 passwords,
throttling, lockout, inactivity timeout, one record per signed-in device.

A right password only starts the second step (screener.web.two_factor): the session holds a
pending account, not a signed-in one, until a current authenticator code (or a recovery code)
is verified. Signing in then starts a `staff_session` row whose random id is the cookie's user
id: signing out deletes that row only; "sign out everywhere" deletes them all.
"""

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
from ..store import accounts as store
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
#: the session key of an account whose password was right but whose code is still to come
PENDING_KEY = "staff_pending"
PENDING_MINUTES = 10

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
    """The signed-in therapist on one device, as Flask-Login sees it."""

    def __init__(self, therapist: Therapist, sid: str):
        self.therapist = therapist
        self.sid = sid
        self.id = therapist.id
        self.email = therapist.email
        self.is_admin = bool(therapist.is_admin)

    def get_id(self) -> str:
        # the device's own staff_session row: deleting it signs this device out
        return self.sid


@login_manager.user_loader
def _load_user(sid: str):
    db = app_state.db()
    row = store.find_session(db, sid if isinstance(sid, str) else "")
    if row is None:
        return None
    therapist = db.get(Therapist, row.therapist_id)
    if therapist is None or not therapist.active or therapist.totp_enrolled_at is None:
        return None
    if store.is_idle(row, idle_timeout()):  # checked here too, not only in the cookie
        _end_timed_out(sid)
        return None
    if store.touch(db, row):
        try:
            db.commit()
        except SQLAlchemyError:
            db.rollback()  # "last seen" is a courtesy; the request goes on
    return StaffUser(therapist, sid)


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
    """The rate-limit key of a sign-in step: the account (keyed hash) and the address. The
    password step and the code step share it, so wrong codes count like wrong passwords."""
    pending = session.get(PENDING_KEY)
    if request.endpoint != "auth.login" and isinstance(pending, dict):
        account = str(pending.get("account", ""))
    else:
        account = fingerprint(normalise_email(request.form.get("email", "")))
    return f"{account}/{request.remote_addr or ''}"


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


#: the limits every sign-in step shares: per address, and per account and address
address_limit = limiter.shared_limit(
    LOGIN_LIMIT, scope="staff-sign-in", methods=["POST"], deduct_when=failed
)
account_limit = limiter.shared_limit(
    LOGIN_PAIR_LIMIT,
    scope="staff-sign-in-account",
    key_func=account_and_address,
    methods=["POST"],
    deduct_when=failed,
)


@bp.route("/login", methods=["GET", "POST"])
@address_limit
@account_limit
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
                    return _start_second_step(therapist)
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


def commit() -> None:
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
    therapist = db.scalars(select(Therapist).where(func.lower(Therapist.email) == email)).first()
    if therapist is None or not therapist.active:
        _burn_time(password)
        if therapist is None:
            audit.record("login_failed", actor=unknown_actor(email), detail="unknown account")
        else:
            audit.record("login_failed", actor=email, detail="deactivated account")
        commit()
        return None
    if is_locked(therapist):
        # the same work as any other attempt; only the right password learns of the lock,
        # so the message never tells a stranger that an email has an account
        if check_password(therapist.password_hash, password):
            g.locked_until = therapist.locked_until
        audit.record("login_failed", actor=email, detail="account locked")
        commit()
        return None
    if not check_password(therapist.password_hash, password):
        count_failure(therapist, "wrong password")
        commit()
        return None
    # the failure count is reset only once the code is right too: a right password alone
    # must not give someone who knows it fresh guesses at the code
    if hasher.check_needs_rehash(therapist.password_hash):
        therapist.password_hash = hasher.hash(password)
    return therapist


def count_failure(therapist: Therapist, what: str) -> None:
    """A wrong password or code: one more failure, the account locked at the limit, audited."""
    cfg = current_app.config
    therapist.failed_logins = (therapist.failed_logins or 0) + 1
    detail = what
    if therapist.failed_logins >= int(cfg["LOGIN_MAX_FAILURES"]):
        minutes = int(cfg["LOGIN_LOCK_MINUTES"])
        therapist.locked_until = utcnow() + dt.timedelta(minutes=minutes)
        therapist.failed_logins = 0
        detail = f"{what}; account locked for {minutes} minutes"
    audit.record("login_failed", actor=therapist.email, detail=detail)


def is_locked(therapist: Therapist) -> bool:
    return bool(therapist.locked_until and therapist.locked_until > utcnow())


def _start_second_step(therapist: Therapist):
    """The password was right: commit its writes, then ask for the code (a page of its own)."""
    commit()
    target = safe_next(request.args.get("next"))
    session.clear()  # a fresh session: no fixation, no leftover client draft
    session[PENDING_KEY] = {
        "id": therapist.id,
        # the throttle's key for this account (a keyed hash: the cookie holds no email)
        "account": fingerprint(normalise_email(therapist.email)),
        "at": time.time(),
        "next": target or "",
    }
    return redirect(url_for("two_factor.second_step"), code=303)


def pending_account() -> Therapist | None:
    """The account whose password was right in this session minutes ago, still active."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int | float):
        return None
    if time.time() - pending["at"] > PENDING_MINUTES * 60:
        session.pop(PENDING_KEY, None)
        return None
    number = pending.get("id")
    therapist = app_state.db().get(Therapist, number) if isinstance(number, int) else None
    if therapist is None or not therapist.active:
        return None
    return therapist


def complete_sign_in(therapist: Therapist, detail: str = "") -> str:
    """Both steps done: start this device's session, commit it with the audit entry, then
    sign in (never before the writes are safe). Returns where to go next."""
    pending = session.get(PENDING_KEY) or {}
    target = safe_next(pending.get("next")) if isinstance(pending, dict) else None
    therapist.failed_logins = 0
    therapist.locked_until = None
    therapist.last_login_at = utcnow()
    store.end_idle(app_state.db(), therapist.id, idle_timeout())
    sid = store.start_session(app_state.db(), therapist.id)
    audit.record("login", actor=therapist.email, detail=detail)
    commit()
    session.clear()
    login_user(StaffUser(therapist, sid))
    session[SEEN_KEY] = time.time()
    return target or url_for("staff.queue")


@bp.post("/logout")
def logout():
    """Sign out this device only."""
    if current_user.is_authenticated:
        store.end_session(app_state.db(), current_user.sid)
        audit.record("logout")
        app_state.db().commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/sign-out-everywhere")
def sign_out_everywhere():
    """End every session of the account, on every device, this one too."""
    if current_user.is_authenticated:
        ended = store.end_sessions(app_state.db(), current_user.therapist.id)
        audit.record("sessions_ended", detail=f"signed out everywhere ({ended} sessions)")
        app_state.db().commit()
    logout_user()
    session.clear()
    flash("You have signed out on every device.")
    return redirect(url_for("auth.login"), code=303)


def _no_store(body, status=200):
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _end_timed_out(sid) -> None:
    """Delete the timed-out device's session row and audit it."""
    db = app_state.db()
    row = store.find_session(db, sid if isinstance(sid, str) else "")
    if row is None:
        return
    therapist = db.get(Therapist, row.therapist_id)
    store.end_session(db, row.id)
    audit.record("session_timeout", actor=therapist.email if therapist else "")
    try:
        db.commit()
    except SQLAlchemyError:
        db.rollback()  # the cookie is refused all the same; the row goes at the next sign-in
        current_app.logger.warning("a timed-out staff session could not be deleted")


def idle_timeout() -> dt.timedelta:
    return dt.timedelta(minutes=float(current_app.config.get("SESSION_TIMEOUT_MINUTES", 30)))


def _enforce_timeout():
    """Sign a therapist out after SESSION_TIMEOUT_MINUTES without a request."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = time.time()
    limit = float(current_app.config.get("SESSION_TIMEOUT_MINUTES", 30)) * 60
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int | float) or now - seen > limit:
        _end_timed_out(session.get("_user_id", ""))
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
