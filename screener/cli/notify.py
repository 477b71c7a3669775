"""`flask --app screener notify-worker` (long-running) and `notify --once` (for cron):
deliver the notification outbox. Both print counts only, never a message's content."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from ..notify import config, worker


def _parts():
    app = current_app._get_current_object()
    state = app.extensions["screener"]
    return state.sessionmaker, config.transport(app.config), config.zone(app.config)


def _work_until_stopped() -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sessionmaker, transport, zone = _parts()
    click.echo(f"notify-worker: polling every {transport.poll_seconds:g} s; Ctrl+C stops.")
    worker.run_forever(sessionmaker, transport, zone, stop)
    click.echo("notify-worker: stopped.")


@click.command("notify")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@with_appcontext
def notify_command(once):
    """Deliver due notifications: once with --once, else keep polling like notify-worker."""
    if not once:
        _work_until_stopped()
        return
    outcome = worker.run_once(*_parts())
    click.echo(f"notify: {outcome}.")


@click.command("notify-worker")
@with_appcontext
def notify_worker_command():
    """Keep delivering notifications (email, webhook, console) with retries; stop with SIGTERM."""
    _work_until_stopped()


COMMANDS = (notify_command, notify_worker_command)
