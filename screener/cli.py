"""Command-line tools for the content owner: check, evaluate (and pdf, in pdfcli)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .answers_file import read_answers_with_positions
from .check import check_file
from .config import Defaults
from .evaluate import evaluate
from .problems import ERROR, has_errors


@click.command("check")
@click.argument("path", required=False, default=Defaults.QUESTIONS, type=click.Path(dir_okay=False))
def check_command(path):
    """Lint questions.yaml and run its examples. Exit 1 on any error."""
    started = time.perf_counter()
    report = check_file(path)
    for line in report.lines():
        click.echo(line)
    if report.coverage is not None:
        for line in report.coverage.summary(report.questionnaire):
            click.echo(line)
    errors = sum(p.severity == ERROR for p in report.problems)
    warnings = len(report.problems) - errors
    q = report.questionnaire
    examples = len(q.examples) if q is not None else 0
    elapsed = (time.perf_counter() - started) * 1000
    verdict = "FAILED" if errors else "OK"
    click.echo(
        f"{verdict}: {errors} error(s), {warnings} warning(s), {examples} example(s) "
        f"checked in {elapsed:.0f} ms"
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
