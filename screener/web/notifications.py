"""Notifications on the staff side: acknowledging an urgent submission (any therapist), the
outbox's delivery states (admins), and the development server's own notify worker.

The views are on the staff blueprint (signed in, never cached). Acknowledging is one POST
with the CSRF token; it is audited and calls off the submission's pending escalation.
"""

from __future__ import annotations

import datetime as dt
import threading

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..notify import config as notify_config
from ..notify import worker
from ..store import outbox, utcnow
from . import app_state, audit
from .staff import bp, find_submission

_started = threading.Lock()


# -- time waited ----------------------------------------------------------------------------
def waited(start: dt.datetime, end: dt.datetime | None = None) -> str:
    """ "12 minutes", "3 hours", "2 days": how long from `start` to `end` (default now)."""
    seconds = max(0, int(((end or utcnow()) - start).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "under a minute"


@bp.context_processor
def _notify_globals() -> dict:
    return {"waited": waited, "acknowledgements": acknowledgements, "URGENT": outbox.URGENT}


def acknowledgements(rows) -> dict:
    """The queue page's acknowledgements, by submission id."""
    return outbox.acknowledgements(app_state.db(), [s.id for s in rows if s.urgency >= 2])


# -- acknowledge ----------------------------------------------------------------------------
def _back() -> str:
    target = request.form.get("next", "")
    # only our own staff pages: never an open redirect
    if target.startswith("/staff/") and not target.startswith("//"):
        return target
    return url_for("staff.queue")


@bp.post("/s/<reference>/acknowledge")
def acknowledge(reference):
    sub = find_submission(reference)
    db = app_state.db()
    if sub.urgency < outbox.URGENT:
        flash(f"{sub.reference} is not urgent, so it needs no acknowledgement.")
        return redirect(_back(), code=303)
    ack = outbox.acknowledge(db, sub, current_user.therapist.id)
    if ack is None:
        db.rollback()
        first = outbox.acknowledgement(db, sub.id)
        who = first.by.email if first and first.by else "someone else"
        flash(f"{sub.reference} was already acknowledged by {who}.")
        return redirect(_back(), code=303)
    audit.record(
        "acknowledged", reference=sub.reference, detail=f"after {waited(sub.created_at, ack.at)}"
    )
    db.commit()
    flash(f"{sub.reference} acknowledged. Its escalation is called off.")
    return redirect(_back(), code=303)


# -- delivery states (admins) ---------------------------------------------------------------
@bp.get("/notifications")
def notifications():
    if not current_user.is_admin:
        abort(403)
    db = app_state.db()
    page = outbox.notifications_page(db, request.args.get("page"))
    settings = outbox.settings_of(db)
    return render_template(
        "staff/notifications.html",
        rows=page.rows,
        total=page.total,
        page=page.page,
        pages=page.pages,
        counts=outbox.counts(db),
        states=outbox.STATES,
        kinds=outbox.KINDS,
        settings=settings,
        now=utcnow(),
    )


# -- set-up ---------------------------------------------------------------------------------
def init_app(app: Flask) -> None:
    """Give every database session the notification settings (the outbox rows a submission
    writes depend on them), and in development start the worker inside the server."""
    state = app.extensions["screener"]
    settings = notify_config.outbox_settings(app.config)
    state.sessionmaker.configure(info={outbox.SETTINGS_KEY: settings})
    if app.config["ENV"] == "production" and settings.channels == ("console",):
        app.logger.warning(
            "notifications go to the log only: set SCREENER_NOTIFY_EMAIL_TO and "
            "SCREENER_SMTP_HOST, or SCREENER_NOTIFY_WEBHOOK_URL"
        )
    in_process = app.config.get("NOTIFY_IN_PROCESS")
    if in_process is None or in_process == "":
        in_process = app.config["ENV"] == "development" and not app.testing
    if in_process:
        app.before_request(_start_worker_once)


def _start_worker_once() -> None:
    state = current_app.extensions["screener"]
    if getattr(state, "notify_thread", None) is not None:
        return
    with _started:
        if getattr(state, "notify_thread", None) is None:
            cfg = current_app.config
            thread, stop = worker.start_thread(
                state.sessionmaker, notify_config.transport(cfg), notify_config.zone(cfg)
            )
            state.notify_stop = stop
            state.notify_thread = thread
