"""The flow diagram: conditions in words, the model, and `flask diagram` (SVG and Mermaid)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output in a test

import pytest

from screener.authoring import flow_diagram, mermaid
from screener.authoring.diagram import SUPPORT, pages_raising
from screener.questionnaire import Condition, in_words
from tests.conftest import write_yaml
from tests.test_cli_check import FLASK
from tests.test_loader import BASE

SVG_NS = "{http://www.w3.org/2000/svg}"


def leaf(ref, op, value, kind="q"):
    return Condition(kind, ref=ref, op=op, value=value)


def test_conditions_in_words(questionnaire):
    q = questionnaire
    age = leaf("age", "at_least", 18)
    intent = leaf("si_intent", "is", "yes")
    assert in_words(None) == "always"
    assert in_words(age) == "age is at least 18"
    assert in_words(intent, q) == "si_intent is \u201cYes\u201d"
    assert in_words(intent) == "si_intent is \u201cyes\u201d"
    assert in_words(leaf("phq9", "at_least", 10, "score"), q) == "PHQ-9 score is at least 10"
    assert in_words(Condition("flag", ref="safety_urgent")) == "flag safety_urgent raised"
    assert in_words(leaf("age", "answered", False)) == "age is not answered"
    assert in_words(leaf("x", "in", ("a", "b"))) == "x is one of \u201ca\u201d, \u201cb\u201d"
    either = Condition("any", children=(age, intent))
    both = Condition("all", children=(either, Condition("not", children=(age,))))
    assert in_words(both) == (
        "(age is at least 18 or si_intent is \u201cyes\u201d) and not (age is at least 18)"
    )


def test_interrupt_points_are_the_pages_that_can_raise_them(questionnaire):
    urgent = questionnaire.flag("safety_urgent")
    assert pages_raising(questionnaire, urgent.when) == [
        "safety_thoughts",
        "safety_past",
        "safety_now",
    ]
    edges = [e for e in flow_diagram(questionnaire).edges if e.target == SUPPORT]
    assert ("page_safety_thoughts", "raises safety_urgent") in [(e.source, e.label) for e in edges]


def test_outcome_ladder_is_in_order_with_conditions_in_words(questionnaire):
    diagram = flow_diagram(questionnaire)
    rungs = [n for n in diagram.nodes if n.kind == "rung"]
    outcomes = [n.id for n in diagram.nodes if n.kind == "outcome"]
    assert outcomes == [f"outcome_{o.id}" for o in questionnaire.outcomes]
    # the under-18 support-first outcome comes first (issue 13)
    assert rungs[0].lines == ("1. if flag safety_urgent raised and not (age is at least 18)?",)
    assert rungs[1].lines == ("2. if flag safety_urgent raised?",)
    assert len(rungs) == len(questionnaire.outcomes) - 1  # the catch-all needs no test
    catch_all = [e for e in diagram.edges if e.target == outcomes[-1]]
    assert [e.label for e in catch_all] == ["no"]


def svg_of(args) -> ET.Element:
    run = subprocess.run([FLASK, "--app", "screener", "diagram", *args], capture_output=True)
    assert run.returncode == 0, run.stderr
    return ET.fromstring(run.stdout)  # noqa: S314 - our own output


def texts(root: ET.Element) -> str:
    return "\n".join(t.text or "" for t in root.iter(f"{SVG_NS}text"))


def test_diagram_command_draws_every_page_and_outcome(questionnaire, tmp_path):
    out = tmp_path / "flow.svg"
    run = subprocess.run(
        [FLASK, "--app", "screener", "diagram", "-o", str(out)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    root = ET.fromstring(out.read_text())  # noqa: S314 - our own output, well-formed XML
    assert root.tag == f"{SVG_NS}svg"
    words = texts(root)
    for page in questionnaire.page_list:
        assert page.id in words
    for outcome in questionnaire.outcomes:
        assert outcome.id in words
    assert "shown if trauma_exposure is \u201cYes\u201d" in words  # pcptsd5's show_if
    assert "raises safety_urgent" in words and "Support page" in words


def test_diagram_labels_from_the_file_stay_text(tmp_path):
    hostile = BASE.replace("title: About you", 'title: "<script>alert(1)</script> & \\\\n"')
    path = write_yaml(tmp_path, hostile)
    root = svg_of(["--questions", str(path)])
    assert not list(root.iter(f"{SVG_NS}script"))
    assert "Section: <script>alert(1)</script> & \\n (about)" in texts(root)


def test_mermaid_format(questionnaire):
    run = subprocess.run(
        [FLASK, "--app", "screener", "diagram", "--format", "mermaid"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0
    assert run.stdout == mermaid(flow_diagram(questionnaire))
    assert run.stdout.startswith("flowchart TD\n")
    assert (
        "page_pcptsd5[" in run.stdout
        and "page_safety_thoughts -.->|raises safety_urgent| support" in (run.stdout)
    )
    assert "outcome_consult_recommended" in run.stdout


@pytest.mark.parametrize("fmt", ["svg", "mermaid"])
def test_diagram_of_a_broken_file_prints_its_problems(tmp_path, fmt):
    path = write_yaml(tmp_path, BASE.replace("type: integer", "type: integr", 1))
    run = subprocess.run(
        [FLASK, "--app", "screener", "diagram", "--questions", str(path), "--format", fmt],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "DEF008" in run.stderr and "Traceback" not in run.stderr
