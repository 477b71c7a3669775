"""`check` reports every independent mistake in one run, by line, and nothing that follows.

Each file here is questions.yaml with a few edits: a content owner's typos in the real file.
"""

from __future__ import annotations

import re

import pytest

from screener.cli.questionnaire import check_command
from screener.questionnaire import check_file
from tests.conftest import QUESTIONS

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>DEF\d{3}) (?P<msg>.*)$")

#: ten mistakes of ten kinds: (code, what the file says, what the owner typed)
TEN = [
    (
        "DEF002",
        "            label:\n              en: Will you be physically in Colorado",
        "            lable:\n              en: Will you be physically in Colorado",
    ),
    (
        "DEF007",
        '            show_if: {q: si_thoughts, is: "yes"}\n          - id: si_intent',
        "            show_if: {q: si_thoughts, is: yes}\n          - id: si_intent",
    ),
    (
        "DEF010",
        '        show_if: {q: trauma_exposure, is: "yes"}',
        '        show_if: {q: trauma_exposur, is: "yes"}',
    ),
    (
        "DEF008",
        "          - id: med_trials_adequate\n            short:\n              en: depression"
        " medicines taken for 4 to 6 weeks\n              es: los medicamentos que tomó de 4 a 6"
        " semanas\n            type: integer",
        "          - id: med_trials_adequate\n            short:\n              en: depression"
        " medicines taken for 4 to 6 weeks\n              es: los medicamentos que tomó de 4 a 6"
        " semanas\n            type: integr",
    ),
    (
        "DEF014",
        "es: el poco interés o placer}\n            type: single\n            options: freq_0_3\n",
        "es: el poco interés o placer}\n            type: single\n            options: freq_03\n",
    ),
    (
        "DEF013",
        "      any:\n        - {flag: no_prior_treatment}",
        "      any:\n        - {flag: no_prior_treatmnt}",
    ),
    (
        "DEF021",
        "      - {max: 14, label: {en: moderate, es: moderada}}\n      - {max: 21,",
        "      - {max: 8, label: {en: moderate, es: moderada}}\n      - {max: 21,",
    ),
    (
        "DEF024",
        "    level: review\n    when:\n      all:\n        - {q: sb_ever",
        "    level: reveiw\n    when:\n      all:\n        - {q: sb_ever",
    ),
    (
        "DEF005",
        "      - id: gad7\n        title:\n",
        "      - id: phq9\n        title:\n",
    ),
    ("DEF026", "  - id: what_brings_you\n", "  - id: What_brings_you\n"),
]


#: the practice's own details in place of the shipped placeholders (DEF045), so that the
#: only problems are the mistakes each test makes
REAL_DETAILS = (
    ('"(303) 555-0142"', '"(303) 861-0142"'),
    ("intake@example.org", "intake@denvermetrocounseling.test"),
    ("https://example.org/book", "https://denvermetrocounseling.test/book"),
)


def edited(tmp_path, edits, name="questions.yaml"):
    """questions.yaml with the edits made; returns the path and each edit's line."""
    text = QUESTIONS.read_text(encoding="utf-8")
    for placeholder, real in REAL_DETAILS:
        text = text.replace(placeholder, real)
    lines = {}
    for code, old, new in edits:
        assert text.count(old) == 1, code
        start = text.index(old)
        lines[code] = text.count("\n", 0, start) + 1 + _changed_line(old, new)
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, lines


def _changed_line(old: str, new: str) -> int:
    """Which line of a multi-line edit differs (0 = the first)."""
    pairs = zip(old.split("\n"), new.split("\n"), strict=True)
    return next(i for i, (a, b) in enumerate(pairs) if a != b)


def run_check(path):
    from flask import Flask

    result = Flask(__name__).test_cli_runner().invoke(check_command, [str(path)])
    problems = [LINE.match(line) for line in result.output.splitlines()]
    return result, [m for m in problems if m]


def test_ten_independent_mistakes_are_all_reported_in_one_run_with_their_lines(tmp_path):
    path, lines = edited(tmp_path, TEN)

    result, problems = run_check(path)

    reported = [(m["code"], int(m["line"])) for m in problems]
    assert reported == sorted(lines.items(), key=lambda item: item[1]), result.output
    assert len({code for code, _ in reported}) == 10
    assert result.exit_code == 1
    assert "FAILED: 10 error(s), 0 warning(s)" in result.output


def test_the_three_mistakes_of_the_issue_in_one_run(tmp_path):
    path, lines = edited(tmp_path, [TEN[0], TEN[1], TEN[2]])

    result, problems = run_check(path)

    assert [(m["code"], int(m["line"])) for m in problems] == [
        ("DEF002", lines["DEF002"]),
        ("DEF010", lines["DEF010"]),
        ("DEF007", lines["DEF007"]),
    ], result.output


def test_a_missing_key_that_a_misspelling_explains_is_folded_into_it(tmp_path):
    path, _ = edited(tmp_path, [TEN[0]])

    _, problems = run_check(path)

    assert [m["code"] for m in problems] == ["DEF002"]
    assert (
        "Did you mean 'label'? The required key 'label' is missing because of it."
        in (problems[0]["msg"])
    )


def test_what_refers_to_a_broken_question_is_not_reported_again(tmp_path):
    # med_trials_adequate is named by a cross-field limit, flags and examples
    path, lines = edited(tmp_path, [TEN[3]])

    _, problems = run_check(path)

    assert [(m["code"], int(m["line"])) for m in problems] == [("DEF008", lines["DEF008"])]


def test_warnings_that_depend_on_a_broken_part_are_suppressed(tmp_path):
    """high_mood_periods' options are unknown: its follow-up page is not 'never shown'
    (DEF041), nor are the values conditions compare it with unknown options (DEF011)."""
    typo = ("DEF014", "            options: yes_no_unsure\n      - id: mood_now", "")
    typo = (typo[0], typo[1], typo[1].replace("yes_no_unsure", "yes_no_unsur"))
    path, lines = edited(tmp_path, [typo])

    _, problems = run_check(path)

    assert [(m["code"], int(m["line"])) for m in problems] == [("DEF014", lines["DEF014"])]


def test_examples_are_neither_run_nor_counted_when_the_file_has_errors(tmp_path):
    path, _ = edited(tmp_path, [TEN[6]])

    result, _ = run_check(path)

    assert "example(s) checked" not in result.output
    assert "coverage:" not in result.output
    assert "examples not run until the errors are fixed" in result.output
    assert check_file(path).coverage is None


@pytest.mark.parametrize("edit", [TEN[3], TEN[2]])
def test_suggestions_end_the_sentence_cleanly(tmp_path, edit):
    path, _ = edited(tmp_path, [edit])

    result, problems = run_check(path)

    assert problems and "Did you mean" in result.output
    assert "?." not in result.output


def test_an_unknown_option_value_suggests_without_doubled_punctuation(tmp_path):
    typo = (
        "DEF011",
        '            show_if: {q: bp_told_high, is: "yes"}',
        '            show_if: {q: bp_told_high, is: "yse"}',
    )
    path, lines = edited(tmp_path, [typo])

    result, problems = run_check(path)

    assert [(m["code"], int(m["line"])) for m in problems] == [("DEF011", lines["DEF011"])]
    assert problems[0]["msg"].endswith("Did you mean 'yes'?"), problems[0]["msg"]
