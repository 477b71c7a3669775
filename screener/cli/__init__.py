"""Every `flask --app screener` command. Only the app factory imports this, to register them.

questionnaire: check, evaluate, pdf (also entry points, so they run on a broken file) ·
accounts: create-therapist, deactivate-therapist, list-therapists · maintenance: purge,
rotate-key · database: db-upgrade · notify: notify --once, notify-worker · interop:
fhir-questionnaire, data-dictionary (entry points), export-fhir.
"""

from __future__ import annotations

from flask import Flask

from . import accounts, database, interop, maintenance, notify


def register_commands(app: Flask) -> None:
    """Add the commands that need the app (its database, keys and questionnaire)."""
    for module in (accounts, database, interop, maintenance, notify):
        for command in module.COMMANDS:
            app.cli.add_command(command)
