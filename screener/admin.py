"""Operator commands: `flask --app screener purge` and `flask --app screener rotate-key`.

Both print counts only: never a reference, a name or an answer.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, func, select

from .crypto import Vault
from .models import AuditEntry, Draft, Note, StatusChange, Submission, utcnow

BATCH = 500


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
    app.cli.add_command(rotate_key_command)


def retention_days(app: Flask) -> tuple[int, int]:
    """(draft days, submission days): questions.yaml, the latter overridable by config."""
    meta = app.extensions["screener"].questionnaire.meta
    submissions = app.config.get("SUBMISSION_RETENTION_DAYS") or meta.submission_retention_days
    return meta.draft_retention_days, int(submissions)


def purge(app: Flask, now: dt.datetime | None = None) -> dict:
    """Delete expired drafts and submissions, then compact the database. Idempotent."""
    svc = app.extensions["screener"]
    now = now or utcnow()
    draft_days, submission_days = retention_days(app)
    draft_cutoff = now - dt.timedelta(days=draft_days)
    submission_cutoff = now - dt.timedelta(days=submission_days)
    with svc.sessionmaker.begin() as session:
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
    compact(svc.engine)
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


def rotate(app: Flask) -> dict:
    """Re-encrypt every encrypted column with the first key of SCREENER_DATA_KEY."""
    svc = app.extensions["screener"]
    vault: Vault = svc.vault
    columns = (
        (Draft, ("state_enc",)),
        (Submission, ("answers_enc", "contact_enc")),
        (Note, ("body_enc",)),
    )
    counts = {}
    for model, names in columns:
        with svc.sessionmaker() as session:
            ids = list(session.scalars(select(model.id)))
        done = 0
        for start in range(0, len(ids), BATCH):
            with svc.sessionmaker.begin() as session:
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
    compact(svc.engine)  # drop the old ciphertexts from free pages too
    return counts


@click.command("purge")
@with_appcontext
def purge_command():
    """Delete drafts and sent submissions past their retention period, then vacuum.

    Drafts: questions.yaml retention_days.drafts after their last change (unless sent).
    Submissions: retention_days.submissions after sending, or SCREENER_SUBMISSION_RETENTION_DAYS.
    Prints counts only. Safe to run again at any time (e.g. daily from cron).
    """
    app = current_app._get_current_object()
    draft_days, submission_days = retention_days(app)
    counts = purge(app)
    click.echo(
        f"purge: removed {counts['drafts']} draft(s) older than {draft_days} days, "
        f"{counts['submissions']} submission(s) older than {submission_days} days "
        f"(with {counts['notes']} note(s)); audit entries kept; database compacted."
    )


@click.command("rotate-key")
@with_appcontext
def rotate_key_command():
    """Re-encrypt every stored answer, contact detail and note with the first data key.

    Put the new key first in SCREENER_DATA_KEY and keep the old ones after it
    ("NEW,OLD"), run this, then remove the old keys.
    """
    app = current_app._get_current_object()
    counts = rotate(app)
    click.echo(
        "rotate-key: re-encrypted "
        + ", ".join(f"{n} {name.replace('_', ' ')}(s)" for name, n in counts.items())
        + " with the first key of SCREENER_DATA_KEY."
    )
