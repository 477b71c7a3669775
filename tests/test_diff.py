"""`flask diff OLD NEW`: what an edit changes, by id with lines, and for every example."""

from __future__ import annotations

import json
import re
import subprocess

from screener.authoring import diff
from screener.questionnaire import evaluate, load_text
from tests.conftest import QUESTIONS
from tests.test_cli_check import FLASK
from tests.test_loader import line_of

SHIPPED = QUESTIONS.read_text()
PHQ9_MODERATE = (
    "    sum: [phq9_1, phq9_2, phq9_3, phq9_4, phq9_5, phq9_6, phq9_7, phq9_8, phq9_9]\n"
    "    bands:\n"
    "      - {max: 4, label: {en: minimal, es: mínima}}\n"
    "      - {max: 9, label: {en: mild, es: leve}}\n"
    "      - {max: 14, label: {en: moderate, es: moderada}}\n"
)


def edited(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, "the test's anchor must be unique"
    return SHIPPED.replace(old, new)


def run_diff(tmp_path, new_text: str, *args):
    new = tmp_path / "new.yaml"
    new.write_text(new_text)
    return subprocess.run(
        [FLASK, "--app", "screener", "diff", str(QUESTIONS), str(new), *args],
        capture_output=True,
        text=True,
    )


def test_moving_one_phq9_band_boundary_lists_exactly_the_examples_it_moves(tmp_path, questionnaire):
    text = edited(PHQ9_MODERATE, PHQ9_MODERATE.replace("max: 14", "max: 13"))
    # 14 was the top of "moderate" and is now the bottom of "moderately severe"; the
    # outcome rules read totals, never bands, so only examples scoring exactly 14 move.
    on_the_boundary = {
        e.name
        for e in questionnaire.examples
        if evaluate(questionnaire, e.answers).scores["phq9"].value == 14
    }
    assert on_the_boundary, "the shipped examples must include a PHQ-9 total of 14"
    run = run_diff(tmp_path, text, "--json")
    assert run.returncode == 0, run.stderr  # no outcome changes
    report = json.loads(run.stdout)
    assert {e["name"] for e in report["examples_changed"]} == on_the_boundary
    for example in report["examples_changed"]:
        [score] = example["scores"]
        assert (score["score"], score["old_band"], score["new_band"]) == (
            "phq9",
            "moderate",
            "moderately severe",
        )
        assert example["outcome"]["old"] == example["outcome"]["new"]
    [change] = report["changes"]
    assert (change["kind"], change["id"], change["change"]) == ("score", "phq9", "changed")
    assert "10–14 moderate, 15–19 moderately severe" in change["detail"]
    assert "10–13 moderate, 14–19 moderately severe" in change["detail"]
    assert change["new_line"] == line_of(text, "- {max: 4, label: {en: minimal, es: mínima}}")


def test_an_outcome_rule_change_names_the_examples_and_exits_1(tmp_path, questionnaire):
    old = "    when: {not: {q: age, at_least: 18}}\n"
    text = edited(old, old.replace("18", "30"))
    run = run_diff(tmp_path, text)
    assert run.returncode == 1, run.stdout + run.stderr
    younger = [
        e.name
        for e in questionnaire.examples
        if 18 <= e.answers.get("age", 0) < 30
        and evaluate(questionnaire, e.answers).outcome.id != "support_first"
    ]
    assert younger
    for name in younger:
        assert f"  {name}: outcome " in run.stdout and "→ adults_only" in run.stdout
    line = line_of(text, "when: {not: {q: age, at_least: 30}}")
    assert (
        f"questions.yaml:{line} {tmp_path / 'new.yaml'}:{line}  outcome adults_only changed: "
        "when: not (age is at least 18) → not (age is at least 30)"
    ) in run.stdout
    assert "Outcome changes for" in run.stdout


def test_structural_changes_by_id(questionnaire):
    text = edited("              en: How old are you?\n", "              en: Your age?\n")
    tell_me_more = "- {value: tell_me_more, label: {en: Tell me more, es: Quiero saber más}}\n"
    text = text.replace("              " + tell_me_more, "", 1)
    new = load_text(text).questionnaire
    changes = {(c.kind, c.id, c.what): c for c in diff(questionnaire, new).changes}
    label = changes[("question", "age", "changed")]
    assert label.detail == "label: \u201cHow old are you?\u201d \u2192 \u201cYour age?\u201d"
    assert label.new_line == line_of(text, "          - id: age")
    removed = [
        c for (kind, cid, what), c in changes.items() if kind == "option" and what == "removed"
    ]
    assert removed and all(c.id.endswith(": tell_me_more") for c in removed)


def test_identical_files_have_no_changes(tmp_path):
    run = run_diff(tmp_path, SHIPPED)
    assert run.returncode == 0
    assert "What changed (0):\n  nothing" in run.stdout
    assert "Examples whose result changes (0 of 40):\n  none" in run.stdout


def test_a_broken_file_exits_2_with_its_problems(tmp_path):
    run = run_diff(tmp_path, SHIPPED.replace("  minutes: 15\n", "  minutes: soon\n"))
    assert run.returncode == 2
    assert "DEF004" in run.stderr and "Traceback" not in run.stderr


def test_a_change_to_the_spanish_alone_is_listed_with_its_language_and_line(tmp_path):
    text = edited("es: ¿Cuántos años tiene?", "es: ¿Qué edad tiene?")
    result = run_diff(tmp_path, text)
    assert result.returncode == 0, result.stderr
    found = re.search(
        r"new\.yaml:(\d+)  question age changed: \(es\) label: “¿Cuántos años tiene\?” → "
        r"“¿Qué edad tiene\?”",
        result.stdout,
    )
    assert found, result.stdout
    assert text.splitlines()[int(found.group(1)) - 1].strip() == "- id: age"
    assert "What changed (1):" in result.stdout


def test_an_english_edit_is_not_listed_again_for_spanish(tmp_path):
    q = load_text(SHIPPED).questionnaire
    text = edited("en: How old are you?\n", "en: What is your age?\n")
    changes = diff(q, load_text(text).questionnaire).changes
    assert [c.detail for c in changes] == ["label: “How old are you?” → “What is your age?”"]
