"""Retention and key rotation: purge expired drafts and submissions, compact, re-encrypt.

Both report counts only: never a reference, a name or an answer. The `flask` commands that
run them are in screener.cli.maintenance.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .crypto import Vault
from .models import AuditEntry, Draft, KeyCheck, Note, StatusChange, Submission, utcnow

BATCH = 500


def purge(
    sessions: sessionmaker,
    engine: Engine,
    draft_days: int,
    submission_days: int,
    now: dt.datetime | None = None,
) -> dict:
    """Delete expired drafts and submissions, then compact the database. Idempotent."""
    now = now or utcnow()
    draft_cutoff = now - dt.timedelta(days=draft_days)
    submission_cutoff = now - dt.timedelta(days=submission_days)
    with sessions.begin() as session:
        old = list(
            session.scalars(select(Submission.id).where(Submission.created_at < submission_cutoff))
        )
        counts = {"drafts": 0, "submissions": len(old), "notes": 0}
        for start in range(0, len(old), BATCH):
            ids = old[start : start + BATCH]
            counts["notes"] += (
                session.scalar(
                    select(func.count()).select_from(Note).where(Note.submission_id.in_(ids))
                )
                or 0
            )
            # the draft a submission was sent from holds the same answers: it goes too
            counts["drafts"] += (
                session.execute(delete(Draft).where(Draft.submission_id.in_(ids))).rowcount or 0
            )
            session.execute(delete(Note).where(Note.submission_id.in_(ids)))
            session.execute(delete(StatusChange).where(StatusChange.submission_id.in_(ids)))
            session.execute(delete(Submission).where(Submission.id.in_(ids)))
        counts["drafts"] += (
            session.execute(
                delete(Draft).where(Draft.submission_id.is_(None), Draft.updated_at < draft_cutoff)
            ).rowcount
            or 0
        )
        if any(counts.values()):
            # counts only; audit entries of the purged submissions stay (they hold a reference)
            session.add(
                AuditEntry(
                    actor="system",
                    action="purge",
                    detail=(
                        f"drafts={counts['drafts']} submissions={counts['submissions']} "
                        f"notes={counts['notes']}"
                    ),
                )
            )
    compact(engine)
    return counts


def compact(engine) -> bool:
    """SQLite: VACUUM, then fold the write-ahead log in and truncate it, so deleted rows are
    gone from the file and not only marked free. Other databases: their own autovacuum."""
    if engine.dialect.name != "sqlite":
        return False
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return True


def rotate(sessions: sessionmaker, engine: Engine, vault: Vault) -> dict:
    """Re-encrypt every encrypted column with the vault's first (newest) key."""
    columns = (
        (Draft, ("state_enc",)),
        (Submission, ("answers_enc", "contact_enc")),
        (Note, ("body_enc",)),
        (KeyCheck, ("sealed",)),
    )
    counts = {}
    for model, names in columns:
        with sessions() as session:
            ids = list(session.scalars(select(model.id)))
        done = 0
        for start in range(0, len(ids), BATCH):
            with sessions.begin() as session:
                rows = session.scalars(
                    select(model).where(model.id.in_(ids[start : start + BATCH]))
                )
                for row in rows:
                    for name in names:
                        token = getattr(row, name)
                        if token:
                            setattr(row, name, vault.rotate(token))
                    done += 1
        counts[model.__tablename__] = done
    compact(engine)  # drop the old ciphertexts from free pages too
    return counts
