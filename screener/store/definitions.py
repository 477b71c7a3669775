"""Every questions.yaml version a client answered, stored whole so old summaries re-render."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..questionnaire import Questionnaire, load_text
from .models import DefinitionVersion, Draft, utcnow


def save_definition(session: Session, q: Questionnaire) -> None:
    """Store the text of `q` under its content hash, once, and note when it went live.

    A version goes live when the app starts with it while another one was the last to go
    live; workers restarting on the same version leave the time alone.
    """
    row = session.get(DefinitionVersion, q.content_hash)
    if row is None:
        row = DefinitionVersion(hash=q.content_hash, text=q.text)
        session.add(row)
    newest = live_versions(session, 1)
    if row.live_since is None or (newest and newest[0].hash != row.hash):
        row.live_since = utcnow()


def live_versions(session: Session, limit: int = 2) -> list[DefinitionVersion]:
    """The versions most recently made live, newest first."""
    query = (
        select(DefinitionVersion)
        .where(DefinitionVersion.live_since.is_not(None))
        .order_by(DefinitionVersion.live_since.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def drafts_by_version(session: Session, retention_days: int) -> list[tuple[str, int, object]]:
    """Drafts in progress (not sent, changed within the retention period) per version they
    were started on: [(hash, count, live_since)], the newest version first. Each keeps its
    version until it is sent."""
    since = utcnow() - dt.timedelta(days=retention_days)
    query = (
        select(Draft.definition_hash, func.count(Draft.id), DefinitionVersion.live_since)
        .join(DefinitionVersion, DefinitionVersion.hash == Draft.definition_hash)
        .where(Draft.submission_id.is_(None), Draft.updated_at >= since)
        .group_by(Draft.definition_hash, DefinitionVersion.live_since)
        .order_by(DefinitionVersion.live_since.desc())
    )
    return [tuple(row) for row in session.execute(query)]


def load_definition(session: Session, content_hash: str) -> Questionnaire | None:
    """The stored version with this hash, or None when it was never stored."""
    row = session.get(DefinitionVersion, content_hash)
    return None if row is None else _parse(row.text, content_hash)


@lru_cache(maxsize=16)
def _parse(text: str, content_hash: str) -> Questionnaire:
    return load_text(text, "stored", content_hash).questionnaire
