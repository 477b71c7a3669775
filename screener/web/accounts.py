"""Staff accounts in the browser: each person's own account (sessions, password) and, for
administrators, the account list, invitations and the actions on an account.

An invitation or a password reset makes a one-time set-password link that the admin passes
on (no email with a password is ever sent): single use, 72 hours, only its sha256 stored.
Every action is in the audit log with who did it; the last active admin cannot be removed.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Regexp

from ..store import Therapist, utcnow
from ..store import accounts as store
from . import app_state, audit, auth, staff
from .auth import login_manager
from .limits import failed, limiter

bp = Blueprint("accounts", __name__, url_prefix="/staff")
bp.context_processor(staff.staff_globals)  # the staff pages' header and time formats
#: the set-password links: reached without being signed in
links = Blueprint("links", __name__, url_prefix="/staff/set-password")

LINK_LIMIT = "30 per 15 minutes;200 per day"
#: the pages every signed-in person has for their own account; the rest are for admins
OWN = {"accounts.mine", "accounts.change_password"}
NO_CONTROL = Regexp(r"^[^\x00-\x1f\x7f]*\Z", message="Remove the special characters")


@bp.before_request
def _require_staff():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.endpoint not in OWN and not current_user.is_admin:
        abort(403)
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _password_fields(label="New password"):
    new = PasswordField(
        label,
        validators=[
            InputRequired("Enter a new password"),
            Length(
                min=auth.MIN_PASSWORD,
                max=auth.MAX_PASSWORD,
                message=f"The password must be {auth.MIN_PASSWORD} to {auth.MAX_PASSWORD} "
                "characters",
            ),
        ],
    )
    confirm = PasswordField(
        "Confirm the new password",
        validators=[
            InputRequired("Enter the new password again"),
            EqualTo("password", message="The two passwords do not match"),
        ],
    )
    return new, confirm


class SetPasswordForm(FlaskForm):
    password, confirm = _password_fields()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password")]
    )
    password, confirm = _password_fields()


class InviteForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[InputRequired("Enter the person's name"), Length(max=200), NO_CONTROL],
    )
    email = EmailField(
        "Email address",
        validators=[
            InputRequired("Enter the person's email address"),
            Length(max=254),
            Email("Enter an email address like name@example.com"),
        ],
    )


# -- your own account ---------------------------------------------------------------------------
@bp.get("/account")
def mine():
    db = app_state.db()
    rows = store.sessions_of(db, current_user.therapist.id, auth.idle_timeout())
    return render_template("staff/accounts/mine.html", sessions=rows, this=current_user.sid)


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if request.method == "POST" and form.validate():
        therapist = current_user.therapist
        if not auth.check_password(therapist.password_hash, form.current.data):
            form.current.errors.append("Your current password is not right")
        else:
            therapist.password_hash = auth.hash_password(form.password.data)
            ended = store.end_sessions(app_state.db(), therapist.id, keep=current_user.sid)
            audit.record("password_changed", detail=f"{ended} other sessions ended")
            app_state.db().commit()
            flash("Your password is changed. You are signed out on every other device.")
            return redirect(url_for("accounts.mine"), code=303)
    status = 400 if form.errors else 200
    return render_template("staff/accounts/change_password.html", form=form), status


# -- administration ----------------------------------------------------------------------------
@bp.get("/accounts")
def account_list():
    db = app_state.db()
    rows = db.scalars(select(Therapist).order_by(func.lower(Therapist.email))).all()
    return render_template("staff/accounts/list.html", accounts=rows, now=utcnow())


@bp.route("/accounts/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    if request.method == "POST" and form.validate():
        email = auth.normalise_email(form.email.data)
        db = app_state.db()
        if db.scalars(select(Therapist).where(func.lower(Therapist.email) == email)).first():
            form.email.errors.append("There is already an account with this email address")
        else:
            therapist = Therapist(
                email=email, name=form.name.data.strip(), password_hash="", active=True
            )
            db.add(therapist)
            db.flush()
            token = store.issue_link(db, therapist.id, "invite")
            audit.record("account_invited", detail=email)
            db.commit()
            return _link_made(therapist, token, "invite")
    status = 400 if form.errors else 200
    return render_template("staff/accounts/invite.html", form=form), status


def _link_made(therapist: Therapist, token: str, purpose: str):
    url = url_for("links.set_password", token=token, _external=True)
    return render_template(
        "staff/accounts/link.html",
        account=therapist,
        url=url,
        purpose=purpose,
        hours=store.LINK_HOURS,
    )


def _account(number: int) -> Therapist:
    therapist = app_state.db().get(Therapist, number)
    if therapist is None:
        abort(404)
    return therapist


@bp.get("/accounts/<int:number>")
def account(number):
    therapist = _account(number)
    db = app_state.db()
    context = {
        "account": therapist,
        "sessions": len(store.sessions_of(db, therapist.id, auth.idle_timeout())),
        "codes_left": len(store.unused_codes(db, therapist.id)),
        "locked": auth.is_locked(therapist),
    }
    return render_template("staff/accounts/account.html", **context)


def _last_admin(therapist: Therapist) -> bool:
    """Whether `therapist` is the only active admin (the admin rows are locked meanwhile, so
    two admins removing each other at once cannot both succeed)."""
    db = app_state.db()
    admins = db.scalars(
        select(Therapist.id)
        .where(Therapist.is_admin.is_(True), Therapist.active.is_(True))
        .with_for_update()
    ).all()
    return therapist.is_admin and therapist.active and list(admins) == [therapist.id]


def _done(therapist: Therapist, action: str, message: str, detail: str = ""):
    audit.record(action, detail=detail or therapist.email)
    app_state.db().commit()
    flash(message)
    return redirect(url_for("accounts.account", number=therapist.id), code=303)


def _refuse_last_admin(therapist: Therapist):
    app_state.db().rollback()
    flash(
        f"{therapist.email} is the only active administrator. Make another account an "
        "administrator first."
    )
    return redirect(url_for("accounts.account", number=therapist.id), code=303)


@bp.post("/accounts/<int:number>/deactivate")
def deactivate(number):
    therapist = _account(number)
    if _last_admin(therapist):
        return _refuse_last_admin(therapist)
    therapist.active = False
    therapist.session_token = auth.new_session_token()
    store.end_sessions(app_state.db(), therapist.id)
    done = _done(therapist, "account_deactivated", f"{therapist.email} is deactivated.")
    if therapist.id == current_user.therapist.id:
        logout_user()
    return done


@bp.post("/accounts/<int:number>/reactivate")
def reactivate(number):
    therapist = _account(number)
    therapist.active = True
    return _done(therapist, "account_reactivated", f"{therapist.email} is active again.")


@bp.post("/accounts/<int:number>/make-admin")
def make_admin(number):
    therapist = _account(number)
    therapist.is_admin = True
    return _done(therapist, "admin_granted", f"{therapist.email} is now an administrator.")


@bp.post("/accounts/<int:number>/remove-admin")
def remove_admin(number):
    therapist = _account(number)
    if _last_admin(therapist):
        return _refuse_last_admin(therapist)
    therapist.is_admin = False
    return _done(therapist, "admin_removed", f"{therapist.email} is no longer an administrator.")


@bp.post("/accounts/<int:number>/reset-password")
def reset_password(number):
    therapist = _account(number)
    token = store.issue_link(app_state.db(), therapist.id, "reset")
    audit.record("password_reset_link", detail=therapist.email)
    app_state.db().commit()
    return _link_made(therapist, token, "reset")


@bp.post("/accounts/<int:number>/reset-two-factor")
def reset_two_factor(number):
    therapist = _account(number)
    db = app_state.db()
    store.reset_two_factor(db, therapist)
    store.end_sessions(db, therapist.id)
    message = (
        f"Two-factor sign-in is reset for {therapist.email}: they set up an authenticator "
        "again at their next sign-in. Their sessions have ended."
    )
    done = _done(therapist, "two_factor_reset", message)
    if therapist.id == current_user.therapist.id:
        logout_user()
    return done


@bp.post("/accounts/<int:number>/unlock")
def unlock(number):
    therapist = _account(number)
    therapist.locked_until = None
    therapist.failed_logins = 0
    return _done(therapist, "account_unlocked", f"{therapist.email} is unlocked.")


# -- the one-time set-password links --------------------------------------------------------------
@links.after_request
def _links_no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@links.route("/<token>", methods=["GET", "POST"])
@limiter.limit(LINK_LIMIT, deduct_when=failed)
def set_password(token):
    db = app_state.db()
    link = store.open_link(db, token)
    if link is None:
        return render_template("staff/accounts/link_invalid.html"), 404
    therapist = db.get(Therapist, link.therapist_id)
    if therapist is None or not therapist.active:
        return render_template("staff/accounts/link_invalid.html"), 404
    form = SetPasswordForm()
    if request.method == "POST" and form.validate():
        if not store.claim_link(db, link):
            db.rollback()
            return render_template("staff/accounts/link_invalid.html"), 404
        therapist.password_hash = auth.hash_password(form.password.data)
        therapist.failed_logins = 0
        therapist.locked_until = None
        store.end_sessions(db, therapist.id)
        audit.record("password_set", actor=therapist.email, detail=link.purpose)
        db.commit()
        flash("Your password is set. Sign in with it now.")
        return redirect(url_for("auth.login"), code=303)
    status = 400 if form.errors else 200
    page = render_template(
        "staff/accounts/set_password.html", form=form, account=therapist, purpose=link.purpose
    )
    return page, status
