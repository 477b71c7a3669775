"""Admins make and revoke the staff API's tokens (/staff/api-tokens). A new token is shown
once, on the page that made it; only its hash is stored."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..store import Therapist, api_tokens, utcnow
from ..store.queries import parse_int
from . import app_state, audit
from .auth import login_manager
from .staff import staff_globals

bp = Blueprint("api_tokens", __name__, url_prefix="/staff/api-tokens")
bp.context_processor(staff_globals)

#: how long a new token lasts, in days: the choices on the form
LIFETIMES = (30, 90, 180, 365)


@bp.before_request
def _require_admin():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _page(status: int = 200, **context):
    db = app_state.db()
    therapists = db.scalars(
        select(Therapist).where(Therapist.active.is_(True)).order_by(Therapist.email)
    ).all()
    context.setdefault("form", {})
    context.setdefault("errors", {})
    body = render_template(
        "staff/api_tokens.html",
        tokens=api_tokens.listing(db),
        therapists=therapists,
        lifetimes=LIFETIMES,
        now=utcnow(),
        **context,
    )
    return body, status


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    form = {key: (request.form.get(key) or "").strip() for key in ("therapist", "name", "days")}
    errors = {}
    db = app_state.db()
    target = db.get(Therapist, parse_int(form["therapist"], -1))
    if target is None or not target.active:
        errors["therapist"] = "Choose whose token it is from the list."
    if not form["name"]:
        errors["name"] = "Give the token a name, such as the tool that will use it."
    elif len(form["name"]) > api_tokens.MAX_NAME:
        errors["name"] = f"The name can be at most {api_tokens.MAX_NAME} characters."
    days = parse_int(form["days"], -1)
    if days not in LIFETIMES:
        errors["days"] = "Choose how long the token lasts from the list."
    if errors:
        return _page(400, form=form, errors=errors)
    token, row = api_tokens.create(db, target.id, form["name"], days, current_user.email)
    audit.record(
        "api_token_created",
        detail=f"#{row.id} for {target.email}, {days} days",
    )
    db.commit()
    return _page(new_token=token, new_row=row)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id):
    db = app_state.db()
    row = api_tokens.revoke(db, token_id)
    if row is None:
        flash("That token was already revoked, or does not exist.")
    else:
        audit.record("api_token_revoked", detail=f"#{row.id} of {row.therapist.email}")
        db.commit()
        flash(f"The token \u201c{row.name}\u201d is revoked. It no longer works.")
    return redirect(url_for(".index"), code=303)
