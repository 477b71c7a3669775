"""Interoperability commands: `fhir-questionnaire` and `data-dictionary` (entry points that need
no database) and `export-fhir` (NDJSON of Bundles, audited; needs the app)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..interop import canonical_for, data_dictionary_csv, questionnaire_resource
from ..questionnaire import check_file
from ..store import audit, fhir_export
from ..web.config import Defaults

QUESTIONS = click.option(
    "--questions",
    default=Defaults.QUESTIONS,
    type=click.Path(dir_okay=False),
    help="questions.yaml to read",
)
OUTPUT = click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="write here instead of stdout"
)


def _load(path: str):
    report = check_file(path, run_examples_too=False)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(2)
    return report.questionnaire


def _write(output: str | None, text: str) -> None:
    if not output:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"{output}: cannot write: {exc.strerror}", err=True)
        sys.exit(1)


@click.command("fhir-questionnaire")
@QUESTIONS
@OUTPUT
@click.option("--base", help="base of the canonical URL (default: SCREENER_FHIR_BASE_URL)")
def fhir_questionnaire_command(questions, output, base):
    """Write questions.yaml as a FHIR R4 Questionnaire (JSON); list the items whose show_if
    could not be written as enableWhen."""
    q = _load(questions)
    base = base or os.environ.get("SCREENER_FHIR_BASE_URL") or None
    export = questionnaire_resource(q, canonical_for(q, base))
    _write(output, json.dumps(export.resource, indent=2, ensure_ascii=False) + "\n")
    for link_id, form, text in export.unexpressed:
        how = "SDC enableWhenExpression" if form == "expression" else "design note only"
        click.echo(f"{link_id}: show_if is not expressible as enableWhen ({how}): {text}", err=True)
    if output:
        click.echo(
            f"{output}: Questionnaire version {q.version}; "
            f"{len(export.unexpressed)} item(s) without enableWhen",
            err=True,
        )


@click.command("data-dictionary")
@QUESTIONS
@OUTPUT
def data_dictionary_command(questions, output):
    """Write a REDCap data dictionary (CSV) generated from questions.yaml."""
    _write(output, data_dictionary_csv(_load(questions)))


def _since(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter("give a date like 2026-12-01 (or 2026-12-01T08:00)") from exc
    return parsed


@click.command("export-fhir")
@click.option("--since", "since", required=True, help="received on or after this date (UTC)")
@OUTPUT
@with_appcontext
def export_fhir_command(since, output):
    """Write every submission received since DATE as NDJSON: one FHIR Bundle (collection:
    QuestionnaireResponse and score Observations) a line. Audited."""
    start = _since(since)
    state = current_app.extensions["screener"]
    base = current_app.config.get("FHIR_BASE_URL") or None
    count = 0
    with state.sessionmaker() as session:
        out = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
        try:
            for resource in fhir_export.bundles_since(
                session,
                state.vault,
                lambda content_hash: state.definition(content_hash, session),
                start,
                base,
            ):
                out.write(fhir_export.ndjson_line(resource))
                count += 1
        finally:
            if output:
                out.close()
        audit.record(
            session,
            "fhir_export",
            actor="cli",
            detail=f"{count} bundles since {start.isoformat()}" + (" to a file" if output else ""),
        )
        session.commit()
    click.echo(f"export-fhir: {count} submission(s) since {start:%Y-%m-%d %H:%M} UTC", err=True)


COMMANDS = (export_fhir_command,)
