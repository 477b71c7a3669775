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
from .keys import new_key, shred
from .models import Draft, Submission, Tombstone, utcnow

#: no 0/O, 1/I/L, so a code can be read aloud and typed from paper
RESUME_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RESUME_LENGTH = 16  # 31**16 ≈ 2**79: well over 64 bits of entropy
REFERENCE_LENGTH = 8


@dataclass
class DraftState:
    """What a draft holds, decrypted.

    `answers` also keeps the answers to questions that a later change hid (age 42 → 17):
    evaluate() never uses them, so they are never shown, counted, printed nor sent, and
    they apply again if the change is undone. Sending drops them for good (`forget_hidden`).
    """

    answers: dict = field(default_factory=dict)
    #: interrupt flags whose support page the client has already seen
    shown: list = field(default_factory=list)
    page: str = ""
    checking: bool = False
    #: the language the client answers in ("": not chosen yet); resume and sending use it
    language: str = ""

    def as_dict(self) -> dict:
        return {
            "answers": self.answers,
            "shown": self.shown,
            "page": self.page,
            "checking": self.checking,
            "language": self.language,
        }


def new_id() -> str:
    return secrets.token_urlsafe(24)


def create_draft(session: Session, vault: Vault, q: Questionnaire) -> Draft:
    key = new_key(vault)
    draft = Draft(
        id=new_id(),
        definition_hash=q.content_hash,
        key=key,
        state_enc=vault.record(key.key_enc).seal(DraftState().as_dict()),
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
        language=str(raw.get("language") or ""),
    )


def write_state(vault: Vault, draft: Draft, state: DraftState) -> None:
    if draft.key is None:  # a draft from before per-record keys gets its own now
        draft.key = new_key(vault)
    draft.state_enc = vault.record(draft.key_enc).seal(state.as_dict())
    draft.updated_at = utcnow()


def merge_page(q: Questionnaire, state: DraftState, page_id: str, values: dict) -> Evaluation:
    """Replace the page's answers; answers on other pages that no longer apply are kept aside."""
    others = {
        k: v
        for k, v in state.answers.items()
        if q.questions.get(k) and q.questions[k].page_id != page_id
    }
    answers = others | {k: v for k, v in values.items() if v not in (None, "", [])}
    evaluation = evaluate(q, answers, page_id)
    hidden = {k: v for k, v in others.items() if k not in evaluation.answers}
    state.answers = hidden | dict(evaluation.answers)
    return evaluation


def forget_hidden(state: DraftState, evaluation: Evaluation) -> None:
    """Keep only the answers that count: what was sent is all the draft holds."""
    state.answers = dict(evaluation.answers)


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
    if draft.resume_hash:
        draft.replaced_resume_hash = draft.resume_hash
    draft.resume_hash = hash_code(raw)
    return format_code(raw)


def code_was_replaced(session: Session, code: str) -> bool:
    """Is this the code a later save of the same answers replaced?"""
    if len(normalise_code(code)) != RESUME_LENGTH:
        return False
    found = select(Draft.id).where(Draft.replaced_resume_hash == hash_code(code))
    return session.scalars(found).first() is not None


def find_by_code(session: Session, code: str) -> Draft | None:
    if len(normalise_code(code)) != RESUME_LENGTH:
        return None
    return session.scalars(select(Draft).where(Draft.resume_hash == hash_code(code))).first()


def new_reference() -> str:
    raw = "".join(secrets.choice(RESUME_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return "KAP-" + format_code(raw)


def urgency(evaluation: Evaluation) -> int:
    """3 a crisis-first outcome, 2 another urgent flag, 1 needs medical review, 0 the rest."""
    if evaluation.crisis_first:
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


#: a call-back request is urgent whatever the answers say
CALLBACK_URGENCY = 2
#: what a notification names a call-back request by (no health data)
CALLBACK_LEVEL = "Call-back requested"


def submit(
    session: Session,
    vault: Vault,
    draft: Draft,
    evaluation: Evaluation,
    contact: dict | None = None,
    callback: dict | None = None,
    language: str = "en",
) -> Submission:
    """The draft's one submission, for both exits: Send (`contact`) and a call-back request.

    A draft never has two. The draft's row is locked first (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers), so a second request
    at the same moment waits, then finds this submission; `submission.draft_id` is unique
    as a last guard. Send freezes it (sending twice returns the first). A call-back
    request before Send makes it at once with the answers given so far, and Send later
    completes that same one; a call-back request after Send adds its details only.
    """
    if not lock(session, draft):
        raise LookupError("the draft was deleted meanwhile")
    submission = session.get(Submission, draft.submission_id) if draft.submission_id else None
    if submission is not None and submission.sent and callback is None:
        return submission
    made = submission is None
    newly_requested = callback is not None and (made or not submission.callback_requested)
    if made:
        submission = Submission(
            id=new_id(),
            reference=new_reference(),
            definition_hash=draft.definition_hash,
            draft_id=draft.id,
            key=new_key(vault),
            status="new",
            sent=False,
            callback_requested=False,
            urgency=0,
            status_at=utcnow(),
        )
        session.add(submission)
    sealer = vault.record(submission.key_enc)
    if not submission.sent:  # the answers are the draft's until it is sent
        submission.answers_enc = sealer.seal(evaluation.answers)
        submission.outcome_id = evaluation.outcome.id
        submission.flag_ids = " ".join(evaluation.flag_ids)
        submission.urgency = urgency(evaluation)
        submission.language = language
    details = (sealer.open(submission.contact_enc, {}) or {}) if submission.contact_enc else {}
    if contact is not None:
        details.update(contact)
        submission.sent = True
    if callback is not None:
        details["callback"] = callback
        submission.callback_requested = True
    if submission.callback_requested:
        submission.urgency = max(submission.urgency, CALLBACK_URGENCY)
    submission.queue_rank = queue_rank(submission.urgency, submission.flags)
    submission.contact_enc = sealer.seal(details)
    session.flush()
    # The practice is told in this same transaction: once when the submission is made, and
    # once more, urgently, when a call-back is first asked for on one already sent.
    if newly_requested:
        outbox.enqueue(session, submission, urgent=True, level=CALLBACK_LEVEL)
    elif made:
        outbox.enqueue(session, submission)
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
        .with_for_update(of=Draft)  # not its key, which is outer-joined (and may be None)
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first() is not None


def tombstone(sub: Submission) -> Tombstone:
    """What is left of a submission its client deleted: no answers, contact or key."""
    return Tombstone(
        reference=sub.reference,
        urgency=sub.urgency,
        queue_rank=sub.queue_rank,
        received_at=sub.created_at,
        deleted_at=utcnow(),
        status=sub.status,
        assigned_to_id=sub.assigned_to_id,
    )


def delete_draft(session: Session, draft: Draft) -> list[str]:
    """Delete the draft and anything sent from it, at once, with their data keys; returns
    the references of the submissions deleted (for the audit log).

    Each deleted submission leaves a tombstone (reference, urgency, when), so the practice
    sees it was withdrawn; its answers, contact details, notes and key go with its row.
    After the commit, `maintenance.after_delete` clears the keys from the database files.
    """
    if not lock(session, draft):  # a Send in flight finishes first
        return []  # deleted meanwhile (another tab)
    sent_from_it = Submission.draft_id == draft.id
    if draft.submission_id:
        sent_from_it = or_(sent_from_it, Submission.id == draft.submission_id)
    for sub in session.scalars(select(Submission).where(sent_from_it)):
        session.add(tombstone(sub))
    session.flush()
    deleted = session.execute(
        delete(Submission).where(sent_from_it).returning(Submission.reference, Submission.key_id)
    ).all()
    key_ids = [draft.key_id, *(key_id for _reference, key_id in deleted)]
    session.delete(draft)
    shred(session, key_ids)
    return [reference for reference, _key_id in deleted]
