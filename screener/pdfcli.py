"""`flask --app screener pdf ANSWERS.yaml -o FILE.pdf`: preview the summary for an answers file."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .answers_file import read_answers
from .check import check_file
from .config import Defaults
from .evaluate import evaluate
from .pdf import SummaryMeta, render_summary
from .problems import has_errors


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
def pdf_command(answers, output, questions, reference):
    """Render the summary PDF for an answers file, to preview changes to questions.yaml."""
    report = check_file(questions, run_examples_too=False)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(1)
    values, problems = read_answers(Path(answers))
    if has_errors(problems):
        for problem in problems:
            click.echo(problem.format(answers), err=True)
        sys.exit(1)
    q = report.questionnaire
    evaluation = evaluate(q, values)
    if evaluation.errors:
        for error in evaluation.errors:
            click.echo(f"{answers}: {error.code} {error.message}", err=True)
        sys.exit(1)
    pdf = render_summary(evaluation, q, SummaryMeta(reference, datetime.now(UTC)))
    try:
        Path(output).write_bytes(pdf)
    except OSError as exc:
        click.echo(f"{output}: cannot write the PDF: {exc.strerror}", err=True)
        sys.exit(1)
    outcome = evaluation.outcome.id if evaluation.outcome else "none"
    click.echo(f"{output}: {len(pdf):,} bytes, outcome {outcome}")
