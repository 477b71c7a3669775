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
        f"(with {counts['notes']} note(s)); audit entries kept; database compacted."
    )


@click.command("rotate-key")
@with_appcontext
def rotate_key_command():
    """Re-encrypt every stored answer, contact detail and note with the first data key.

    Put the new key first in SCREENER_DATA_KEY and keep the old ones after it
    ("NEW,OLD"), run this, then remove the old keys.
    """
    state = current_app.extensions["screener"]
    counts = maintenance.rotate(state.sessionmaker, state.engine, state.vault)
    click.echo(
        "rotate-key: re-encrypted "
        + ", ".join(f"{n} {name.replace('_', ' ')}(s)" for name, n in counts.items())
        + " with the first key of SCREENER_DATA_KEY."
    )


COMMANDS = (purge_command, rotate_key_command)
