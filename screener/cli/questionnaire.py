"""The content owner's commands: `check`, `evaluate` and `pdf`. They need no database.

They are registered as `flask.commands` entry points (setup.cfg), so they run even when
questions.yaml is broken and the app itself would refuse to start.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from ..i18n import read_in, translations
from ..pdf import SummaryMeta, render_summary
from ..questionnaire import (
    ERROR,
    check_file,
    evaluate,
    has_errors,
    read_answers_with_positions,
)
from ..questionnaire.translations import coverage_lines
from ..web.config import Defaults


@click.command("check")
@click.argument("path", required=False, default=Defaults.QUESTIONS, type=click.Path(dir_okay=False))
@click.option(
    "--drafts",
    is_flag=True,
    help="Also count the drafts in progress per questionnaire version, from the database "
    "(SCREENER_DATABASE_URL); each keeps its version until it is sent.",
)
def check_command(path, drafts):
    """Lint questions.yaml and run its examples. Exit 1 on any error."""
    started = time.perf_counter()
    report = check_file(path)
    for line in report.lines():
        click.echo(line)
    if report.coverage is not None:
        for line in report.coverage.summary(report.questionnaire):
            click.echo(line)
    if report.questionnaire is not None:
        q = report.questionnaire
        for line in coverage_lines(q.coverage, q.meta.languages):
            click.echo(f"translation: {line}")
    if drafts and report.questionnaire is not None:
        from .drafts_report import draft_lines

        for line in draft_lines(report.questionnaire):
            click.echo(line)
    errors = sum(p.severity == ERROR for p in report.problems)
    warnings = len(report.problems) - errors
    elapsed = (time.perf_counter() - started) * 1000
    if report.coverage is None:
        examples = "examples not run until the errors are fixed"
    else:
        examples = f"{len(report.questionnaire.examples)} example(s) checked"
    verdict = "FAILED" if errors else "OK"
    click.echo(
        f"{verdict}: {errors} error(s), {warnings} warning(s), {examples}, in {elapsed:.0f} ms"
    )
    sys.exit(1 if errors else 0)


@click.command("evaluate")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--questions",
    default=Defaults.QUESTIONS,
    type=click.Path(dir_okay=False),
    help="questions.yaml to use",
)
def evaluate_command(answers, questions):
    """Evaluate an answers file and print the result as JSON."""
    q, values, positions = _load_or_exit(questions, answers)
    evaluation = evaluate(q, values)
    if evaluation.errors:
        for error in evaluation.errors:
            click.echo(answer_problem_line(answers, error, positions), err=True)
        sys.exit(1)
    click.echo(json.dumps(as_json(evaluation), indent=2))


def answer_problem_line(path, error, positions) -> str:
    """`ANSWERS:LINE:COL: ANS00x message`, naming the question when the message does not."""
    pos = positions.get(error.question_id)
    line, col = (pos.line, pos.col) if pos else (1, 1)
    message = error.message
    if f"'{error.question_id}'" not in message:
        message = f"'{error.question_id}': {message}"
    return f"{path}:{line}:{col}: {error.code} {message}"


def _load_or_exit(questions, answers):
    report = check_file(questions, run_examples_too=False)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(1)
    values, problems, positions = read_answers_with_positions(Path(answers))
    if has_errors(problems):
        for problem in problems:
            click.echo(problem.format(answers), err=True)
        sys.exit(1)
    return report.questionnaire, values, positions


def as_json(evaluation) -> dict:
    return {
        "outcome": evaluation.outcome.id if evaluation.outcome else None,
        "flags": list(evaluation.flag_ids),
        "scores": {
            sid: {"value": r.value, "band": r.band or None} for sid, r in evaluation.scores.items()
        },
        "visible": list(evaluation.visible_questions),
        "interrupt": list(evaluation.interrupt),
    }


@click.command("pdf")
@click.argument("answers", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="where to write the PDF"
)
@click.option(
    "--questions",
    default=Defaults.QUESTIONS,
    type=click.Path(dir_okay=False),
    help="questions.yaml to use",
)
@click.option(
    "--reference",
    default=None,
    help="reference code to print (default: 'not sent', as on a client's own copy)",
)
@click.option(
    "--date",
    "date",
    default=None,
    help="date to print, like 2026-12-01 or 2026-12-01T09:30 (UTC); default: "
    "SOURCE_DATE_EPOCH if set, else now. A fixed date gives identical bytes every time.",
)
@click.option(
    "--language",
    default="",
    help="the language to print in, one of questionnaire.languages (default: the first)",
)
def pdf_command(answers, output, questions, reference, date, language):
    """Render the summary PDF for an answers file, to preview changes to questions.yaml."""
    printed = _pdf_date(date)
    q, values, _positions = _load_or_exit(questions, answers)
    if language and language != q.language:
        if language not in q.meta.languages:
            known = ", ".join(q.meta.languages)
            click.echo(f"{questions}: no texts in '{language}'; it has {known}", err=True)
            sys.exit(1)
        q = read_in(q, language)
    evaluation = evaluate(q, values)
    if evaluation.errors:
        for error in evaluation.errors:
            click.echo(f"{answers}: {error.code} {error.message}", err=True)
        sys.exit(1)
    pdf = render_summary(
        evaluation,
        q,
        SummaryMeta(reference, printed),
        translations=translations(q.language),
        locale=q.language,
    )
    try:
        Path(output).write_bytes(pdf)
    except OSError as exc:
        click.echo(f"{output}: cannot write the PDF: {exc.strerror}", err=True)
        sys.exit(1)
    outcome = evaluation.outcome.id if evaluation.outcome else "none"
    click.echo(f"{output}: {len(pdf):,} bytes, outcome {outcome}")


def _pdf_date(text: str | None) -> datetime:
    """--date, else SOURCE_DATE_EPOCH (reproducible builds' convention), else now; in UTC."""
    if text:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            click.echo(
                f"--date: '{text}' is not a date; write it like 2026-12-01 or 2026-12-01T09:30",
                err=True,
            )
            sys.exit(2)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            click.echo(f"SOURCE_DATE_EPOCH: '{epoch}' is not a number of seconds", err=True)
            sys.exit(2)
    return datetime.now(UTC)
