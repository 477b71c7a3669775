"""The therapists' side: queue, submission detail, PDF, status, notes, assignment, CSV, audit.

The queue filters, sorts and paginates in SQL on the plain columns (urgency, status,
outcome, flag ids, dates) and never decrypts a row. Only the detail page, the PDF and the
CSV export open the encrypted answers, and each of those is audited. The queries live in
`screener.store.queries`, the CSV in `screener.store.export`, the FHIR Bundle in
`screener.store.fhir_export`, both without Flask; the views here
parse the request, call them, audit and render.
"""

from __future__ import annotations

import datetime as dt
import json
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
from sqlalchemy import select

from ..questionnaire import LEVELS, Evaluation, Questionnaire, evaluate, visible_on_page
from ..store import (
    Note,
    StatusChange,
    Submission,
    Therapist,
    export,
    fhir_export,
    queries,
    utcnow,
)
from ..store.queries import (
    PER_PAGE,
    STATUSES,
    URGENCY,
    AuditFilters,
    Filters,
    Labels,
    audit_page,
    flags_by_level,
    parse_int,
    queue_page,
)
from . import app_state, audit
from .auth import login_manager

bp = Blueprint("staff", __name__, url_prefix="/staff")

MAX_NOTE = 5000

#: the status workflow: where each status can go next
TRANSITIONS = {
    "new": ("in_review",),
    "in_review": ("contacted",),
    "contacted": ("consultation_booked", "not_a_fit_now"),
    "consultation_booked": ("closed",),
    "not_a_fit_now": ("closed",),
    "closed": (),
}


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
def staff_globals() -> dict:
    return {
        "urgent_unreviewed": urgent_unreviewed(),
        "STATUSES": STATUSES,
        "local_time": local_time,
        "relative_time": relative_time,
    }


def urgent_unreviewed() -> int:
    if "urgent_unreviewed" not in g:
        g.urgent_unreviewed = queries.urgent_unreviewed(app_state.db())
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
    for size, unit in (
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400 * 7, "week"),
        (86400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


# -- queue --------------------------------------------------------------------------------
@bp.get("/")
def queue():
    svc = app_state.get()
    q = svc.questionnaire
    filters = Filters.from_args(request.args, q)
    page = queue_page(app_state.db(), filters, request.args.get("page"), practice_zone())
    return render_template(
        "staff/queue.html",
        rows=page.rows,
        labels=Labels(app_state.definition),
        filters=filters,
        total=page.total,
        page=page.page,
        pages=page.pages,
        per_page=PER_PAGE,
        outcomes=[(o.id, o.title) for o in q.outcomes],
        flags_by_level=flags_by_level(q),
        urgency_names=URGENCY,
    )


# -- detail -------------------------------------------------------------------------------
@dataclass
class Review:
    """A submission opened for a therapist: its pinned definition and re-evaluation."""

    sub: Submission
    q: Questionnaire
    evaluation: Evaluation
    contact: dict


def find_submission(reference: str) -> Submission:
    sub = (
        app_state.db().scalars(select(Submission).where(Submission.reference == reference)).first()
    )
    if sub is None:
        abort(404)
    return sub


def open_review(sub: Submission) -> Review:
    svc = app_state.get()
    try:
        q = app_state.definition(sub.definition_hash)
    except LookupError:
        abort(500)
    sealer = svc.vault.record(sub.key_enc)
    answers = sealer.open(sub.answers_enc, {}) or {}
    contact = sealer.open(sub.contact_enc, {}) or {}
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
    sub = find_submission(reference)
    review = open_review(sub)
    db = app_state.db()
    notes = db.scalars(
        select(Note)
        .where(Note.submission_id == sub.id)
        .order_by(Note.created_at.asc(), Note.id.asc())
    ).all()
    sealer = app_state.get().vault.record(sub.key_enc)
    note_rows = [(n, sealer.open(n.body_enc, "")) for n in notes]
    history = db.scalars(
        select(StatusChange)
        .where(StatusChange.submission_id == sub.id)
        .order_by(StatusChange.at.asc(), StatusChange.id.asc())
    ).all()
    therapists = db.scalars(
        select(Therapist).where(Therapist.active.is_(True)).order_by(Therapist.email)
    ).all()
    ev = review.evaluation
    grouped = [(level, [f for f in ev.flags if f.flag.level == level]) for level in LEVELS]
    ask = [f for level in LEVELS for f in ev.flags if f.flag.level == level and f.flag.ask_on_call]
    audit.record("view_submission", reference=sub.reference)
    db.commit()
    return render_template(
        "staff/detail.html",
        sub=sub,
        review=review,
        ev=ev,
        dq=review.q,
        contact=review.contact,
        grouped=grouped,
        ask=ask,
        notes=note_rows,
        history=history,
        therapists=therapists,
        next_statuses=TRANSITIONS.get(sub.status, ()),
        answers=answer_rows(review.q, ev),
        evidence=lambda f: evidence_rows(review.q, f),
        urgency_names=URGENCY,
        max_note=MAX_NOTE,
        note_error=g.pop("note_error", None),
        note_text=g.pop("note_text", ""),
    )


def summary_pdf_bytes(sub: Submission, review: Review) -> bytes:
    from ..pdf import SummaryMeta, render_summary

    return render_summary(
        review.evaluation, review.q, SummaryMeta(reference=sub.reference, created_at=sub.created_at)
    )


@bp.get("/s/<reference>/summary.pdf")
def summary_pdf(reference):
    sub = find_submission(reference)
    body = summary_pdf_bytes(sub, open_review(sub))
    inline = request.args.get("inline") == "1"
    audit.record("pdf_view" if inline else "pdf_download", reference=sub.reference)
    app_state.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="kap-prescreen-summary-{sub.reference}.pdf"'
    )
    return response


@bp.get("/s/<reference>/fhir.json")
def fhir_bundle(reference):
    """The submission as a FHIR R4 Bundle (collection): QuestionnaireResponse and scores."""
    sub = find_submission(reference)
    review = open_review(sub)
    body = fhir_json(sub, review)
    audit.record("fhir_download", reference=sub.reference)
    app_state.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/fhir+json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kap-prescreen-{sub.reference}.fhir.json"'
    )
    return response


def fhir_json(sub: Submission, review: Review) -> str:
    base = current_app.config.get("FHIR_BASE_URL") or None
    resource = fhir_export.submission_bundle(sub, review.q, review.evaluation.answers, base)
    return json.dumps(resource, ensure_ascii=False, indent=2)


@bp.post("/s/<reference>/status")
def change_status(reference):
    sub = find_submission(reference)
    new = request.form.get("status", "")
    seen = request.form.get("current", sub.status)
    old = sub.status
    if seen != old:
        changed_meanwhile(old)
    elif new not in STATUSES:
        flash("Choose a new status from the list.")
    elif new not in TRANSITIONS.get(old, ()):
        allowed = " or ".join(f"\u201c{STATUSES[s]}\u201d" for s in TRANSITIONS.get(old, ()))
        hint = (
            f" From \u201c{STATUSES[old]}\u201d it can move to {allowed}."
            if allowed
            else f" \u201c{STATUSES[old]}\u201d is the last step."
        )
        flash(
            f"The status cannot change from \u201c{STATUSES[old]}\u201d to "
            f"\u201c{STATUSES[new]}\u201d.{hint}"
        )
    elif not queries.change_status(app_state.db(), sub.id, old, new):
        app_state.db().rollback()
        now = app_state.db().scalar(select(Submission.status).where(Submission.id == sub.id))
        if now is None:  # deleted by its client meanwhile
            abort(404)
        changed_meanwhile(now)
    else:
        therapist = current_user.therapist
        app_state.db().add(StatusChange(submission_id=sub.id, by_id=therapist.id, old=old, new=new))
        audit.record("status_change", reference=sub.reference, detail=f"{old} \u2192 {new}")
        app_state.db().commit()
        flash(f"Status changed to \u201c{STATUSES[new]}\u201d.")
    return redirect(url_for(".detail", reference=reference, _anchor="status"), code=303)


def changed_meanwhile(now: str) -> None:
    flash(
        f"Someone changed the status to \u201c{STATUSES.get(now, now)}\u201d while you "
        "had this page open. Check it and try again."
    )


@bp.post("/s/<reference>/notes")
def add_note(reference):
    sub = find_submission(reference)
    body = (request.form.get("body") or "").strip()
    if not body:
        g.note_error = "Enter the note before you add it."
    elif len(body) > MAX_NOTE:
        g.note_error = f"Notes can be at most {MAX_NOTE} characters; this one has {len(body)}."
        g.note_text = body
    if "note_error" in g:
        response = detail(reference)
        return make_response(response, 400)
    app_state.db().add(
        Note(
            submission_id=sub.id,
            author_id=current_user.therapist.id,
            body_enc=app_state.get().vault.record(sub.key_enc).seal(body),
        )
    )
    audit.record("note_added", reference=sub.reference)
    app_state.db().commit()
    flash("Note added.")
    return redirect(url_for(".detail", reference=sub.reference, _anchor="notes"), code=303)


@bp.post("/s/<reference>/assign")
def assign(reference):
    sub = find_submission(reference)
    raw = request.form.get("therapist", "")
    db = app_state.db()
    if raw == "":
        target = None
    else:
        target = db.get(Therapist, parse_int(raw, -1))
        if target is None or not target.active:
            flash("Choose a therapist from the list.")
            return redirect(url_for(".detail", reference=sub.reference, _anchor="assign"), code=303)
    if (target.id if target else None) != sub.assigned_to_id:
        sub.assigned_to_id = target.id if target else None
        audit.record(
            "assign",
            reference=sub.reference,
            detail=f"to {target.email}" if target else "unassigned",
        )
        db.commit()
    flash(f"Assigned to {target.email}." if target else "No one is assigned now.")
    return redirect(url_for(".detail", reference=sub.reference, _anchor="assign"), code=303)


# -- CSV export ---------------------------------------------------------------------------
@bp.get("/export.csv")
def export_link():
    """An old link or bookmark: exporting (and auditing it) is a POST with CSRF only, so a
    link on another site cannot make a signed-in therapist's browser export."""
    flash("To download the queue as a CSV file, use the Download CSV button below.")
    filters = Filters.from_args(request.args, app_state.get().questionnaire)
    return redirect(url_for(".queue", **filters.args(), _anchor="export"), code=303)


@bp.post("/export.csv")
def export_csv():
    svc = app_state.get()
    filters = Filters.from_args(request.form, svc.questionnaire)
    private = request.form.get("private") == "1"
    rows = export.csv_rows(
        app_state.db(),
        svc.vault,
        svc.questionnaire,
        app_state.definition,
        filters,
        practice_zone(),
        private,
    )
    body, count = export.build_csv(rows)
    audit.record("csv_export", detail=export.audit_detail(filters, count, private))
    app_state.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename(utcnow())}"'
    return response


# -- audit log ----------------------------------------------------------------------------
@bp.get("/audit")
def audit_log():
    if not current_user.is_admin:
        abort(403)
    filters = AuditFilters.from_args(request.args, audit.ACTIONS)
    page = audit_page(app_state.db(), filters, request.args.get("page"), practice_zone())
    return render_template(
        "staff/audit.html",
        entries=page.rows,
        actions=audit.ACTIONS,
        current=filters.args(),
        total=page.total,
        page=page.page,
        pages=page.pages,
    )
