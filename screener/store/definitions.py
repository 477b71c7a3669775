"""Every questions.yaml version a client answered, stored whole so old summaries re-render."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session

from ..questionnaire import Questionnaire, load_text
from .models import DefinitionVersion


def save_definition(session: Session, q: Questionnaire) -> None:
    """Store the text of `q` under its content hash, once."""
    if session.get(DefinitionVersion, q.content_hash) is None:
        session.add(DefinitionVersion(hash=q.content_hash, text=q.text))


def load_definition(session: Session, content_hash: str) -> Questionnaire | None:
    """The stored version with this hash, or None when it was never stored."""
    row = session.get(DefinitionVersion, content_hash)
    return None if row is None else _parse(row.text, content_hash)


@lru_cache(maxsize=16)
def _parse(text: str, content_hash: str) -> Questionnaire:
    return load_text(text, "stored", content_hash).questionnaire
