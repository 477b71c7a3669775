"""Retention and key rotation: purge expired drafts and submissions, compact, rewrap keys.

Both report counts only: never a reference, a name or an answer. The `flask` commands that
run them are in screener.cli.maintenance.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .crypto import Vault
from .models import (
    AuditEntry,
    Draft,
    KeyCheck,
    Note,
    StatusChange,
    Submission,
    Tombstone,
    utcnow,
)

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
        #: drafts: unsent and expired; sent_drafts: removed with their submissions
        counts = {"drafts": 0, "submissions": len(old), "notes": 0, "sent_drafts": 0}
        for start in range(0, len(old), BATCH):
            ids = old[start : start + BATCH]
            counts["notes"] += (
                session.scalar(
                    select(func.count()).select_from(Note).where(Note.submission_id.in_(ids))
                )
                or 0
            )
            # the draft a submission was sent from holds the same answers: it goes too
            counts["sent_drafts"] += (
                session.execute(delete(Draft).where(Draft.submission_id.in_(ids))).rowcount or 0
            )
            session.execute(delete(Note).where(Note.submission_id.in_(ids)))
            session.execute(delete(StatusChange).where(StatusChange.submission_id.in_(ids)))
            session.execute(delete(Submission).where(Submission.id.in_(ids)))
        # a tombstone holds no answers, but it goes when its submission would have gone
        session.execute(delete(Tombstone).where(Tombstone.received_at < submission_cutoff))
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
                        f"notes={counts['notes']} sent_drafts={counts['sent_drafts']}"
                    ),
                )
            )
    compact(engine)
    return counts


def compact(engine: Engine) -> bool:
    """SQLite: VACUUM, then fold the write-ahead log in and truncate it, so deleted rows are
    gone from the file and not only marked free. Other databases: their own autovacuum."""
    return _sqlite(engine, "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")


def checkpoint(engine: Engine) -> bool:
    """SQLite: fold the write-ahead log into the file and truncate it.

    Run after a client deletes their answers: secure_delete overwrites the rows in the
    database file, but the log still holds the pages written before, with the ciphertext
    and its key, until the next checkpoint. Other databases: nothing to do.
    """
    return _sqlite(engine, "PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite(engine: Engine, *statements: str) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    raw = engine.raw_connection()
    try:
        for statement in statements:
            raw.driver_connection.execute(statement)
    finally:
        raw.close()
    return True


#: the columns sealed with each record's own data key (a submission's notes too)
SEALED = {Draft: ("state_enc",), Submission: ("answers_enc", "contact_enc")}


def rotate(sessions: sessionmaker, engine: Engine, vault: Vault) -> dict:
    """Rewrap every draft's and submission's data key with the vault's first (newest) key.

    The sealed values stay as they are. A record from before per-record keys (sealed with
    the master key itself) is given a key of its own now, and its values are sealed again.
    """
    counts = {"draft": 0, "submission": 0, "given_keys": 0}
    for model in SEALED:
        with sessions() as session:
            ids = list(session.scalars(select(model.id)))
        for start in range(0, len(ids), BATCH):
            with sessions.begin() as session:
                for row in session.scalars(
                    select(model).where(model.id.in_(ids[start : start + BATCH]))
                ):
                    if row.key_enc:
                        row.key_enc = vault.rotate(row.key_enc)
                    else:
                        give_own_key(session, vault, row)
                        counts["given_keys"] += 1
                    counts[model.__tablename__] += 1
    with sessions.begin() as session:  # the readiness canary is sealed with the master key
        for check in session.scalars(select(KeyCheck)):
            check.sealed = vault.rotate(check.sealed)
    compact(engine)  # drop the old wrapped keys from free pages too
    return counts


def give_own_key(session: Session, vault: Vault, row: Draft | Submission) -> None:
    """Seal a record's values (and a submission's notes) with a new key of its own."""
    key = vault.new_record_key()
    sealer = vault.record(key)
    for name in SEALED[type(row)]:
        setattr(row, name, sealer.seal(vault.open(getattr(row, name))))
    if isinstance(row, Submission):
        for note in session.scalars(select(Note).where(Note.submission_id == row.id)):
            note.body_enc = sealer.seal(vault.open(note.body_enc))
    row.key_enc = key
