"""Operations on drafts and submissions, kept out of the views."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from ..questionnaire import Evaluation, Questionnaire, evaluate
from . import outbox
from .crypto import Vault
from .models import Draft, Submission, Tombstone, utcnow

#: no 0/O, 1/I/L, so a code can be read aloud and typed from paper
RESUME_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RESUME_LENGTH = 16  # 31**16 ≈ 2**79: well over 64 bits of entropy
REFERENCE_LENGTH = 8


@dataclass
class DraftState:
    """What a draft holds, decrypted."""

    answers: dict = field(default_factory=dict)
    #: interrupt flags whose support page the client has already seen
    shown: list = field(default_factory=list)
    page: str = ""
    checking: bool = False

    def as_dict(self) -> dict:
        return {
            "answers": self.answers,
            "shown": self.shown,
            "page": self.page,
            "checking": self.checking,
        }


def new_id() -> str:
    return secrets.token_urlsafe(24)


def create_draft(session: Session, vault: Vault, q: Questionnaire) -> Draft:
    key = vault.new_record_key()
    draft = Draft(
        id=new_id(),
        definition_hash=q.content_hash,
        key_enc=key,
        state_enc=vault.record(key).seal(DraftState().as_dict()),
    )
    session.add(draft)
    return draft


def read_state(vault: Vault, draft: Draft) -> DraftState:
    raw = vault.record(draft.key_enc).open(draft.state_enc, {}) or {}
    return DraftState(
        answers=dict(raw.get("answers") or {}),
        shown=list(raw.get("shown") or []),
        page=raw.get("page") or "",
        checking=bool(raw.get("checking")),
    )


def write_state(vault: Vault, draft: Draft, state: DraftState) -> None:
    if draft.key_enc is None:  # a draft from before per-record keys gets its own now
        draft.key_enc = vault.new_record_key()
    draft.state_enc = vault.record(draft.key_enc).seal(state.as_dict())
    draft.updated_at = utcnow()


def merge_page(q: Questionnaire, state: DraftState, page_id: str, values: dict) -> Evaluation:
    """Replace the page's answers and drop every answer that no longer applies."""
    answers = {
        k: v
        for k, v in state.answers.items()
        if q.questions.get(k) and q.questions[k].page_id != page_id
    }
    answers.update({k: v for k, v in values.items() if v not in (None, "", [])})
    evaluation = evaluate(q, answers, page_id)
    state.answers = dict(evaluation.answers)
    return evaluation


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    """Accept lower case, spaces and dashes; map look-alikes the alphabet leaves out."""
    text = code.upper().replace("O", "0").replace("I", "1").replace("L", "1")
    return "".join(ch for ch in text if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def issue_resume_code(draft: Draft) -> str:
    """A fresh code for the draft (any earlier one stops working). Only its hash is kept."""
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(RESUME_LENGTH))
    draft.resume_hash = hash_code(raw)
    return format_code(raw)


def find_by_code(session: Session, code: str) -> Draft | None:
    if len(normalise_code(code)) != RESUME_LENGTH:
        return None
    return session.scalars(select(Draft).where(Draft.resume_hash == hash_code(code))).first()


def new_reference() -> str:
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return "KAP-" + format_code(raw)


def urgency(evaluation: Evaluation) -> int:
    """3 support first, 2 another urgent flag, 1 needs medical review, 0 the rest."""
    if evaluation.outcome and evaluation.outcome.id == "support_first":
        return 3
    if evaluation.urgent:
        return 2
    if evaluation.fired("needs_medical_review"):
        return 1
    return 0


#: flags of a safety history that is not urgent now: it sorts above routine cases
SAFETY_HISTORY = ("safety_past_attempt",)


def queue_rank(urgency_level: int, flag_ids) -> int:
    """The queue's order: 4 support first, 3 another urgent flag (passive or active
    ideation among them), 2 a past attempt, 1 needs medical review, 0 the rest."""
    if urgency_level >= 2:
        return urgency_level + 1
    if any(flag in SAFETY_HISTORY for flag in flag_ids):
        return 2
    return urgency_level


def submit(
    session: Session, vault: Vault, draft: Draft, evaluation: Evaluation, contact: dict
) -> Submission:
    """Freeze the draft into a submission, once: sending twice returns the first one.

    The draft's row is locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serialises writers), so a second Send pressed at the same moment
    waits, then finds this submission. `submission.draft_id` is unique as a last guard.
    """
    if not lock(session, draft):
        raise LookupError("the draft was deleted meanwhile")
    if draft.submission_id:
        existing = session.get(Submission, draft.submission_id)
        if existing is not None:
            return existing
    key = vault.new_record_key()
    sealer = vault.record(key)
    submission = Submission(
        id=new_id(),
        reference=new_reference(),
        definition_hash=draft.definition_hash,
        draft_id=draft.id,
        key_enc=key,
        answers_enc=sealer.seal(evaluation.answers),
        contact_enc=sealer.seal(contact),
        outcome_id=evaluation.outcome.id,
        flag_ids=" ".join(evaluation.flag_ids),
        urgency=urgency(evaluation),
        queue_rank=queue_rank(urgency(evaluation), evaluation.flag_ids),
        status="new",
        status_at=utcnow(),
    )
    session.add(submission)
    session.flush()
    outbox.enqueue(session, submission)  # the practice is told, in this same transaction
    draft.submission_id = submission.id
    return submission


def lock(session: Session, draft: Draft) -> bool:
    """Re-read the draft's row and lock it until the transaction ends (SELECT ... FOR
    UPDATE; a no-op on SQLite, whose BEGIN IMMEDIATE already holds the write lock).
    False when the row is gone."""
    session.flush()  # a draft made in this transaction must exist before it can be locked
    stmt = (
        select(Draft)
        .where(Draft.id == draft.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first() is not None


def delete_draft(session: Session, draft: Draft) -> list[str]:
    """Delete the draft and anything sent from it, at once, with their data keys; returns
    the references of the submissions deleted (for the audit log).

    Each deleted submission leaves a tombstone (reference, urgency, when), so the practice
    sees it was withdrawn; its answers, contact details, notes and key go with its row."""
    if not lock(session, draft):  # a Send in flight finishes first
        return []  # deleted meanwhile (another tab)
    sent_from_it = Submission.draft_id == draft.id
    if draft.submission_id:
        sent_from_it = or_(sent_from_it, Submission.id == draft.submission_id)
    sent = list(session.scalars(select(Submission).where(sent_from_it)))
    now = utcnow()
    for sub in sent:
        session.add(
            Tombstone(
                reference=sub.reference,
                urgency=sub.urgency,
                queue_rank=sub.queue_rank,
                received_at=sub.created_at,
                deleted_at=now,
                status=sub.status,
                assigned_to_id=sub.assigned_to_id,
            )
        )
    references = [sub.reference for sub in sent]
    session.flush()
    session.execute(delete(Submission).where(sent_from_it))
    session.delete(draft)
    return references
