"""The content owner's tools: `schema`, `diagram` and `diff`. They need no database.

Like `check`, they are `flask.commands` entry points (setup.cfg), so they run even when
questions.yaml is broken and the app itself would refuse to start.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import graphviz

from ..authoring import diff, diff_lines, flow_diagram, mermaid
from ..questionnaire import check_file
from ..questionnaire.json_schema import FILE_NAME, schema_text
from ..web import flow_svg
from ..web.config import ROOT, Defaults


@click.command("schema")
@click.option(
    "-o",
    "--output",
    default=str(ROOT / FILE_NAME),
    type=click.Path(dir_okay=False),
    help=f"where to write it (default: {FILE_NAME} beside questions.yaml)",
)
@click.option(
    "--check", is_flag=True, help="only say whether the file is up to date (exit 1 if not)"
)
def schema_command(output, check):
    """Write questions.schema.json (editor help for questions.yaml) from the loader's shape."""
    text = schema_text()
    path = Path(output)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if check:
        if current != text:
            click.echo(f"{output}: out of date; run `flask --app screener schema`", err=True)
            sys.exit(1)
        click.echo(f"{output}: up to date")
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"{output}: cannot write the schema: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"{output}: {'unchanged' if current == text else 'written'}")


@click.command("diagram")
@click.option(
    "--questions",
    default=Defaults.QUESTIONS,
    type=click.Path(dir_okay=False),
    help="questions.yaml to draw",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="file to write (default: print)"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "mermaid"]),
    default=None,
    help="svg (Graphviz) or mermaid (for docs); default: from the -o suffix, else svg",
)
def diagram_command(questions, output, fmt):
    """Draw the flow: sections and pages in order, conditions, interrupts, the outcome ladder."""
    q = _questionnaire_or_exit(questions)
    fmt = fmt or ("mermaid" if output and output.endswith((".mmd", ".mermaid")) else "svg")
    diagram = flow_diagram(q)
    if fmt == "mermaid":
        text = mermaid(diagram)
    else:
        try:
            text = flow_svg.svg(diagram)
        except graphviz.ExecutableNotFound:
            click.echo(
                "diagram: Graphviz's `dot` is not installed (Debian: apt-get install graphviz)",
                err=True,
            )
            sys.exit(1)
    _write_or_print(text, output)


def _questionnaire_or_exit(path):
    report = check_file(path, run_examples_too=False)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(2)
    return report.questionnaire


def _write_or_print(text: str, output: str | None) -> None:
    if not output:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        click.echo(f"{output}: cannot write it: {exc.strerror}", err=True)
        sys.exit(1)
    click.echo(f"{output}: {len(text.encode()):,} bytes")


@click.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the same as JSON")
def diff_command(old, new, as_json):
    """What NEW changes against OLD: the definition by id, then every example's result.

    Exit 0 when no example's outcome changes, 1 when one does, 2 when a file has errors.
    """
    result = diff(_questionnaire_or_exit(old), _questionnaire_or_exit(new))
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        for line in diff_lines(result, old, new):
            click.echo(line)
    sys.exit(1 if result.outcome_changed else 0)
