"""Operations on drafts and submissions, kept out of the views."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from ..questionnaire import Evaluation, Questionnaire, evaluate
from .crypto import Vault
from .models import Draft, Submission, utcnow

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
    draft = Draft(
        id=new_id(), definition_hash=q.content_hash, state_enc=vault.seal(DraftState().as_dict())
    )
    session.add(draft)
    return draft


def read_state(vault: Vault, draft: Draft) -> DraftState:
    raw = vault.open(draft.state_enc, {}) or {}
    return DraftState(
        answers=dict(raw.get("answers") or {}),
        shown=list(raw.get("shown") or []),
        page=raw.get("page") or "",
        checking=bool(raw.get("checking")),
    )


def write_state(vault: Vault, draft: Draft, state: DraftState) -> None:
    draft.state_enc = vault.seal(state.as_dict())
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
    """3 a crisis-first outcome, 2 another urgent flag, 1 needs medical review, 0 the rest."""
    if evaluation.crisis_first:
        return 3
    if evaluation.urgent:
        return 2
    if evaluation.fired("needs_medical_review"):
        return 1
    return 0


#: a call-back request is urgent whatever the answers say
CALLBACK_URGENCY = 2


def submit(
    session: Session,
    vault: Vault,
    draft: Draft,
    evaluation: Evaluation,
    contact: dict | None = None,
    callback: dict | None = None,
) -> Submission:
    """The draft's one submission, for both exits: Send (`contact`) and a call-back request.

    A draft never has two. Send freezes it (sending twice returns the first). A call-back
    request before Send makes it at once with the answers given so far, and Send later
    completes that same one; a call-back request after Send adds its details only.
    """
    # Lock the draft and read its submission again, so two requests at once (Send and a
    # call-back, or a double click) find the same submission instead of making two.
    if inspect(draft).persistent:
        session.refresh(draft, with_for_update=True)
    submission = session.get(Submission, draft.submission_id) if draft.submission_id else None
    if submission is not None and submission.sent and callback is None:
        return submission
    if submission is None:
        submission = Submission(
            id=new_id(),
            reference=new_reference(),
            definition_hash=draft.definition_hash,
            status="new",
            sent=False,
            urgency=0,
        )
        session.add(submission)
    if not submission.sent:  # the answers are the draft's until it is sent
        submission.answers_enc = vault.seal(evaluation.answers)
        submission.outcome_id = evaluation.outcome.id
        submission.flag_ids = " ".join(evaluation.flag_ids)
        submission.urgency = urgency(evaluation)
    details = (vault.open(submission.contact_enc, {}) or {}) if submission.contact_enc else {}
    if contact is not None:
        details.update(contact)
        submission.sent = True
    if callback is not None:
        details["callback"] = callback
        submission.callback_requested = True
    if submission.callback_requested:
        submission.urgency = max(submission.urgency, CALLBACK_URGENCY)
    submission.contact_enc = vault.seal(details)
    session.flush()
    draft.submission_id = submission.id
    return submission


def delete_draft(session: Session, draft: Draft) -> None:
    """Delete the draft and anything sent from it, at once."""
    if draft.submission_id:
        session.execute(delete(Submission).where(Submission.id == draft.submission_id))
    session.delete(draft)
