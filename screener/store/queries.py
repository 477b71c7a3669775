"""The therapists' queue and audit-log listings as plain SQL: filters, urgency order, pages.

Nothing here imports Flask: callers pass a SQLAlchemy session, the plain filter values and
the practice's time zone (for turning a local day into a UTC range). The queue filters,
sorts and paginates on the plain columns (urgency, status, outcome, flag ids, dates) and
never decrypts a row.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import String, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from ..questionnaire import LEVELS, Questionnaire
from .models import AuditEntry, Submission, Tombstone, utcnow

PER_PAGE = 25
AUDIT_PER_PAGE = 50

STATUSES = {
    "new": "New",
    "in_review": "In review",
    "no_answer": "Tried to call \u2014 no answer",
    "contacted": "Contacted",
    "consultation_booked": "Consultation booked",
    "not_a_fit_now": "Not a fit now",
    "closed": "Closed",
}
URGENCY = {3: "Support first", 2: "Urgent", 1: "Medical review", 0: ""}
#: the queue rank (drafts.queue_rank) as a therapist reads it
RANKS = {
    4: "Support first",
    3: "Urgent",
    2: "Safety history",
    1: "Medical review",
    0: "Routine",
}
#: most urgent first, then oldest first within each rank
QUEUE_ORDER = (Submission.queue_rank.desc(), Submission.created_at.asc(), Submission.id.asc())
#: statuses still waiting for the practice to reach the client
WAITING = ("new", "in_review", "no_answer")
WAITING_DAYS = 2
#: the outcome ids' short labels for the queue and the CSV (the client reads the long title)
OUTCOME_SHORT = {
    "support_first": "Support first",
    "support_first_young": "Support first",
    "adults_only": "Under 18",
    "consult_with_medical_questions": "Medical review",
    "consult_explore_options": "Explore options",
    "consult_recommended": "Consult",
}
#: the saved filters above the queue
VIEWS = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "urgent": "Urgent",
    "waiting": f"Waiting over {WAITING_DAYS} days",
}


def queue_order(today: dt.date) -> tuple:
    """Follow-ups due on or before `today` (the practice's local day) first, then QUEUE_ORDER."""
    due = case(
        (and_(Submission.follow_up_on.is_not(None), Submission.follow_up_on <= today), 0),
        else_=1,
    )
    return (due, *QUEUE_ORDER)


def local_today(zone: dt.tzinfo, now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).replace(tzinfo=dt.UTC).astimezone(zone).date()


# -- plain input --------------------------------------------------------------------------
#: ids and page numbers fit a 32-bit integer column; anything larger is no real one
INT_LIMIT = 2**31 - 1
_INTEGER = re.compile(r"-?[0-9]{1,10}", re.ASCII)
#: dates outside these years are typing errors, and near year 1 or 9999 a time zone
#: shift overflows Python's dates
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2999, 12, 31)


def parse_int(text, default: int) -> int:
    """An integer typed with ASCII digits that fits a database integer, else `default`."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if -INT_LIMIT <= text <= INT_LIMIT else default
    if not isinstance(text, str) or not _INTEGER.fullmatch(text.strip()):
        return default
    number = int(text.strip())
    return number if -INT_LIMIT <= number <= INT_LIMIT else default


def parse_date(text: str | None) -> dt.date | None:
    """A date written as YYYY-MM-DD between EARLIEST and LATEST, else None."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text, re.ASCII):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def plain_text(text, size: int) -> str:
    """Text for a filter: stripped, without control characters (PostgreSQL refuses NUL)."""
    if not isinstance(text, str):
        return ""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()[:size]


def day_start_utc(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The start of a local day in `zone`, as the naive UTC the database stores."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass
class DayRange:
    """Local days `date_from` to `date_to`, inclusive; either end may be left open."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def within(self, stmt, column, zone: dt.tzinfo):
        """Keep the rows whose `column` (naive UTC) falls on one of these days in `zone`."""
        if self.date_from:
            stmt = stmt.where(column >= day_start_utc(self.date_from, zone))
        if self.date_to:
            stmt = stmt.where(column < day_start_utc(self.date_to + dt.timedelta(days=1), zone))
        return stmt


# -- pages --------------------------------------------------------------------------------
@dataclass
class Page:
    """One page of a listing: its rows, the total that matched, and where it sits."""

    rows: list
    total: int
    page: int
    pages: int


def paginate(db: Session, stmt, order, requested, per_page: int, count_stmt=None) -> Page:
    """Count what `stmt` matches, clamp the requested page, and load that page's rows."""
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.subquery())
    total = db.scalar(count_stmt) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(parse_int(requested, 1), 1), pages)
    rows = db.scalars(stmt.order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total, page, pages)


# -- queue --------------------------------------------------------------------------------
@dataclass
class Filters(DayRange):
    """The queue's filters, checked against the live questionnaire; `errors` says why any
    value was dropped."""

    status: str = ""
    outcome: str = ""
    flag: str = ""
    urgent: bool = False
    view: str = ""
    #: the signed-in therapist's id, for "Mine"
    me: int | None = None
    errors: tuple = ()

    @classmethod
    def from_args(cls, args: Mapping, q: Questionnaire, me: int | None = None) -> Filters:
        errors = []
        view = args.get("view", "")
        if view and view not in VIEWS:
            errors.append("Choose a saved filter from the list.")
            view = ""
        status = args.get("status", "")
        outcome = args.get("outcome", "")
        flag = args.get("flag", "")
        if status and status not in STATUSES:
            errors.append("Choose a status from the list.")
            status = ""
        if outcome and q.outcome(outcome) is None:
            errors.append("Choose an outcome from the list.")
            outcome = ""
        if flag and q.flag(flag) is None:
            errors.append("Choose a flag from the list.")
            flag = ""
        date_from, date_to = parse_date(args.get("from")), parse_date(args.get("to"))
        if args.get("from") and date_from is None:
            errors.append(
                "Enter the 'from' date as a real date, like 2025-03-01, from 1900 to 2999."
            )
        if args.get("to") and date_to is None:
            errors.append("Enter the 'to' date as a real date, like 2025-03-31, from 1900 to 2999.")
        if date_from and date_to and date_from > date_to:
            errors.append("The 'from' date must be on or before the 'to' date.")
            date_from = date_to = None
        return cls(
            date_from,
            date_to,
            status=status,
            outcome=outcome,
            flag=flag,
            urgent=args.get("urgent") == "1",
            view=view,
            me=me,
            errors=tuple(errors),
        )

    def apply(self, stmt, zone: dt.tzinfo):
        if self.status:
            stmt = stmt.where(Submission.status == self.status)
        if self.outcome:
            stmt = stmt.where(Submission.outcome_id == self.outcome)
        if self.flag:
            padded = literal(" ", String) + Submission.flag_ids + literal(" ", String)
            stmt = stmt.where(padded.contains(f" {self.flag} ", autoescape=True))
        stmt = self.within(stmt, Submission.created_at, zone)
        if self.urgent or self.view == "urgent":
            stmt = stmt.where(Submission.urgency >= 2)
        if self.view == "mine":
            stmt = stmt.where(Submission.assigned_to_id == (self.me or -1))
        elif self.view == "unassigned":
            stmt = stmt.where(Submission.assigned_to_id.is_(None))
        elif self.view == "waiting":
            since = utcnow() - dt.timedelta(days=WAITING_DAYS)
            stmt = stmt.where(Submission.status.in_(WAITING), Submission.created_at < since)
        return stmt

    def args(self) -> dict:
        out = {
            "status": self.status,
            "outcome": self.outcome,
            "flag": self.flag,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "urgent": "1" if self.urgent else "",
            "view": self.view,
        }
        return {k: v for k, v in out.items() if v}

    def with_view(self, view: str) -> dict:
        """The link of a saved filter: the other filters kept, this view (or none) chosen."""
        return {**self.without("view"), **({"view": view} if view else {})}

    def without(self, key: str) -> dict:
        return {k: v for k, v in self.args().items() if k != key}

    @property
    def active(self) -> bool:
        return bool(self.args())


def due(today: dt.date):
    """The rows whose follow-up day has come (in the practice's zone)."""
    return and_(Submission.follow_up_on.is_not(None), Submission.follow_up_on <= today)


def not_due(today: dt.date):
    return or_(Submission.follow_up_on.is_(None), Submission.follow_up_on > today)


def queue_page(
    db: Session, filters: Filters, requested, zone: dt.tzinfo, per_page: int = PER_PAGE
) -> Page:
    """One page of the queue in `queue_order`: due follow-ups, then most urgent first.

    The order is read in two parts, so each is an index scan, never a sort of the whole
    table: the (few) due follow-ups by their own index, then the rest by ix_submission_rank.
    """
    today = local_today(zone)
    total = db.scalar(filters.apply(select(func.count()).select_from(Submission), zone)) or 0
    first_due = filters.apply(select(Submission.id), zone).where(due(today))
    due_count = db.scalar(select(func.count()).select_from(first_due.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(parse_int(requested, 1), 1), pages)
    start = (page - 1) * per_page
    ids = []
    if start < due_count:
        ids += db.scalars(first_due.order_by(*QUEUE_ORDER).limit(per_page).offset(start)).all()
    if len(ids) < per_page:
        rest = filters.apply(select(Submission.id), zone).where(not_due(today))
        ids += db.scalars(
            rest.order_by(*QUEUE_ORDER).limit(per_page - len(ids)).offset(max(0, start - due_count))
        ).all()
    loaded = (
        {
            sub.id: sub
            for sub in db.scalars(select(Submission).where(Submission.id.in_(ids))).unique()
        }
        if ids
        else {}
    )
    return Page([loaded[i] for i in ids if i in loaded], total, page, pages)


def neighbours(
    db: Session, filters: Filters, zone: dt.tzinfo, submission_id: str
) -> tuple[str | None, str | None]:
    """(previous, next) references around a submission in the queue's current order and
    filters; None at either end, or both when the filters leave it out."""
    stmt = filters.apply(select(Submission.id, Submission.reference), zone)
    ordered = list(db.execute(stmt.order_by(*queue_order(local_today(zone)))))
    ids = [row.id for row in ordered]
    if submission_id not in ids:
        return None, None
    at = ids.index(submission_id)
    before = ordered[at - 1].reference if at > 0 else None
    after = ordered[at + 1].reference if at + 1 < len(ordered) else None
    return before, after


def change_status(
    db: Session, submission_id: str, old: str, new: str, today: dt.date | None = None
) -> bool:
    """Move a submission from `old` to `new`, only if it still is `old`; whether it moved.

    One conditional UPDATE: when two therapists change the same status at once, PostgreSQL
    makes the second wait for the first and then finds no row still at `old`. It stamps the
    time, and a follow-up that is due (on or before `today`) is done with this step.
    """
    values: dict = {"status": new, "status_at": utcnow()}
    if today is not None:
        values["follow_up_on"] = case(
            (Submission.follow_up_on <= today, None), else_=Submission.follow_up_on
        )
    moved = db.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == old)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return moved.rowcount == 1


def tombstones(db: Session, since: dt.datetime) -> list[Tombstone]:
    """Submissions their clients deleted since `since`, most urgent and newest first."""
    stmt = (
        select(Tombstone)
        .where(Tombstone.deleted_at >= since)
        .order_by(Tombstone.queue_rank.desc(), Tombstone.deleted_at.desc())
    )
    return list(db.scalars(stmt))


def urgent_unreviewed(db: Session) -> int:
    return (
        db.scalar(
            select(func.count(Submission.id)).where(
                Submission.status == "new", Submission.urgency >= 2
            )
        )
        or 0
    )


def flags_by_level(q: Questionnaire) -> dict:
    return {level: [f for f in q.flags if f.level == level] for level in LEVELS}


class Labels:
    """Flag and outcome labels from each submission's pinned questionnaire version."""

    def __init__(self, definition: Callable[[str], Questionnaire]):
        self._definition = definition
        self._defs: dict[str, Questionnaire | None] = {}

    def definition(self, content_hash: str) -> Questionnaire | None:
        if content_hash not in self._defs:
            try:
                self._defs[content_hash] = self._definition(content_hash)
            except LookupError:
                self._defs[content_hash] = None
        return self._defs[content_hash]

    def short(self, sub: Submission) -> str:
        """The outcome's short label, e.g. "Consult"; its title when it has none."""
        return OUTCOME_SHORT.get(sub.outcome_id) or self.outcome(sub)

    def outcome(self, sub: Submission) -> str:
        q = self.definition(sub.definition_hash)
        outcome = q.outcome(sub.outcome_id) if q else None
        return outcome.title if outcome else sub.outcome_id

    def flags(self, sub: Submission, levels=("urgent", "review")) -> list:
        q = self.definition(sub.definition_hash)
        out = []
        for fid in sub.flags:
            flag = q.flag(fid) if q else None
            level = flag.level if flag else "info"
            if level in levels:
                out.append((level, flag.label or fid if flag else fid))
        order = {level: i for i, level in enumerate(LEVELS)}
        return sorted(out, key=lambda item: order.get(item[0], len(order)))


# -- audit log ----------------------------------------------------------------------------
@dataclass
class AuditFilters(DayRange):
    """The audit log's filters; `action` is only kept when it is in `actions`."""

    action: str = ""
    actor: str = ""
    reference: str = ""
    from_text: str = ""
    to_text: str = ""

    @classmethod
    def from_args(cls, args: Mapping, actions: Mapping) -> AuditFilters:
        action = args.get("action", "")
        from_text, to_text = args.get("from", ""), args.get("to", "")
        date_from, date_to = parse_date(args.get("from")), parse_date(args.get("to"))
        return cls(
            date_from,
            date_to,
            action=action if action in actions else "",
            actor=plain_text(args.get("actor"), 254),
            reference=plain_text(args.get("reference"), 20),
            from_text=from_text if date_from else "",
            to_text=to_text if date_to else "",
        )

    def apply(self, stmt, zone: dt.tzinfo):
        if self.action:
            stmt = stmt.where(AuditEntry.action == self.action)
        if self.actor:
            stmt = stmt.where(AuditEntry.actor.contains(self.actor.lower(), autoescape=True))
        if self.reference:
            stmt = stmt.where(AuditEntry.reference == self.reference.upper())
        return self.within(stmt, AuditEntry.at, zone)

    def args(self) -> dict:
        out = {
            "action": self.action,
            "actor": self.actor,
            "reference": self.reference,
            "from": self.from_text,
            "to": self.to_text,
        }
        return {k: v for k, v in out.items() if v}


def audit_page(
    db: Session, filters: AuditFilters, requested, zone: dt.tzinfo, per_page: int = AUDIT_PER_PAGE
) -> Page:
    """One page of the audit log, newest first."""
    return paginate(
        db,
        filters.apply(select(AuditEntry), zone),
        (AuditEntry.at.desc(), AuditEntry.id.desc()),
        requested,
        per_page,
    )
