"""questions.schema.json: generated from the loader's shape description, and in agreement
with the loader on the shipped file and on the five shape mistakes the linter catches."""

from __future__ import annotations

import json
import subprocess

import jsonschema
import pytest

from screener.questionnaire import load_text
from screener.questionnaire.json_schema import FILE_NAME, json_schema, schema_text
from screener.questionnaire.shape import BLOCKS
from screener.questionnaire.yamlsource import parse
from tests.conftest import QUESTIONS, ROOT
from tests.test_cli_check import FLASK
from tests.test_loader import line_of

SHIPPED = QUESTIONS.read_text()
COMMITTED = ROOT / FILE_NAME


def validator():
    return jsonschema.Draft7Validator(json.loads(COMMITTED.read_text()))


def schema_errors(text: str) -> list:
    """What the schema says of a file, read as the loader reads it (YAML 1.1 booleans)."""
    return sorted(validator().iter_errors(parse(text).data), key=lambda e: list(e.path))


def test_committed_schema_is_the_generated_one():
    assert COMMITTED.read_text() == schema_text(), (
        f"{FILE_NAME} is out of date: run `flask --app screener schema` and commit it"
    )


def test_schema_is_a_valid_draft_07_schema():
    jsonschema.Draft7Validator.check_schema(json_schema())
    assert json_schema()["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_questions_yaml_names_the_schema_on_its_first_line():
    assert SHIPPED.splitlines()[0] == f"# yaml-language-server: $schema=./{FILE_NAME}"


def test_shipped_file_is_valid_for_the_schema_and_the_loader():
    assert schema_errors(SHIPPED) == []
    assert [p for p in load_text(SHIPPED).problems] == []


def test_every_key_of_the_description_has_hover_help():
    definitions = json_schema()["definitions"]
    for name, block in BLOCKS.items():
        properties = (json_schema() if name == "file" else definitions[name])["properties"]
        assert list(properties) == list(block.names)
        assert all(p["description"] for p in properties.values()), name


# Each mistake: (old, new) in questions.yaml, the loader's code, the line it must name, and
# where in the data the schema must complain.
MISTAKES = {
    "unknown key": (
        "            hint: {en: In years., es: En años.}\n",
        "            hint: {en: In years., es: En años.}\n            hnit: In whole years.\n",
        "DEF002",
        "hnit: In whole years.",
        ["sections", 0, "pages", 0, "questions", 0],
    ),
    "wrong type": ("  minutes: 15\n", "  minutes: fifteen\n", "DEF004", "minutes: fifteen", []),
    "missing required key": (
        "  - id: safety_urgent\n    label: High-risk safety answers\n    level: urgent\n",
        "  - id: safety_urgent\n    label: High-risk safety answers\n",
        "DEF003",
        "- id: safety_urgent",
        ["flags", 0],
    ),
    "bad enum value": (
        "            type: single\n            label:\n              en: Will you be physically",
        "            type: singel\n            label:\n              en: Will you be physically",
        "DEF008",
        "type: singel",
        ["sections", 0, "pages", 1, "questions", 0, "type"],
    ),
    "misspelt operator": (
        "        show_if: {q: age, at_least: 18}\n        questions:\n          - id: in_colorado",
        "        show_if: {q: age, at_leest: 18}\n        questions:\n          - id: in_colorado",
        "DEF002",
        "show_if: {q: age, at_leest: 18}",
        ["sections", 0, "pages", 1, "show_if"],
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_loader_and_the_schema_both_catch(mistake):
    old, new, code, line_text, schema_path = MISTAKES[mistake]
    assert SHIPPED.count(old) == 1, "the test's anchor must be unique"
    text = SHIPPED.replace(old, new)
    found = [p for p in load_text(text).problems if p.code == code]
    assert found and found[0].line == line_of(text, line_text), load_text(text).problems
    errors = schema_errors(text)
    assert errors, f"the schema accepts the {mistake}"
    paths = [list(e.absolute_path) for e in errors]
    assert any(p[: len(schema_path)] == schema_path for p in paths), paths
    if mistake == "wrong type":
        assert paths == [["questionnaire", "minutes"]]


def test_schema_command_writes_and_checks(tmp_path):
    out = tmp_path / FILE_NAME
    run = subprocess.run(
        [FLASK, "--app", "screener", "schema", "-o", str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0 and out.read_text() == schema_text()
    check = [FLASK, "--app", "screener", "schema", "--check", "-o", str(out)]
    assert subprocess.run(check, capture_output=True).returncode == 0
    out.write_text(schema_text().replace("Never reuse one.", "Reuse freely."))
    stale = subprocess.run(check, capture_output=True, text=True)
    assert stale.returncode == 1 and "out of date" in stale.stderr
