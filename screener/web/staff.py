"""The therapists' side: queue, submission detail, PDFs, status, notes, assignment, CSV, audit.

The queue filters, sorts and paginates in SQL on the plain columns (rank, status, outcome,
flag ids, dates, follow-up day), then opens only the page's own rows (at most 25) for the
first name, contact preferences, age and key scores. The detail page, the PDFs, the FHIR
Bundle and the CSV export open the encrypted answers, and each of those is audited. The
queries live in `screener.store.queries`, the CSV in `screener.store.export`, the FHIR Bundle
in `screener.store.fhir_export`, all without Flask; the views here
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

from ..i18n import translations
from ..questionnaire import LEVELS, Evaluation, Questionnaire, evaluate, visible_on_page
from ..questionnaire.translations import LANGUAGE_NAMES
from ..questionnaire.translations import name as language_name
from ..store import (
    Note,
    StatusChange,
    Submission,
    Therapist,
    Tombstone,
    export,
    fhir_export,
    queries,
    utcnow,
)
from ..store.cards import card
from ..store.queries import (
    PER_PAGE,
    RANKS,
    STATUSES,
    URGENCY,
    VIEWS,
    AuditFilters,
    Filters,
    Labels,
    audit_page,
    flags_by_level,
    local_today,
    parse_date,
    parse_int,
    queue_page,
)
from . import app_state, audit
from .auth import login_manager

bp = Blueprint("staff", __name__, url_prefix="/staff")

MAX_NOTE = 5000

#: the status workflow: any status can move to any other in one step (a call can be booked
#: straight from "New"; a wrong step is corrected by moving back, and both stay recorded)
TRANSITIONS = {old: tuple(new for new in STATUSES if new != old) for old in STATUSES}
#: how long the queue keeps showing a submission its client deleted
TOMBSTONE_DAYS = 14


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
    filters = queue_filters(request.args)
    db = app_state.db()
    page = queue_page(db, filters, request.args.get("page"), practice_zone())
    labels = Labels(app_state.definition)
    cards = {sub.id: card(svc.vault, labels.definition, sub) for sub in page.rows}
    deleted = queries.tombstones(db, utcnow() - dt.timedelta(days=TOMBSTONE_DAYS))
    return render_template(
        "staff/queue.html",
        language_names=LANGUAGE_NAMES,
        rows=page.rows,
        cards=cards,
        labels=labels,
        filters=filters,
        views=VIEWS,
        total=page.total,
        page=page.page,
        pages=page.pages,
        per_page=PER_PAGE,
        outcomes=[(o.id, o.title) for o in q.outcomes],
        flags_by_level=flags_by_level(q),
        urgency_names=URGENCY,
        ranks=RANKS,
        tombstones=deleted,
        today=local_today(practice_zone()),
    )


def queue_filters(args) -> Filters:
    """The queue's filters from a query string or form, "Mine" being the signed-in therapist."""
    return Filters.from_args(args, app_state.get().questionnaire, me=current_user.therapist.id)


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


def evidence_rows(q: Questionnaire, fired) -> list[tuple[str, str, str]]:
    """(anchor of the answer in "All answers" or "", label, value) of what raised a flag."""
    out = []
    for qid, value in fired.evidence:
        question = q.questions.get(qid)
        if question is not None:
            out.append((f"a-{qid}", question.label, question.display(value)))
        else:
            score = q.score(qid)
            shown = f"{value:g}" if isinstance(value, int | float) else str(value)
            out.append(("scores" if score else "", score.label if score else qid, shown))
    return out


def safety_panel(q: Questionnaire, evaluation: Evaluation) -> list[tuple[str, str]]:
    """The safety section's yes/no items in order (C-SSRS style): (question, Yes/No/Not asked)."""
    section = q.section("safety")
    if section is None:
        return []
    rows = []
    for page in section.pages:
        for question in page.questions:
            if question.type != "yesno":
                continue
            value = evaluation.answers.get(question.id)
            rows.append((question, question.display(value) if value else "Not asked"))
    return rows


def raised_by(evaluation: Evaluation) -> set[str]:
    """The ids of the answers that raised any flag (highlighted in "All answers")."""
    return {qid for f in evaluation.flags for qid, _ in f.evidence}


def queue_position(sub: Submission) -> tuple[str | None, str | None]:
    filters = queue_filters(request.args)
    return queries.neighbours(app_state.db(), filters, practice_zone(), sub.id)


def tombstone_page(reference: str):
    """A submission its client deleted: what is left of it, never a bare "not found"."""
    stone = app_state.db().get(Tombstone, reference)
    if stone is None:
        abort(404)
    audit.record("view_submission", reference=stone.reference, detail="deleted by the client")
    app_state.db().commit()
    html = render_template("staff/tombstone.html", stone=stone, ranks=RANKS, urgency_names=URGENCY)
    return make_response(html, 410)


@bp.get("/s/<reference>")
def detail(reference):
    sub = (
        app_state.db().scalars(select(Submission).where(Submission.reference == reference)).first()
    )
    if sub is None:
        return tombstone_page(reference)
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
    previous, following = queue_position(sub)
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
        raised=raised_by(ev),
        safety=safety_panel(review.q, ev),
        short_outcome=queries.OUTCOME_SHORT.get(sub.outcome_id, ev.outcome.title),
        age=ev.answers.get("age"),
        previous=previous,
        following=following,
        queue_args=queue_filters(request.args).args(),
        urgency_names=URGENCY,
        ranks=RANKS,
        max_note=MAX_NOTE,
        note_error=g.pop("note_error", None),
        note_text=g.pop("note_text", ""),
        today=local_today(practice_zone()),
        language_name=language_name(sub.language),
    )


def summary_pdf_bytes(sub: Submission, review: Review, language: str = "") -> bytes:
    """The client's summary as they have it: in their language, unless `language` is given
    (the English rendering therapists may download)."""
    from ..pdf import SummaryMeta, render_summary

    language = language or sub.language or "en"
    q, evaluation = review.q, review.evaluation
    if language != q.language:
        q = app_state.definition(sub.definition_hash, language)
        evaluation = evaluate(q, review.evaluation.answers)
    return render_summary(
        evaluation,
        q,
        SummaryMeta(reference=sub.reference, created_at=sub.created_at),
        translations=translations(q.language),
        locale=q.language,
    )


@bp.get("/s/<reference>/summary.pdf")
def summary_pdf(reference):
    sub = find_submission(reference)
    english = request.args.get("language") == "en"
    body = summary_pdf_bytes(sub, open_review(sub), "en" if english else "")
    inline = request.args.get("inline") == "1"
    audit.record("pdf_view" if inline else "pdf_download", reference=sub.reference)
    app_state.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    disposition = "inline" if inline else "attachment"
    suffix = "-english" if english and sub.language != "en" else ""
    response.headers["Content-Disposition"] = (
        f'{disposition}; filename="kap-prescreen-summary-{sub.reference}{suffix}.pdf"'
    )
    return response


@bp.get("/s/<reference>/brief.pdf")
def brief_pdf(reference):
    """The clinician brief: contact, flags with evidence, questions, scores and answers."""
    from ..pdf import BriefMeta, render_brief

    sub = find_submission(reference)
    review = open_review(sub)
    meta = BriefMeta(
        reference=sub.reference,
        created_at=sub.created_at,
        contact=review.contact,
        received=local_time(sub.created_at),
        priority=RANKS.get(sub.queue_rank, ""),
        status=STATUSES.get(sub.status, sub.status),
        language="" if sub.language == "en" else language_name(sub.language),
    )
    body = render_brief(review.evaluation, review.q, meta)
    audit.record("brief_download", reference=sub.reference)
    app_state.db().commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kap-clinician-brief-{sub.reference}.pdf"'
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
    correction = request.form.get("correction") == "1"
    old = sub.status
    db = app_state.db()
    if seen != old:
        changed_meanwhile(old)
    elif new not in STATUSES:
        flash("Choose a new status from the list.")
    elif new == old:
        flash(f"The status is already \u201c{STATUSES[old]}\u201d.")
    elif not queries.change_status(db, sub.id, old, new, local_today(practice_zone())):
        db.rollback()
        now = db.scalar(select(Submission.status).where(Submission.id == sub.id))
        if now is None:  # deleted by its client meanwhile
            return redirect(url_for(".detail", reference=reference), code=303)
        changed_meanwhile(now)
    else:
        therapist = current_user.therapist
        change = StatusChange(
            submission_id=sub.id, by_id=therapist.id, old=old, new=new, correction=correction
        )
        db.add(change)
        audit.record(
            "status_corrected" if correction else "status_change",
            reference=sub.reference,
            detail=f"{old} \u2192 {new}",
        )
        db.commit()
        flash(status_message(new, correction, change.at))
    return redirect(detail_url(reference, "status"), code=303)


def status_message(new: str, correction: bool, at: dt.datetime) -> str:
    if correction:
        return f"Corrected: the status is \u201c{STATUSES[new]}\u201d again. Both steps are kept."
    if new == "no_answer":
        return f"Recorded: tried to call, no answer, at {local_time(at)}."
    if new == "consultation_booked":
        return "Recorded: called, and the consultation is booked."
    return f"Status changed to \u201c{STATUSES[new]}\u201d."


@bp.post("/s/<reference>/follow-up")
def follow_up(reference):
    """Set (or clear) the day the case goes back to the top of the queue."""
    sub = find_submission(reference)
    raw = request.form.get("on", "")
    today = local_today(practice_zone())
    day = parse_date(raw)
    if request.form.get("clear") == "1":
        day = None
    elif day is None or day < today:
        flash(
            f"Enter the follow-up date as a real date from today ({today.isoformat()}) on, "
            "like 2026-12-07."
        )
        return redirect(detail_url(sub.reference, "follow-up"), code=303)
    sub.follow_up_on = day
    audit.record("follow_up", reference=sub.reference, detail=day.isoformat() if day else "cleared")
    app_state.db().commit()
    flash(
        f"Follow-up set for {day:%A %d %B %Y}: the case goes back to the top of the queue that day."
        if day
        else "Follow-up date cleared."
    )
    return redirect(detail_url(sub.reference, "follow-up"), code=303)


def detail_url(reference: str, anchor: str) -> str:
    """Back to the detail page after a form, keeping the queue's filters (next, previous)."""
    return url_for(
        ".detail", reference=reference, _anchor=anchor, **queue_filters(request.args).args()
    )


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
    return redirect(detail_url(sub.reference, "notes"), code=303)


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
            return redirect(detail_url(sub.reference, "assign"), code=303)
    if (target.id if target else None) != sub.assigned_to_id:
        sub.assigned_to_id = target.id if target else None
        audit.record(
            "assign",
            reference=sub.reference,
            detail=f"to {target.email}" if target else "unassigned",
        )
        db.commit()
    flash(f"Assigned to {target.email}." if target else "No one is assigned now.")
    return redirect(detail_url(sub.reference, "assign"), code=303)


# -- CSV export ---------------------------------------------------------------------------
@bp.get("/export.csv")
def export_link():
    """An old link or bookmark: exporting (and auditing it) is a POST with CSRF only, so a
    link on another site cannot make a signed-in therapist's browser export."""
    flash("To download the queue as a CSV file, use the Download CSV button below.")
    filters = queue_filters(request.args)
    return redirect(url_for(".queue", **filters.args(), _anchor="export"), code=303)


@bp.post("/export.csv")
def export_csv():
    svc = app_state.get()
    filters = queue_filters(request.form)
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
