"""The queue as a CSV file: one row a submission, in queue order, with the queue's filters.

Times are in the practice's time zone; each id (outcome, rank, status) has its label beside
it; the status history is one cell ("when: old → new (by)", oldest first).

Every choice answer has two columns, its code and its label (`phq9_1`, `phq9_1_label`), as
REDCap's labelled exports do; a multiple answer joins its codes and its labels with "; ".
Contact details and free-text answers go in only when the therapist opts in (`private`).
Every cell that a spreadsheet would read as a formula is neutralised. Nothing here imports
Flask: callers pass the session, the vault, the questionnaires and the filters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..interop.spreadsheet import CSV_DANGER, csv_cell
from ..questionnaire import Question, Questionnaire, evaluate
from .crypto import Vault
from .models import StatusChange, Submission
from .queries import RANKS, STATUSES, Filters, Labels, local_today, queue_order

CONTACT_KEYS = ("name", "method", "email", "phone", "time", "voicemail")
__all__ = ["CSV_DANGER", "csv_cell", "csv_rows", "build_csv", "choice_cells"]


def csv_rows(
    db: Session,
    vault: Vault,
    q: Questionnaire,
    definition: Callable[[str], Questionnaire],
    filters: Filters,
    zone: dt.tzinfo,
    private: bool,
) -> Iterator[list]:
    """The header, then a row a submission; each submission scored by its pinned version."""
    free_text = [
        question for question in q.questions.values() if question.type in ("text", "longtext")
    ]
    header = [
        "reference",
        "received_local",
        "outcome",
        "outcome_label",
        "urgency_rank",
        "urgency_label",
        "age",
        "flags",
    ]
    for score in q.scores:
        header += [f"{score.id}_score", f"{score.id}_band"]
    header += ["status", "status_label", "status_history", "follow_up_on", "assigned_to"]
    choices = [question for question in q.questions.values() if question.is_choice]
    for question in choices:
        header += [question.id, f"{question.id}_label"]
    if private:
        header += [f"contact_{key}" for key in CONTACT_KEYS]
        header += [f"answer_{question.id}" for question in free_text]
    yield header
    labels = Labels(definition)
    stmt = filters.apply(select(Submission), zone).order_by(*queue_order(local_today(zone)))
    subs = list(db.scalars(stmt).unique())
    history = status_history(db, [sub.id for sub in subs], zone)
    for sub in subs:
        pinned = labels.definition(sub.definition_hash)
        sealer = vault.record(sub.key_enc)
        answers = sealer.open(sub.answers_enc, {}) or {}
        scores = evaluate(pinned, answers).scores if pinned else {}
        age = answers.get("age")
        row = [
            sub.reference,
            local_stamp(sub.created_at, zone),
            sub.outcome_id,
            labels.short(sub),
            sub.queue_rank,
            RANKS.get(sub.queue_rank, ""),
            age if isinstance(age, int | float) and not isinstance(age, bool) else "",
            " ".join(sub.flags),
        ]
        for score in q.scores:
            result = scores.get(score.id)
            applies = result is not None and result.applies
            row += [f"{result.value:g}" if applies else "", result.band if applies else ""]
        row += [
            sub.status,
            STATUSES.get(sub.status, sub.status),
            "; ".join(history.get(sub.id, [])),
            sub.follow_up_on.isoformat() if sub.follow_up_on else "",
            sub.assigned_to.email if sub.assigned_to else "",
        ]
        for question in choices:
            row += choice_cells(pinned.questions.get(question.id) if pinned else None, answers)
        if private:
            contact = sealer.open(sub.contact_enc, {}) or {}
            row += [contact.get(key, "") for key in CONTACT_KEYS]
            row += [answers.get(question.id, "") for question in free_text]
        yield row


def local_stamp(value: dt.datetime, zone: dt.tzinfo) -> str:
    """Stored naive UTC → "2026-12-06 09:14 MST" in the practice's zone."""
    local = value.replace(tzinfo=dt.UTC).astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def status_history(db: Session, ids: list[str], zone: dt.tzinfo) -> dict[str, list[str]]:
    """Each submission's status changes, oldest first, as a therapist reads them."""
    out: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        stmt = (
            select(StatusChange)
            .where(StatusChange.submission_id.in_(ids[start : start + 500]))
            .order_by(StatusChange.at, StatusChange.id)
        )
        for change in db.scalars(stmt).unique():
            old, new = (STATUSES.get(s, s) for s in (change.old, change.new))
            fix = " (correction)" if change.correction else ""
            by = change.by.email if change.by else ""
            out.setdefault(change.submission_id, []).append(
                f"{local_stamp(change.at, zone)}: {old} \u2192 {new}{fix} ({by})"
            )
    return out


def choice_cells(question: Question | None, answers: dict) -> list[str]:
    """[codes, labels] of one choice answer, as the version the client answered words them."""
    value = answers.get(question.id) if question is not None else None
    if value is None or value == [] or not question.is_choice:
        return ["", ""]
    values = value if isinstance(value, list) else [value]
    return ["; ".join(str(v) for v in values), "; ".join(question.display(v) for v in values)]


def build_csv(rows) -> tuple[str, int]:
    """(the CSV text with a BOM for spreadsheets, the number of rows after the header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    count = -1
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
        count += 1
    return "\ufeff" + buffer.getvalue(), count


def audit_detail(filters: Filters, count: int, private: bool) -> str:
    """What the audit log says about an export: how many rows, which filters, what was in it."""
    shown = ", ".join(f"{k}={v}" for k, v in filters.args().items()) or "no filters"
    return f"{count} rows; {shown}" + ("; with contact details and free text" if private else "")


def filename(now: dt.datetime) -> str:
    return f"kap-submissions-{now:%Y%m%d-%H%M}.csv"
