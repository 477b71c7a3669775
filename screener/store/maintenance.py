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
from .keys import BATCH_SNAPSHOT_WAIT, new_key, rewrite_key_table, shred
from .models import (
    AuditEntry,
    Draft,
    KeyCheck,
    Note,
    RecordKey,
    StatusChange,
    Submission,
    Therapist,
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
    """Delete expired drafts and submissions with their data keys, then compact the
    database. Idempotent."""
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
            sent_drafts = _delete(session, Draft, Draft.submission_id.in_(ids))
            counts["sent_drafts"] += len(sent_drafts)
            session.execute(delete(Note).where(Note.submission_id.in_(ids)))
            session.execute(delete(StatusChange).where(StatusChange.submission_id.in_(ids)))
            shred(session, sent_drafts + _delete(session, Submission, Submission.id.in_(ids)))
        # a tombstone holds no answers, but it goes when its submission would have gone
        session.execute(delete(Tombstone).where(Tombstone.received_at < submission_cutoff))
        expired = _delete(
            session, Draft, Draft.submission_id.is_(None), Draft.updated_at < draft_cutoff
        )
        counts["drafts"] += len(expired)
        shred(session, expired)
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


def _delete(session: Session, model: type[Draft | Submission], *where) -> list[int | None]:
    """Delete the rows; returns the ids of their data keys (None: sealed with the master
    key), to shred once the rows are gone."""
    return list(session.scalars(delete(model).where(*where).returning(model.key_id)))


def compact(engine: Engine) -> bool:
    """Leave no copy of deleted rows readable in the database files.

    SQLite: VACUUM, then fold the write-ahead log in and truncate it, so deleted rows are
    gone from the file and not only marked free. PostgreSQL: rewrite the key table, so no
    deleted key is left in it (the records' own tables are left to autovacuum: what their
    dead tuples hold, no key opens any more).
    """
    if engine.dialect.name == "postgresql":
        return rewrite_key_table(engine, snapshot_wait=BATCH_SNAPSHOT_WAIT)
    return _sqlite(engine, "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)")


def after_delete(engine: Engine) -> bool:
    """Run after a client deletes their answers, once the delete is committed.

    SQLite: fold the write-ahead log into the file and truncate it. secure_delete
    overwrites the rows in the database file, but the log still holds the pages written
    before, with the ciphertext and its key, until the next checkpoint. PostgreSQL: rewrite
    the key table, where the deleted keys' dead tuples would otherwise stay.
    """
    if engine.dialect.name == "postgresql":
        return rewrite_key_table(engine)
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
    """Rewrap every data key in `record_key` with the vault's first (newest) master key,
    and re-seal the readiness canary and the staff accounts' authenticator secrets.

    Only the key table changes: the sealed values stay as they are. A record from before
    per-record keys (sealed with the master key itself) is given a key of its own now, and
    its values are sealed again. The key table is compacted afterwards, so the keys as
    wrapped by the old master key do not stay behind as dead rows.
    """
    with sessions() as session:
        key_ids = list(session.scalars(select(RecordKey.id)))
    for start in range(0, len(key_ids), BATCH):
        with sessions.begin() as session:
            batch = key_ids[start : start + BATCH]
            for key in session.scalars(select(RecordKey).where(RecordKey.id.in_(batch))):
                key.key_enc = vault.rotate(key.key_enc)
    counts = {"keys": len(key_ids), "given_keys": 0, "totp_secrets": 0}
    for model in SEALED:
        with sessions() as session:
            ids = list(session.scalars(select(model.id).where(model.key_id.is_(None))))
        for start in range(0, len(ids), BATCH):
            with sessions.begin() as session:
                for row in session.scalars(
                    select(model).where(model.id.in_(ids[start : start + BATCH]))
                ):
                    give_own_key(session, vault, row)
                    counts["given_keys"] += 1
        with sessions() as session:
            counts[model.__tablename__] = (
                session.scalar(select(func.count()).where(model.key_id.is_not(None))) or 0
            )
    with sessions.begin() as session:  # the readiness canary is sealed with the master key
        for check in session.scalars(select(KeyCheck)):
            check.sealed = vault.rotate(check.sealed)
    counts["totp_secrets"] = rotate_totp_secrets(sessions, vault)
    compact(engine)
    return counts


def rotate_totp_secrets(sessions: sessionmaker, vault: Vault) -> int:
    """Re-seal each staff account's authenticator secret with the newest master key."""
    count = 0
    with sessions.begin() as session:
        for therapist in session.scalars(
            select(Therapist).where(Therapist.totp_secret_enc.is_not(None))
        ):
            therapist.totp_secret_enc = vault.rotate(therapist.totp_secret_enc)
            count += 1
    return count


def give_own_key(session: Session, vault: Vault, row: Draft | Submission) -> None:
    """Seal a record's values (and a submission's notes) with a new key of its own."""
    key = new_key(vault)
    sealer = vault.record(key.key_enc)
    for name in SEALED[type(row)]:
        setattr(row, name, sealer.seal(vault.open(getattr(row, name))))
    if isinstance(row, Submission):
        for note in session.scalars(select(Note).where(Note.submission_id == row.id)):
            note.body_enc = sealer.seal(vault.open(note.body_enc))
    row.key = key
