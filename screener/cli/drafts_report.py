"""`check --drafts`: what a change to questions.yaml means for the drafts in progress.

The checker itself stays pure (no database); this adds, from the configured database
(SCREENER_DATABASE_URL, else the development SQLite file), how many drafts are in progress on
each questionnaire version. A draft keeps the version it was started on until it is sent.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ..questionnaire import Questionnaire
from ..store import drafts_by_version, is_sqlite, make_engine, make_sessionmaker
from ..web import config


def database_url() -> str:
    url = config.from_environment().get("DATABASE_URL")
    return url or f"sqlite:///{config.ROOT / 'instance' / 'screener.sqlite3'}"


def draft_lines(q: Questionnaire, url: str | None = None) -> list[str]:
    """One line per version with drafts in progress; `q` is the file being checked."""
    url = url or database_url()
    if is_sqlite(url) and not Path(make_url(url).database or "").exists():
        return ["drafts in progress: none (no database yet)"]
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = drafts_by_version(session, q.meta.draft_retention_days)
    except SQLAlchemyError as exc:  # no tables yet, or no answer: say so, never the URL
        return [f"drafts in progress: cannot read the database ({type(exc).__name__})"]
    finally:
        engine.dispose()
    if not rows:
        return ["drafts in progress: none"]
    total = sum(count for _, count, _ in rows)
    lines = [f"drafts in progress: {total}, by the questionnaire version they were started on"]
    for content_hash, count, live_since in rows:
        when = f"live since {live_since:%Y-%m-%d}" if live_since else "never live"
        if content_hash == q.content_hash:
            note = "this file"
        else:
            note = f"{when}; they keep it until they are sent"
        lines.append(f"  {content_hash[:12]}  {count:>5}  {note}")
    return lines
