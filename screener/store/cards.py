"""One queue row as a therapist reads it: first name, how and when to call, age, scores.

The queue page opens each of its (at most 25) rows: the contact details and answers are
sealed with the row's own data key. Nothing here imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..questionnaire import Questionnaire, scores_of
from .crypto import KeyError_, Vault
from .models import Submission

#: the scores the queue shows, by id, when the submission's questionnaire has them
KEY_SCORES = ("phq9", "gad7")
METHODS = {"email": "Email", "phone": "Phone"}
VOICEMAIL = {"yes": "Voicemail OK", "no": "No voicemail"}


@dataclass
class Card:
    """What the queue shows of one submission beyond its plain columns."""

    first_name: str = ""
    method: str = ""
    time: str = ""
    voicemail: str = ""
    age: int | None = None
    #: [(label, value, band)] of KEY_SCORES that apply
    scores: list = field(default_factory=list)
    unreadable: bool = False


def first_name(name: str) -> str:
    parts = (name or "").split()
    return parts[0] if parts else ""


def card(vault: Vault, definition: Callable[[str], Questionnaire | None], sub: Submission) -> Card:
    """Open one submission's contact details and answers, and score them by its version."""
    try:
        sealer = vault.record(sub.key_enc)
        contact = sealer.open(sub.contact_enc, {}) or {}
        answers = sealer.open(sub.answers_enc, {}) or {}
    except KeyError_:
        return Card(unreadable=True)
    # a call-back request (perhaps before Send) brings a first name, a phone, a safe time
    callback = contact.get("callback") or {}
    method = METHODS.get(contact.get("method", ""), "")
    out = Card(
        first_name=first_name(contact.get("name", "") or callback.get("first_name", "")),
        method=method or ("Phone (call-back)" if callback.get("phone") else ""),
        time=(contact.get("time") or callback.get("time") or "").strip(),
        voicemail=VOICEMAIL.get(contact.get("voicemail") or callback.get("voicemail", ""), ""),
    )
    age = answers.get("age")
    out.age = age if isinstance(age, int) and not isinstance(age, bool) else None
    q = definition(sub.definition_hash)
    if q is not None and answers:
        scores = scores_of(q, answers, KEY_SCORES)
        for score_id in KEY_SCORES:
            result = scores.get(score_id)
            if result is not None and result.applies:
                out.scores.append((result.score.label, f"{result.value:g}", result.band))
    return out
