"""`flask --app screener db-upgrade`: apply pending schema migrations."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..store import migrate


@click.command("db-upgrade")
@click.option(
    "--revision",
    default="head",
    show_default=True,
    help="Migrate to this revision instead of the newest.",
)
@with_appcontext
def db_upgrade_command(revision):
    """Apply pending schema migrations to SCREENER_DATABASE_URL."""
    engine = current_app.extensions["screener"].engine
    before, after = migrate.upgrade(engine, revision)
    if before == after:
        click.echo(f"db-upgrade: already at {after}.")
    else:
        click.echo(f"db-upgrade: {before or 'empty'} -> {after}.")


COMMANDS = (db_upgrade_command,)
