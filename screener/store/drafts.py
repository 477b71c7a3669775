"""Operations on drafts and submissions, kept out of the views."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import delete, select
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


def submit(
    session: Session, vault: Vault, draft: Draft, evaluation: Evaluation, contact: dict
) -> Submission:
    """Freeze the draft into a submission; sending twice returns the first one."""
    if draft.submission_id:
        existing = session.get(Submission, draft.submission_id)
        if existing is not None:
            return existing
    submission = Submission(
        id=new_id(),
        reference=new_reference(),
        definition_hash=draft.definition_hash,
        answers_enc=vault.seal(evaluation.answers),
        contact_enc=vault.seal(contact),
        outcome_id=evaluation.outcome.id,
        flag_ids=" ".join(evaluation.flag_ids),
        urgency=urgency(evaluation),
        status="new",
    )
    session.add(submission)
    session.flush()
    draft.submission_id = submission.id
    return submission


def delete_draft(session: Session, draft: Draft) -> None:
    """Delete the draft and anything sent from it, at once."""
    if draft.submission_id:
        session.execute(delete(Submission).where(Submission.id == draft.submission_id))
    session.delete(draft)
