"""Operator commands: `flask --app screener purge` and `flask --app screener rotate-key`.

Both print counts only: never a reference, a name or an answer. The work itself is in
screener.store.maintenance.
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from ..store import maintenance


def retention_days(app: Flask) -> tuple[int, int]:
    """(draft days, submission days): questions.yaml, the latter overridable by config."""
    meta = app.extensions["screener"].questionnaire.meta
    submissions = app.config.get("SUBMISSION_RETENTION_DAYS") or meta.submission_retention_days
    return meta.draft_retention_days, int(submissions)


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
    state = app.extensions["screener"]
    counts = maintenance.purge(state.sessionmaker, state.engine, draft_days, submission_days)
    click.echo(
        f"purge: removed {counts['drafts']} draft(s) older than {draft_days} days, "
        f"{counts['submissions']} submission(s) older than {submission_days} days "
        f"(with {counts['notes']} note(s) and the {counts['sent_drafts']} draft(s) they were "
        "sent from); audit entries kept; database compacted."
    )


@click.command("rotate-key")
@with_appcontext
def rotate_key_command():
    """Rewrap every draft's and submission's data key (the record_key table) with the first
    data key; only that table changes.

    Put the new key first in SCREENER_DATA_KEY and keep the old ones after it
    ("NEW,OLD"), run this, then remove the old keys. The answers themselves are sealed
    with each record's own key and are not re-encrypted; records from before per-record
    keys are given one.
    """
    state = current_app.extensions["screener"]
    counts = maintenance.rotate(state.sessionmaker, state.engine, state.vault)
    click.echo(
        f"rotate-key: rewrapped the data keys of {counts['draft']} draft(s) and "
        f"{counts['submission']} submission(s) with the first key of SCREENER_DATA_KEY "
        f"({counts['given_keys']} older record(s) given a key of their own); re-sealed "
        f"{counts['totp_secrets']} staff authenticator secret(s)."
    )


COMMANDS = (purge_command, rotate_key_command)
