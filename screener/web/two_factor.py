"""Staff sign-in, step two: the authenticator code (or a recovery code), on a page of its own.

Until a code is verified the session only names a pending account (auth.PENDING_KEY): Flask-Login
has no user, so every staff page still sends the person to sign in. An account without an
authenticator enrols one here first (QR code and key as text); nothing else is shown until a
code from it confirms the enrolment. Wrong codes count toward the same throttle and lockout as
wrong passwords.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from ..store import utcnow
from . import app_state, auth, totp
from .limits import refusal_page

bp = Blueprint("two_factor", __name__, url_prefix="/staff/two-factor")

WRONG_CODE = (
    "That code did not work. Enter the 6-digit code your authenticator app shows now. Each "
    "code works once. After several failed attempts, signing in is paused for a while."
)
WRONG_RECOVERY = (
    "That recovery code did not work. Each recovery code works once. After several failed "
    "attempts, signing in is paused for a while."
)
LOCKED = (
    "Signing in to this account is paused after several attempts that did not work. Please "
    "try again later, or ask an administrator to unlock it."
)
START_AGAIN = "Your sign-in was not finished in time. Please sign in again."


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[
            InputRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )


class RecoveryForm(FlaskForm):
    code = StringField(
        "Recovery code",
        validators=[
            InputRequired("Enter one of your recovery codes"),
            Length(max=40, message="Enter one of your recovery codes"),
        ],
    )


#: the development shortcut is for a developer's own machine: a server that forgot
#: SCREENER_ENV=production still shows it to no one who reaches it over the network
LOOPBACK = {"127.0.0.1", "::1"}


def development_code(therapist) -> str | None:
    """The current code, shown on the page in development only (SCREENER_ENV=development),
    to a browser on the same machine."""
    if current_app.config.get("ENV") != "development" or request.remote_addr not in LOOPBACK:
        return None
    secret = totp.secret_of(therapist)
    return totp.pyotp.TOTP(secret, interval=totp.STEP).now() if secret else None


@bp.route("", methods=["GET", "POST"])
@auth.address_limit
@auth.account_limit
def second_step():
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue"))
    therapist = auth.pending_account()
    if therapist is None:
        flash(START_AGAIN)
        return redirect(url_for("auth.login"), code=303)
    enrolling = therapist.totp_enrolled_at is None
    form = CodeForm()
    error, status = None, 200
    try:
        if enrolling and not therapist.totp_secret_enc:
            # two tabs opening enrolment at once keep the first secret, not one each
            auth.store.set_secret_once(app_state.db(), therapist.id, totp.seal(totp.new_secret()))
            auth.commit()
            app_state.db().refresh(therapist)
        if request.method == "POST":
            status = 400
            if form.validate():
                error = _wrong_code(therapist, form.code.data, enrolling)
                if error is None:
                    return _signed_in(therapist, enrolling)
    except (auth.WriteFailed, SQLAlchemyError):
        app_state.db().rollback()
        if not therapist.totp_secret_enc:
            return _unavailable()
        error, status = auth.UNAVAILABLE, 503
    return _page(therapist, form, enrolling, error, status)


def _unavailable():
    """No secret could be stored for enrolment: the sign-in page again, with why."""
    body = render_template("staff/login.html", form=auth.LoginForm(), error=auth.UNAVAILABLE)
    return auth._no_store(body, 503)


def _wrong_code(therapist, typed: str, enrolling: bool) -> str | None:
    """None when `typed` is a current, unused code; else why not (a wrong one is counted)."""
    if auth.is_locked(therapist):
        auth.audit.record("login_failed", actor=therapist.email, detail="account locked")
        auth.commit()
        return LOCKED
    secret = totp.secret_of(therapist)
    if secret and totp.use_code(therapist, secret, typed):
        if enrolling:
            therapist.totp_enrolled_at = utcnow()
        return None
    auth.count_failure(therapist, "wrong code" + (" at enrolment" if enrolling else ""))
    auth.commit()
    return WRONG_CODE


def _signed_in(therapist, enrolling: bool):
    if not enrolling:
        return redirect(auth.complete_sign_in(therapist), code=303)
    codes = totp.new_recovery_codes()
    totp.store_recovery_codes(therapist.id, codes, auth.hasher)
    auth.audit.record("two_factor_enrolled", actor=therapist.email)
    target = auth.complete_sign_in(therapist, detail="enrolled an authenticator")
    body = render_template("staff/recovery_codes.html", codes=codes, target=target)
    return auth._no_store(body)


def _page(therapist, form, enrolling: bool, error: str | None, status: int):
    context = {"form": form, "error": error, "dev_code": development_code(therapist)}
    if enrolling:
        secret = totp.secret_of(therapist)
        uri = totp.provisioning_uri(secret, therapist.email)
        context |= {"qr": totp.qr_data_uri(uri), "key": totp.grouped(secret)}
        return auth._no_store(render_template("staff/enrol.html", **context), status)
    return auth._no_store(render_template("staff/two_factor.html", **context), status)


@bp.route("/recovery", methods=["GET", "POST"])
@auth.address_limit
@auth.account_limit
def recovery():
    therapist = auth.pending_account()
    if therapist is None or therapist.totp_enrolled_at is None:
        flash(START_AGAIN)
        return redirect(url_for("auth.login"), code=303)
    form = RecoveryForm()
    error, status = None, 200
    if request.method == "POST":
        status = 400
        try:
            if form.validate():
                error = _wrong_recovery(therapist, form.code.data)
                if error is None:
                    return _recovered(therapist)
        except (auth.WriteFailed, SQLAlchemyError):
            app_state.db().rollback()
            error, status = auth.UNAVAILABLE, 503
    body = render_template("staff/recovery.html", form=form, error=error)
    return auth._no_store(body, status)


def _wrong_recovery(therapist, typed: str) -> str | None:
    if auth.is_locked(therapist):
        auth.audit.record("login_failed", actor=therapist.email, detail="account locked")
        auth.commit()
        return LOCKED
    if totp.use_recovery_code(therapist.id, typed, auth.hasher):
        return None
    auth.count_failure(therapist, "wrong recovery code")
    auth.commit()
    return WRONG_RECOVERY


def _recovered(therapist):
    left = len(auth.store.unused_codes(app_state.db(), therapist.id))
    target = auth.complete_sign_in(therapist, detail=f"used a recovery code; {left} left")
    flash(
        f"You signed in with a recovery code. You have {left} left. If you have lost your "
        "authenticator, ask an administrator to reset two-factor sign-in."
    )
    return redirect(target, code=303)


def _refused(template: str, form_class):
    def render(wait: str):
        error = (
            "Signing in from here is paused after several attempts that did not work. Please "
            f"wait {wait} and try again, or ask an administrator for help."
        )
        therapist = auth.pending_account()
        if therapist is None:
            return redirect(url_for("auth.login"), code=303)
        return auth._no_store(
            render_template(template, form=form_class(), error=error, dev_code=None), 429
        )

    return render


refusal_page("two_factor.recovery")(_refused("staff/recovery.html", RecoveryForm))


@refusal_page("two_factor.second_step")
def _second_step_refused(wait: str):
    therapist = auth.pending_account()
    if therapist is None:
        return redirect(url_for("auth.login"), code=303)
    error = (
        "Signing in from here is paused after several attempts that did not work. Please "
        f"wait {wait} and try again, or ask an administrator for help."
    )
    return _page(therapist, CodeForm(), therapist.totp_enrolled_at is None, error, 429)
