"""The notification outbox: written with the submission, claimed and settled by the worker.

`enqueue` runs inside the transaction that stores a submission, so a submission never exists
without its notifications (and a rolled-back one leaves none). The worker (screener.notify)
claims due rows, delivers them outside any transaction and settles each as sent or as due
again after a backoff. Rows hold a reference, an urgency level and times only.

Several workers may run at once: on PostgreSQL `claim` locks rows with FOR UPDATE SKIP
LOCKED; on SQLite every writing transaction begins IMMEDIATE (screener.store.db), so claims
are serialised. A claim is a lease: a worker killed mid-delivery leaves its rows `sending`
until `claimed_until`, and then any worker sends them again, with the same idempotency key.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import schedule
from .db import read_only
from .models import Acknowledgement, Notification, Submission, utcnow
from .queries import URGENCY, Page, paginate

#: session.info key under which the app puts its NotifySettings (see make_sessionmaker)
SETTINGS_KEY = "notify"
#: urgency at or above this is urgent: sent at once and escalated until acknowledged
URGENT = 2
LEASE = dt.timedelta(minutes=2)
#: urgent/escalation messages per claim: a few slow deliveries (timeouts) fit in one lease
CLAIM_LIMIT = 5
STATES = {
    "pending": "Waiting",
    "sending": "Being delivered",
    "sent": "Delivered",
    "cancelled": "Not needed (acknowledged)",
}
KINDS = {"urgent": "Urgent", "routine": "Digest", "escalation": "Escalation"}


@dataclass(frozen=True)
class NotifySettings:
    """Where notifications go and when; the app builds it from its SCREENER_* config."""

    channels: tuple[str, ...] = ("console",)
    escalation_channels: tuple[str, ...] = ("console",)
    digest_interval: dt.timedelta = dt.timedelta(minutes=60)
    ack_wait: dt.timedelta = dt.timedelta(minutes=30)
    hours: schedule.BusinessHours = field(default_factory=schedule.BusinessHours)
    zone: dt.tzinfo = dt.UTC


def level_name(urgency: int) -> str:
    """ "Support first", "Urgent" or "Routine": a medical-review submission is routine in a
    notification, since the level itself would hint at the client's health."""
    return URGENCY.get(urgency) if urgency >= URGENT else "Routine"


def settings_of(session: Session) -> NotifySettings:
    return session.info.get(SETTINGS_KEY) or NotifySettings()


def _row(sub: Submission, kind: str, channel: str, level: str, due: dt.datetime) -> Notification:
    return Notification(
        key=secrets.token_urlsafe(24),
        submission_id=sub.id,
        reference=sub.reference,
        kind=kind,
        channel=channel,
        level=level,
        submitted_at=sub.created_at,
        state="pending",
        due_at=due,
        attempts=0,
        last_error="",
    )


def enqueue(
    session: Session, sub: Submission, *, urgent: bool | None = None, level: str | None = None
) -> list[Notification]:
    """Add the submission's notifications to `session` (flushed already, so it has its id
    and time). Urgent ones are due at once and escalate unless acknowledged in time; routine
    ones wait for the end of their digest interval. `urgent`/`level` override what the
    submission's urgency says (e.g. a call-back request: urgent, level "Call-back requested").
    """
    settings = settings_of(session)
    created = sub.created_at or utcnow()
    urgent = sub.urgency >= URGENT if urgent is None else urgent
    level = level or level_name(sub.urgency)
    if urgent:
        rows = [_row(sub, "urgent", ch, level, created) for ch in settings.channels]
        due = schedule.escalation_due(created, settings.ack_wait, settings.hours, settings.zone)
        rows += [_row(sub, "escalation", ch, level, due) for ch in settings.escalation_channels]
    else:
        due = schedule.digest_due(created, settings.digest_interval)
        rows = [_row(sub, "routine", ch, level, due) for ch in settings.channels]
    session.add_all(rows)
    return rows


# -- the worker's side ----------------------------------------------------------------------
def _due(now: dt.datetime):
    return or_(
        and_(Notification.state == "pending", Notification.due_at <= now),
        and_(Notification.state == "sending", Notification.claimed_until <= now),
    )


def anything_due(session: Session, now: dt.datetime) -> bool:
    """A cheap read (no write lock on SQLite) before a worker tries to claim."""
    with read_only():
        found = session.scalar(select(Notification.id).where(_due(now)).limit(1))
        session.rollback()
    return found is not None


@dataclass
class Delivery:
    """What one message covers: one urgent or escalation row, or a digest's rows."""

    kind: str
    channel: str
    key: str
    rows: list[Notification]


def _claimable(now: dt.datetime, routine: bool):
    kind = Notification.kind == "routine" if routine else Notification.kind != "routine"
    return (
        select(Notification)
        .where(_due(now), kind)
        .order_by(Notification.due_at, Notification.id)
        .with_for_update(skip_locked=True)
    )


def claim(
    session: Session, now: dt.datetime, lease: dt.timedelta = LEASE, limit: int = CLAIM_LIMIT
) -> list[Delivery]:
    """Claim due rows (the caller commits): at most `limit` urgent and escalation messages,
    so their deliveries end well within the lease, and every due digest row, so a digest is
    never split. Escalations already acknowledged are called off; the rest are grouped into
    deliveries. A digest's rows keep the batch key they were first claimed with, so a digest
    sent again carries the same idempotency key."""
    rows = [
        *session.scalars(_claimable(now, routine=False).limit(limit)),
        *session.scalars(_claimable(now, routine=True)),
    ]
    acknowledged = _acknowledged(session, {r.submission_id for r in rows if r.kind == "escalation"})
    deliveries: list[Delivery] = []
    new_batches: dict[str, str] = {}
    for row in rows:
        if row.kind == "escalation" and row.submission_id in acknowledged:
            row.state, row.claimed_until = "cancelled", None
            continue
        row.state, row.claimed_until = "sending", now + lease
        row.attempts = (row.attempts or 0) + 1
        if row.kind != "routine":
            deliveries.append(Delivery(row.kind, row.channel, row.key, [row]))
        elif not row.batch:
            row.batch = new_batches.setdefault(row.channel, secrets.token_urlsafe(24))
    routine = sorted((r for r in rows if r.kind == "routine"), key=lambda r: (r.batch, r.id))
    for batch, group in groupby(routine, key=lambda r: r.batch):
        items = list(group)
        deliveries.append(Delivery("routine", items[0].channel, batch, items))
    return deliveries


def _acknowledged(session: Session, submission_ids: set[str]) -> set[str]:
    if not submission_ids:
        return set()
    return set(
        session.scalars(
            select(Acknowledgement.submission_id).where(
                Acknowledgement.submission_id.in_(submission_ids)
            )
        )
    )


def settle(
    session: Session, delivery: Delivery, now: dt.datetime, error: str | None = None
) -> list[Notification]:
    """Mark a delivery's rows sent, or (with `error`) due again after a backoff. Rows whose
    submission was deleted meanwhile are skipped. Returns the rows it settled."""
    ids = [r.id for r in delivery.rows]
    rows = session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    for row in rows:
        row.claimed_until = None
        if error is None:
            row.state, row.sent_at, row.last_error = "sent", now, ""
        else:
            row.state, row.due_at = "pending", now + schedule.backoff(row.attempts)
            row.last_error = error[:255]
    return list(rows)


# -- acknowledgement ------------------------------------------------------------------------
def acknowledgement(session: Session, submission_id: str) -> Acknowledgement | None:
    return session.get(Acknowledgement, submission_id)


def acknowledge(session: Session, sub: Submission, therapist_id: int) -> Acknowledgement | None:
    """Record that a therapist has seen an urgent submission and call off its pending
    escalation. Returns None when someone acknowledged it first (the caller says who)."""
    if acknowledgement(session, sub.id) is not None:
        return None
    ack = Acknowledgement(submission_id=sub.id, by_id=therapist_id, at=utcnow())
    try:
        with session.begin_nested():
            session.add(ack)
    except IntegrityError:  # another therapist's click won the race (PostgreSQL)
        return None
    session.execute(
        update(Notification)
        .where(
            Notification.submission_id == sub.id,
            Notification.kind == "escalation",
            Notification.state == "pending",
        )
        .values(state="cancelled")
    )
    return ack


def acknowledgements(session: Session, submission_ids: list[str]) -> dict[str, Acknowledgement]:
    """The acknowledgements of these submissions, by submission id (for a queue page)."""
    if not submission_ids:
        return {}
    found = session.scalars(
        select(Acknowledgement).where(Acknowledgement.submission_id.in_(submission_ids))
    ).unique()
    return {ack.submission_id: ack for ack in found}


# -- the admins' page -----------------------------------------------------------------------
def notifications_page(session: Session, requested, per_page: int = 50) -> Page:
    """One page of the outbox, newest first."""
    return paginate(
        session,
        select(Notification),
        (Notification.created_at.desc(), Notification.id.desc()),
        requested,
        per_page,
    )


def counts(session: Session) -> dict[str, int]:
    """How many rows are in each state."""
    rows = session.execute(
        select(Notification.state, func.count(Notification.id)).group_by(Notification.state)
    )
    return {state: n for state, n in rows}
