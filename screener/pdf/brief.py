"""render_brief: the clinician brief, a PDF for the treating clinician only.

Separate from the client's summary (which stays as it is): contact details, the flags by
level with their evidence and staff text, the questions for the call, the scores and the
answers. Every page says "Confidential — for the treating clinician" and carries the same
footer as the summary (crisis line, page numbers, the practice's disclaimer).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime

from reportlab.platypus import CondPageBreak, Spacer

from ..questionnaire import LEVELS, Evaluation, Questionnaire
from .document import _canvas_maker, letter_document
from .flowables import Para
from .sections import answer_tables, bullets
from .style import paragraph_styles
from .text import format_number, markup, register_fonts

CONFIDENTIAL = "Confidential \u2014 for the treating clinician"
TITLE = "Clinician brief"
LEVEL_TITLES = {"urgent": "Urgent", "review": "Needs review", "info": "For information"}
METHODS = {"email": "Email", "phone": "Phone"}
VOICEMAIL = {"yes": "Yes", "no": "No"}


@dataclass(frozen=True)
class BriefMeta:
    """What the brief needs besides the evaluation: the submission's plain facts, as read."""

    reference: str
    created_at: datetime
    contact: dict = field(default_factory=dict)
    received: str = ""
    priority: str = ""
    status: str = ""
    #: the language the client answered in, named for staff ("Spanish"); "" for English
    language: str = ""


def render_brief(evaluation: Evaluation, definition: Questionnaire, meta: BriefMeta) -> bytes:
    register_fonts()
    styles = paragraph_styles()
    practice = str(definition.meta.practice.get("name") or definition.meta.title)
    buffer = io.BytesIO()
    doc = letter_document(
        buffer,
        title=f"{TITLE} {meta.reference} ({CONFIDENTIAL})",
        author=practice,
        subject=f"{definition.meta.title}: clinician brief",
    )
    flowables = [
        *_header(definition, meta, styles, practice),
        *_contact(meta.contact, styles),
        *_outcome(evaluation, styles),
        *_flags(evaluation, definition, styles),
        *_questions(evaluation, styles),
        *_scores(evaluation, styles),
        *_answers(evaluation, definition, styles),
    ]
    maker = _canvas_maker(meta, practice, definition.meta, CONFIDENTIAL)
    doc.build(flowables, canvasmaker=maker)
    return buffer.getvalue()


def _header(definition, meta: BriefMeta, styles, practice: str) -> list:
    facts = [f"Reference: {markup(meta.reference)}", f"Received: {markup(meta.received)}"]
    if meta.priority:
        facts.append(f"Queue priority: {markup(meta.priority)}")
    if meta.status:
        facts.append(f"Status: {markup(meta.status)}")
    if meta.language:
        facts.append(f"<b>Answered in {markup(meta.language)}</b>")
    version = f"Questionnaire version {markup(definition.meta.version or '-')}"
    return [
        Para(markup(practice), styles["practice"]),
        Para(TITLE, styles["title"]),
        Para(f"<b>{CONFIDENTIAL}</b>. Screening results, not a diagnosis.", styles["body"]),
        Para(" \u00b7 ".join(facts) + "<br/>" + version, styles["meta"]),
        Spacer(1, 8),
    ]


def _contact(contact: dict, styles) -> list:
    method = contact.get("method", "")
    rows = [
        ("Name", contact.get("name") or "Not given"),
        ("Preferred contact", METHODS.get(method, method or "Not given")),
        ("Email", contact.get("email") or ""),
        ("Phone", contact.get("phone") or ""),
        ("Safe time to contact", contact.get("time") or "No preference given"),
        ("Voicemail OK", VOICEMAIL.get(contact.get("voicemail", ""), "Not asked")),
    ]
    lines = [f"<b>{label}:</b> {markup(value)}" for label, value in rows if value]
    out = [Para("Contact", styles["h2"]), Para("<br/>".join(lines), styles["body"])]
    callback = contact.get("callback") or {}
    if callback:
        asked = [
            ("First name", callback.get("first_name") or "Not given"),
            ("Phone", callback.get("phone") or "Not given"),
            ("Safe time to call", callback.get("time") or "No preference given"),
            ("Voicemail OK", VOICEMAIL.get(callback.get("voicemail", ""), "Not asked")),
        ]
        text = "<br/>".join(f"<b>{label}:</b> {markup(value)}" for label, value in asked)
        out += [Para("Call-back requested", styles["h3"]), Para(text, styles["body"])]
    return out


def _outcome(evaluation, styles) -> list:
    out = [
        Para("Outcome", styles["h2"]),
        Para(f"<b>{markup(evaluation.outcome.title)}</b>", styles["body"]),
    ]
    reasons = [markup(r.flag.client_text) for r in evaluation.reasons if r.flag.client_text]
    if reasons:
        out += [Para("Why (as the client was told):", styles["small"]), *bullets(reasons, styles)]
    return out


def _evidence(definition, fired) -> list[str]:
    out = []
    for qid, value in fired.evidence:
        question = definition.questions.get(qid)
        if question is not None:
            out.append(f"{markup(question.label)} <b>{markup(question.display(value))}</b>")
        else:
            score = definition.score(qid)
            label = score.label if score else qid
            shown = format_number(value) if isinstance(value, int | float) else str(value)
            out.append(f"{markup(label)} <b>{markup(shown)}</b>")
    return out


def _flags(evaluation, definition, styles) -> list:
    out = [Para("Flags", styles["h2"])]
    if not evaluation.flags:
        return out + [Para("No flags were raised.", styles["body"])]
    for level in LEVELS:
        fired = [f for f in evaluation.flags if f.flag.level == level]
        if not fired:
            continue
        out.append(Para(f"{LEVEL_TITLES.get(level, level)} ({len(fired)})", styles["h3"]))
        for f in fired:
            text = f"<b>{markup(f.flag.label or f.flag.id)}</b>"
            if f.flag.staff_text:
                text += f": {markup(f.flag.staff_text)}"
            evidence = _evidence(definition, f)
            if evidence:
                text += "<br/><font color='#5b666c'>Raised by:</font> " + "; ".join(evidence)
            out.append(Para(text, styles["bullet"], bulletText="\u2022"))
    return out


def _questions(evaluation, styles) -> list:
    ask = [
        f"{markup(f.flag.ask_on_call)} <font color='#5b666c'>"
        f"({markup(f.flag.label or f.flag.id)})</font>"
        for level in LEVELS
        for f in evaluation.flags
        if f.flag.level == level and f.flag.ask_on_call
    ]
    out = [Para("Questions for the call", styles["h2"])]
    if not ask:
        return out + [Para("No specific questions from the flags.", styles["body"])]
    return out + bullets(ask, styles)


def _scores(evaluation, styles) -> list:
    results = [r for r in evaluation.scores.values() if r.applies]
    if not results:
        return []
    lines = [
        f"<b>{markup(r.score.label)}</b>: {format_number(r.value)} of "
        f"{format_number(r.score.maximum)}, {markup(r.band)}"
        for r in results
    ]
    return [Para("Scores", styles["h2"]), *bullets(lines, styles)]


def _answers(evaluation, definition, styles) -> list:
    visible = set(evaluation.visible_questions)
    heading = [CondPageBreak(140), Para("Answers", styles["h2"]), Spacer(1, 4)]
    return heading + answer_tables(evaluation, definition, visible)
