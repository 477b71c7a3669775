"""The therapists' side: queue, submission detail, PDF, status, notes, assignment, CSV, audit.

The queue filters, sorts and paginates in SQL on the plain columns (urgency, status,
outcome, flag ids, dates) and never decrypts a row. Only the detail page, the PDF and the
CSV export open the encrypted answers, and each of those is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import String, func, literal, select
from sqlalchemy.orm import Session

from .. import audit, services
from ..auth import login_manager
from ..definition import LEVELS, Questionnaire
from ..evaluate import Evaluation, evaluate, visible_on_page
from ..models import AuditEntry, Note, StatusChange, Submission, Therapist, utcnow

bp = Blueprint("staff", __name__, url_prefix="/staff")

PER_PAGE = 25
AUDIT_PER_PAGE = 50
MAX_NOTE = 5000

STATUSES = {
    "new": "New",
    "in_review": "In review",
    "contacted": "Contacted",
    "consultation_booked": "Consultation booked",
    "not_a_fit_now": "Not a fit now",
    "closed": "Closed",
}
#: the status workflow: where each status can go next
TRANSITIONS = {
    "new": ("in_review",),
    "in_review": ("contacted",),
    "contacted": ("consultation_booked", "not_a_fit_now"),
    "consultation_booked": ("closed",),
    "not_a_fit_now": ("closed",),
    "closed": (),
}
URGENCY = {3: "Support first", 2: "Urgent", 1: "Medical review", 0: ""}
CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")


# -- every staff page: signed in, never cached -------------------------------------------
@bp.before_request
def _require_staff():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.context_processor
def _staff_globals() -> dict:
    return {"urgent_unreviewed": urgent_unreviewed(), "STATUSES": STATUSES,
            "local_time": local_time, "relative_time": relative_time}


def urgent_unreviewed() -> int:
    if "urgent_unreviewed" not in g:
        g.urgent_unreviewed = services.db().scalar(
            select(func.count(Submission.id)).where(Submission.status == "new",
                                                    Submission.urgency >= 2)) or 0
    return g.urgent_unreviewed


# -- time ---------------------------------------------------------------------------------
def practice_zone() -> dt.tzinfo:
    name = current_app.config["STAFF_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_time(value: dt.datetime) -> str:
    """Stored UTC → the practice's local time, as a person reads it."""
    local = value.replace(tzinfo=dt.UTC).astimezone(practice_zone())
    return f"{local:%d %b %Y, %H:%M} {local.tzname()}"


def relative_time(value: dt.datetime, now: dt.datetime | None = None) -> str:
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    if seconds < 60:
        return "just now"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400 * 7, "week"),
                       (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _day_start_utc(day: dt.date) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=practice_zone())
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- queue --------------------------------------------------------------------------------
@dataclass
class Filters:
    status: str = ""
    outcome: str = ""
    flag: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    urgent: bool = False
    errors: tuple = ()

    @classmethod
    def from_args(cls, args, q: Questionnaire) -> Filters:
        errors = []
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
        date_from, date_to = _parse_date(args.get("from")), _parse_date(args.get("to"))
        if args.get("from") and date_from is None:
            errors.append("Enter the 'from' date as a real date, like 2025-03-01.")
        if args.get("to") and date_to is None:
            errors.append("Enter the 'to' date as a real date, like 2025-03-31.")
        if date_from and date_to and date_from > date_to:
            errors.append("The 'from' date must be on or before the 'to' date.")
            date_from = date_to = None
        return cls(status, outcome, flag, date_from, date_to, args.get("urgent") == "1",
                   tuple(errors))

    def apply(self, stmt):
        if self.status:
            stmt = stmt.where(Submission.status == self.status)
        if self.outcome:
            stmt = stmt.where(Submission.outcome_id == self.outcome)
        if self.flag:
            padded = literal(" ", String) + Submission.flag_ids + literal(" ", String)
            stmt = stmt.where(padded.contains(f" {self.flag} ", autoescape=True))
        if self.date_from:
            stmt = stmt.where(Submission.created_at >= _day_start_utc(self.date_from))
        if self.date_to:
            stmt = stmt.where(Submission.created_at <
                              _day_start_utc(self.date_to + dt.timedelta(days=1)))
        if self.urgent:
            stmt = stmt.where(Submission.urgency >= 2)
        return stmt

    def args(self) -> dict:
        out = {"status": self.status, "outcome": self.outcome, "flag": self.flag,
               "from": self.date_from.isoformat() if self.date_from else "",
               "to": self.date_to.isoformat() if self.date_to else "",
               "urgent": "1" if self.urgent else ""}
        return {k: v for k, v in out.items() if v}

    def without(self, key: str) -> dict:
        return {k: v for k, v in self.args().items() if k != key}

    @property
    def active(self) -> bool:
        return bool(self.args())


QUEUE_ORDER = (Submission.urgency.desc(), Submission.created_at.asc(), Submission.id.asc())


class Labels:
    """Flag and outcome labels from each submission's pinned questionnaire version."""

    def __init__(self):
        self._defs: dict[str, Questionnaire | None] = {}

    def definition(self, content_hash: str) -> Questionnaire | None:
        if content_hash not in self._defs:
            try:
                self._defs[content_hash] = services.get().definition(content_hash)
            except LookupError:
                self._defs[content_hash] = None
        return self._defs[content_hash]

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


@bp.get("/")
def queue():
    q = services.get().questionnaire
    filters = Filters.from_args(request.args, q)
    db = services.db()
    total = db.scalar(filters.apply(select(func.count()).select_from(Submission))) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(_int(request.args.get("page"), 1), 1), pages)
    # Page through the ids first (an index scan), then load only this page's rows.
    ids = db.scalars(filters.apply(select(Submission.id)).order_by(*QUEUE_ORDER)
                     .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    loaded = {sub.id: sub for sub in db.scalars(
        select(Submission).where(Submission.id.in_(ids))).unique()} if ids else {}
    rows = [loaded[i] for i in ids if i in loaded]
    flags_by_level = {level: [f for f in q.flags if f.level == level] for level in LEVELS}
    return render_template("staff/queue.html", rows=rows, labels=Labels(), filters=filters,
                           total=total, page=page, pages=pages, per_page=PER_PAGE,
                           outcomes=q.outcomes, flags_by_level=flags_by_level,
                           urgency_names=URGENCY)


def _int(text, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


# -- detail -------------------------------------------------------------------------------
@dataclass
class Review:
    """A submission opened for a therapist: its pinned definition and re-evaluation."""

    sub: Submission
    q: Questionnaire
    evaluation: Evaluation
    contact: dict


def _submission(reference: str) -> Submission:
    sub = services.db().scalars(
        select(Submission).where(Submission.reference == reference)).first()
    if sub is None:
        abort(404)
    return sub


def _open(sub: Submission) -> Review:
    svc = services.get()
    try:
        q = svc.definition(sub.definition_hash)
    except LookupError:
        abort(500)
    answers = svc.vault.open(sub.answers_enc, {}) or {}
    contact = svc.vault.open(sub.contact_enc, {}) or {}
    return Review(sub, q, evaluate(q, answers), contact)


def answer_rows(q: Questionnaire, evaluation: Evaluation) -> list:
    """[(section, [(question, answer text)])]: every visible answer, by section."""
    rows = []
    answers = evaluation.answers
    for section in q.sections:
        items = []
        for page in section.pages:
            if page.id not in evaluation.visible_pages:
                continue
            for question in visible_on_page(q, page, answers):
                items.append((question, question.display(answers.get(question.id))))
        if items:
            rows.append((section, items))
    return rows


def evidence_rows(q: Questionnaire, fired) -> list[tuple[str, str]]:
    out = []
    for qid, value in fired.evidence:
        question = q.questions.get(qid)
        if question is not None:
            out.append((question.label, question.display(value)))
        else:
            score = q.score(qid)
            out.append((score.label if score else qid, str(value)))
    return out


@bp.get("/s/<reference>")
def detail(reference):
    sub = _submission(reference)
    review = _open(sub)
    db = services.db()
    notes = db.scalars(select(Note).where(Note.submission_id == sub.id)
                       .order_by(Note.created_at.asc(), Note.id.asc())).all()
    vault = services.get().vault
    note_rows = [(n, vault.open(n.body_enc, "")) for n in notes]
    history = db.scalars(select(StatusChange).where(StatusChange.submission_id == sub.id)
                         .order_by(StatusChange.at.asc(), StatusChange.id.asc())).all()
    therapists = db.scalars(select(Therapist).where(Therapist.active.is_(True))
                            .order_by(Therapist.email)).all()
    ev = review.evaluation
    grouped = [(level, [f for f in ev.flags if f.flag.level == level]) for level in LEVELS]
    ask = [f for level in LEVELS for f in ev.flags if f.flag.level == level and
           f.flag.ask_on_call]
    audit.record("view_submission", reference=sub.reference)
    db.commit()
    return render_template(
        "staff/detail.html", sub=sub, review=review, ev=ev, dq=review.q,
        contact=review.contact, grouped=grouped, ask=ask, notes=note_rows, history=history,
        therapists=therapists, next_statuses=TRANSITIONS.get(sub.status, ()),
        answers=answer_rows(review.q, ev), evidence=lambda f: evidence_rows(review.q, f),
        urgency_names=URGENCY, max_note=MAX_NOTE,
        note_error=g.pop("note_error", None), note_text=g.pop("note_text", ""))


@bp.get("/s/<reference>/summary.pdf")
def summary_pdf(reference):
    from ..pdf import SummaryMeta, render_summary

    sub = _submission(reference)
    review = _open(sub)
    body = render_summary(review.evaluation, review.q,
                          SummaryMeta(reference=sub.reference, created_at=sub.created_at))
    inline = request.args.get("inline") == "1"
    audit.record("pdf_view" if inline else "pdf_download", reference=sub.reference)
    services.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="kap-prescreen-summary-{sub.reference}.pdf"')
    return response


@bp.post("/s/<reference>/status")
def change_status(reference):
    sub = _submission(reference)
    new = request.form.get("status", "")
    seen = request.form.get("current", sub.status)
    old = sub.status
    if seen != old:
        flash(f"Someone changed the status to \u201c{STATUSES.get(old, old)}\u201d while you "
              "had this page open. Check it and try again.")
    elif new not in STATUSES:
        flash("Choose a new status from the list.")
    elif new not in TRANSITIONS.get(old, ()):
        allowed = " or ".join(f"\u201c{STATUSES[s]}\u201d" for s in TRANSITIONS.get(old, ()))
        hint = f" From \u201c{STATUSES[old]}\u201d it can move to {allowed}." if allowed else \
            f" \u201c{STATUSES[old]}\u201d is the last step."
        flash(f"The status cannot change from \u201c{STATUSES[old]}\u201d to "
              f"\u201c{STATUSES[new]}\u201d.{hint}")
    else:
        sub.status = new
        therapist = current_user.therapist
        services.db().add(StatusChange(submission_id=sub.id, by_id=therapist.id, old=old,
                                       new=new))
        audit.record("status_change", reference=sub.reference,
                     detail=f"{old} \u2192 {new}")
        services.db().commit()
        flash(f"Status changed to \u201c{STATUSES[new]}\u201d.")
    return redirect(url_for(".detail", reference=sub.reference, _anchor="status"), code=303)


@bp.post("/s/<reference>/notes")
def add_note(reference):
    sub = _submission(reference)
    body = (request.form.get("body") or "").strip()
    if not body:
        g.note_error = "Enter the note before you add it."
    elif len(body) > MAX_NOTE:
        g.note_error = f"Notes can be at most {MAX_NOTE} characters; this one has {len(body)}."
        g.note_text = body
    if "note_error" in g:
        response = detail(reference)
        return make_response(response, 400)
    services.db().add(Note(submission_id=sub.id, author_id=current_user.therapist.id,
                           body_enc=services.get().vault.seal(body)))
    audit.record("note_added", reference=sub.reference)
    services.db().commit()
    flash("Note added.")
    return redirect(url_for(".detail", reference=sub.reference, _anchor="notes"), code=303)


@bp.post("/s/<reference>/assign")
def assign(reference):
    sub = _submission(reference)
    raw = request.form.get("therapist", "")
    db = services.db()
    if raw == "":
        target = None
    else:
        target = db.get(Therapist, _int(raw, -1))
        if target is None or not target.active:
            flash("Choose a therapist from the list.")
            return redirect(url_for(".detail", reference=sub.reference, _anchor="assign"),
                            code=303)
    if (target.id if target else None) != sub.assigned_to_id:
        sub.assigned_to_id = target.id if target else None
        audit.record("assign", reference=sub.reference,
                     detail=f"to {target.email}" if target else "unassigned")
        db.commit()
    flash(f"Assigned to {target.email}." if target else "No one is assigned now.")
    return redirect(url_for(".detail", reference=sub.reference, _anchor="assign"), code=303)


# -- CSV export ---------------------------------------------------------------------------
def csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell that starts with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    if text.startswith(CSV_DANGER):
        return "'" + text
    return text


def _csv_rows(db: Session, filters: Filters, private: bool):
    svc = services.get()
    q = svc.questionnaire
    free_text = [question for question in q.questions.values()
                 if question.type in ("text", "longtext")]
    header = ["reference", "received_utc", "outcome", "flags"]
    for score in q.scores:
        header += [f"{score.id}_score", f"{score.id}_band"]
    header += ["status", "assigned_to"]
    if private:
        header += ["contact_name", "contact_method", "contact_email", "contact_phone",
                   "contact_time"]
        header += [f"answer_{question.id}" for question in free_text]
    yield header
    labels = Labels()
    stmt = filters.apply(select(Submission)).order_by(*QUEUE_ORDER)
    for sub in db.scalars(stmt).unique():
        pinned = labels.definition(sub.definition_hash)
        answers = svc.vault.open(sub.answers_enc, {}) or {}
        scores = evaluate(pinned, answers).scores if pinned else {}
        row = [sub.reference, sub.created_at.strftime("%Y-%m-%d %H:%M:%S"),
               sub.outcome_id, " ".join(sub.flags)]
        for score in q.scores:
            result = scores.get(score.id)
            applies = result is not None and result.applies
            row += [f"{result.value:g}" if applies else "", result.band if applies else ""]
        row += [sub.status, sub.assigned_to.email if sub.assigned_to else ""]
        if private:
            contact = svc.vault.open(sub.contact_enc, {}) or {}
            row += [contact.get(key, "") for key in ("name", "method", "email", "phone",
                                                     "time")]
            row += [answers.get(question.id, "") for question in free_text]
        yield row


@bp.get("/export.csv")
def export_csv():
    q = services.get().questionnaire
    filters = Filters.from_args(request.args, q)
    private = request.args.get("private") == "1"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    count = -1
    for row in _csv_rows(services.db(), filters, private):
        writer.writerow([csv_cell(cell) for cell in row])
        count += 1
    shown = ", ".join(f"{k}={v}" for k, v in filters.args().items()) or "no filters"
    audit.record("csv_export", detail=f"{count} rows; {shown}"
                 + ("; with contact details and free text" if private else ""))
    services.db().commit()
    response = make_response("\ufeff" + buffer.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kap-submissions-{stamp}.csv"')
    return response


# -- audit log ----------------------------------------------------------------------------
@bp.get("/audit")
def audit_log():
    if not current_user.is_admin:
        abort(403)
    args = request.args
    action = args.get("action", "")
    actor = (args.get("actor") or "").strip()[:254]
    reference = (args.get("reference") or "").strip()[:20]
    date_from, date_to = _parse_date(args.get("from")), _parse_date(args.get("to"))
    stmt = select(AuditEntry)
    if action in audit.ACTIONS:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor.contains(actor.lower(), autoescape=True))
    if reference:
        stmt = stmt.where(AuditEntry.reference == reference.upper())
    if date_from:
        stmt = stmt.where(AuditEntry.at >= _day_start_utc(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < _day_start_utc(date_to + dt.timedelta(days=1)))
    db = services.db()
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / AUDIT_PER_PAGE))
    page = min(max(_int(args.get("page"), 1), 1), pages)
    entries = db.scalars(stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                         .limit(AUDIT_PER_PAGE).offset((page - 1) * AUDIT_PER_PAGE)).all()
    current = {k: v for k, v in {"action": action if action in audit.ACTIONS else "",
                                 "actor": actor, "reference": reference,
                                 "from": args.get("from", "") if date_from else "",
                                 "to": args.get("to", "") if date_to else ""}.items() if v}
    return render_template("staff/audit.html", entries=entries, actions=audit.ACTIONS,
                           current=current, total=total, page=page, pages=pages)
