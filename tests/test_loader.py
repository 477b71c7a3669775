"""Loading questions.yaml: file-level problems, and one bad definition per loader code.

`BASE` is a small valid questionnaire; each test tweaks one spot and checks the
problem code and the exact line it is reported on.
"""

from __future__ import annotations

import pytest

from screener.questionnaire import ERROR, WARNING, check_file, load_bytes, load_file, load_text

BASE = """\
questionnaire:
  id: demo
  title: Demo screener
  crisis_resources:
    - {id: lifeline_988, name: 988 Lifeline, how: Call or text 988}
option_sets:
  freq:
    - {value: 0, label: Not at all}
    - {value: 1, label: Several days}
    - {value: 2, label: More than half the days}
    - {value: 3, label: Nearly every day}
sections:
  - id: about
    title: About you
    pages:
      - id: age_page
        questions:
          - {id: age, type: integer, label: How old are you?, min: 10, max: 120}
      - id: mood_page
        show_if: {q: age, at_least: 18}
        questions:
          - {id: mood_1, type: single, options: freq, label: Little interest}
          - {id: mood_2, type: single, options: freq, label: Feeling down}
          - id: diagnoses
            type: multiple
            label: Have you been told you have any of these?
            options:
              - {value: bipolar, label: Bipolar disorder}
              - {value: psychosis, label: Psychosis}
              - {value: none, label: None of these}
            exclusive: [none]
          - {id: si_now, type: yesno, label: Are you thinking about ending your life right now?}
          - {id: notes, type: text, label: Anything else?, required: false}
          - {id: trials, type: integer, label: How many medicines have you tried?, min: 0, max: 20}
          - id: trials_failed
            type: integer
            label: How many did not help?
            min: 0
            max: {q: trials}
            show_if: {q: trials, at_least: 1}
scores:
  - id: mood
    label: Mood
    sum: [mood_1, mood_2]
    bands:
      - {max: 2, label: low}
      - {max: 6, label: high}
flags:
  - id: safety
    level: urgent
    interrupt: true
    when: {q: si_now, is: "yes"}
    client_text: You told us you are thinking about ending your life right now.
    staff_text: Current SI
  - id: bipolar
    level: review
    when: {q: diagnoses, includes: bipolar}
    staff_text: Bipolar history
outcomes:
  - id: support_first
    when: {flag: safety}
    title: Please reach out for support first
    message: Call or text 988.
  - id: adults_only
    when: {not: {q: age, at_least: 18}}
    title: This service is for adults
    message: Please talk to a trusted adult.
  - id: consult
    title: A consultation looks like a good next step
    message: Book a call.
examples:
  - name: E1 adult
    answers: {age: 40, mood_1: 1, mood_2: 1, si_now: "no", trials: 3, trials_failed: 2}
    expect:
      outcome: consult
      scores: {mood: 2}
      not_flags: [safety]
      visible: [trials_failed]
  - name: E2 teen
    answers: {age: 16}
    expect: {outcome: adults_only, hidden: [mood_1]}
"""


def tweak(old: str, new: str, text: str = BASE) -> str:
    """BASE with the one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `marker`."""
    hits = [i for i, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(hits) >= nth, f"{marker!r} not found {nth} time(s)"
    return hits[nth - 1]


def problems(tmp_path, text: str):
    """Everything `check` reports for this text: loader, lint and examples."""
    path = tmp_path / "questions.yaml"
    path.write_text(text, encoding="utf-8")
    return check_file(path).problems


def only(tmp_path, text: str, code: str):
    """The problems with `code`; fails unless there is at least one."""
    found = [p for p in problems(tmp_path, text) if p.code == code]
    assert found, f"expected {code}; got {problems(tmp_path, text)}"
    return found


def test_base_definition_is_clean(tmp_path):
    assert problems(tmp_path, BASE) == []


def test_base_loads_questions_in_order():
    q = load_text(BASE).questionnaire
    assert list(q.questions) == [
        "age",
        "mood_1",
        "mood_2",
        "diagnoses",
        "si_now",
        "notes",
        "trials",
        "trials_failed",
    ]
    assert q.questions["mood_1"].options[3].label == "Nearly every day"
    assert q.questions["si_now"].options[0].value == "yes"
    assert q.questions["trials_failed"].max.ref == "trials"


def test_positions_are_one_based_lines_and_columns():
    q = load_text(BASE).questionnaire
    age = q.questions["age"]
    assert age.pos.line == line_of(BASE, "{id: age,")
    assert age.pos.col == BASE.splitlines()[age.pos.line - 1].index("{") + 1


def test_content_hash_is_the_sha256_of_the_bytes():
    import hashlib

    raw = BASE.encode()
    q = load_bytes(raw).questionnaire
    assert q.content_hash == hashlib.sha256(raw).hexdigest()
    assert q.version == q.content_hash[:12]
    assert load_text(BASE).questionnaire.content_hash == q.content_hash


# -- file-level problems ------------------------------------------------------------------
def test_non_utf8_file_is_def001_on_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_bytes(BASE.encode().replace(b"Demo screener", b"D\xe9mo screener"))
    result = load_file(path)
    assert result.questionnaire is None
    [problem] = result.problems
    assert (problem.code, problem.line) == ("DEF001", line_of(BASE, "Demo screener"))
    assert "UTF-8" in problem.message


def test_empty_file_is_one_problem(tmp_path):
    for text in ("", "\n\n", "# only a comment\n"):
        result = load_text(text)
        assert result.questionnaire is None
        assert [(p.code, p.line) for p in result.problems] == [("DEF003", 1)]
        assert "empty" in result.problems[0].message


def test_top_level_list_is_def004():
    result = load_text("- questionnaire\n- sections\n")
    assert result.questionnaire is None
    [problem] = result.problems
    assert (problem.code, problem.line, problem.col) == ("DEF004", 1, 1)
    assert "list" in problem.message


def test_top_level_text_is_def004():
    result = load_text("hello\n")
    assert [p.code for p in result.problems] == ["DEF004"]


def test_missing_file_is_def001(tmp_path):
    result = load_file(tmp_path / "nope.yaml")
    assert result.questionnaire is None
    assert [p.code for p in result.problems] == ["DEF001"]
    assert "cannot read" in result.problems[0].message


def test_def001_syntax_error_reports_its_line():
    text = tweak("    title: About you\n", "    title: About you\n   pages: [oops\n")
    result = load_text(text)
    assert result.questionnaire is None
    [problem] = result.problems
    assert problem.code == "DEF001"
    assert line_of(text, "pages: [oops") <= problem.line <= line_of(text, "pages: [oops") + 1
    assert "indentation" in problem.message


def test_def001_tab_indentation_reports_its_line():
    text = tweak("  title: Demo screener\n", "\ttitle: Demo screener\n")
    [problem] = load_text(text).problems
    assert (problem.code, problem.line) == ("DEF001", line_of(text, "Demo screener"))


# -- one problem per loader code ----------
def test_def002_unknown_key_suggests_the_near_miss(tmp_path):
    text = tweak("label: How many did not help?", "lable: How many did not help?")
    [problem] = only(tmp_path, text, "DEF002")
    assert problem.line == line_of(text, "lable:")
    assert "Did you mean 'label'?" in problem.message


def test_def002_unknown_top_level_key(tmp_path):
    text = BASE + "outcome: []\n"
    [problem] = only(tmp_path, text, "DEF002")
    assert problem.line == line_of(text, "outcome: []")
    assert "Did you mean 'outcomes'?" in problem.message


def test_def003_missing_required_key_names_it(tmp_path):
    text = tweak("    title: Please reach out for support first\n", "")
    [problem] = only(tmp_path, text, "DEF003")
    assert problem.line == line_of(text, "- id: support_first")
    assert "'title'" in problem.message


def test_def004_wrong_kind_of_value(tmp_path):
    text = tweak("title: About you", "title: [About, you]")
    [problem] = only(tmp_path, text, "DEF004")
    assert problem.line == line_of(text, "title: [About, you]")
    assert "list" in problem.message


def test_def004_sections_must_be_a_list(tmp_path):
    text = BASE.replace("sections:\n", "sections: nope\nold_sections:\n")
    found = only(tmp_path, text, "DEF004")
    assert found[0].line == line_of(text, "sections: nope")


def test_def006_duplicate_key_in_one_mapping(tmp_path):
    text = tweak(
        "    staff_text: Bipolar history\n",
        "    staff_text: Bipolar history\n    staff_text: Again\n",
    )
    [problem] = only(tmp_path, text, "DEF006")
    assert problem.line == line_of(text, "staff_text: Again")
    assert "'staff_text'" in problem.message


def test_def007_unquoted_yes_as_an_option_value(tmp_path):
    # the label is quoted: a bare `Yes` label is a second DEF007 of its own
    text = tweak("- {value: none, label: None of these}", '- {value: yes, label: "Yes"}')
    [problem] = only(tmp_path, text, "DEF007")
    assert problem.line == line_of(text, "{value: yes,")
    assert '"yes"' in problem.message


def test_def007_unquoted_yes_in_a_condition(tmp_path):
    text = tweak('when: {q: si_now, is: "yes"}', "when: {q: si_now, is: yes}")
    [problem] = only(tmp_path, text, "DEF007")
    assert problem.line == line_of(text, "is: yes}")
    assert '"yes"' in problem.message


def test_def007_unquoted_no_in_an_example_answer(tmp_path):
    text = tweak('si_now: "no"', "si_now: no")
    [problem] = only(tmp_path, text, "DEF007")
    assert problem.line == line_of(text, "si_now: no")
    assert "'si_now'" in problem.message and '"no"' in problem.message


def test_def007_unquoted_on_in_an_in_list(tmp_path):
    text = tweak('when: {q: si_now, is: "yes"}', 'when: {q: si_now, in: ["no", on]}')
    [problem] = only(tmp_path, text, "DEF007")
    assert problem.line == line_of(text, "in: [")


def test_def008_unknown_question_type(tmp_path):
    text = tweak("type: multiple", "type: multi")
    [problem] = only(tmp_path, text, "DEF008")
    assert problem.line == line_of(text, "type: multi")
    assert "'diagnoses'" in problem.message and "multiple" in problem.message


def test_def009_choice_question_without_options(tmp_path):
    text = tweak(
        "{id: mood_2, type: single, options: freq, label: Feeling down}",
        "{id: mood_2, type: single, label: Feeling down}",
    )
    [problem] = only(tmp_path, text, "DEF009")
    assert problem.line == line_of(text, "id: mood_2")
    assert "'mood_2'" in problem.message


def test_def009_yesno_with_options(tmp_path):
    text = tweak("{id: si_now, type: yesno,", "{id: si_now, type: yesno, options: freq,")
    [problem] = only(tmp_path, text, "DEF009")
    assert problem.line == line_of(text, "id: si_now")
    assert "built in" in problem.message


def test_def009_number_with_options(tmp_path):
    text = tweak("{id: trials, type: integer,", "{id: trials, type: integer, options: freq,")
    [problem] = only(tmp_path, text, "DEF009")
    assert problem.line == line_of(text, "id: trials,")


def test_def014_unknown_option_set_suggests_the_near_miss(tmp_path):
    text = tweak(
        "{id: mood_2, type: single, options: freq,", "{id: mood_2, type: single, options: frq,"
    )
    [problem] = only(tmp_path, text, "DEF014")
    assert problem.line == line_of(text, "options: frq")
    assert "'mood_2'" in problem.message and "Did you mean 'freq'?" in problem.message


def test_def017_condition_without_operator(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {q: trials}")
    [problem] = only(tmp_path, text, "DEF017")
    assert problem.line == line_of(text, "show_if: {q: trials}")


def test_def017_condition_with_two_operators(tmp_path):
    text = tweak(
        "show_if: {q: trials, at_least: 1}", "show_if: {q: trials, at_least: 1, at_most: 3}"
    )
    [problem] = only(tmp_path, text, "DEF017")
    assert problem.line == line_of(text, "at_most: 3")


def test_def017_condition_that_is_not_a_mapping(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: trials > 1")
    [problem] = only(tmp_path, text, "DEF017")
    assert problem.line == line_of(text, "show_if: trials > 1")
    assert "{q: age, at_least: 18}" in problem.message


def test_def017_empty_any(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {any: []}")
    [problem] = only(tmp_path, text, "DEF017")
    assert problem.line == line_of(text, "{any: []}")


def test_def017_at_least_needs_a_number(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {q: trials, at_least: one}")
    [problem] = only(tmp_path, text, "DEF017")
    assert problem.line == line_of(text, "at_least: one")


def test_def017_unknown_operator_is_named_with_a_suggestion(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {q: trials, atleast: 1}")
    found = problems(tmp_path, text)
    unknown = [p for p in found if p.code == "DEF002"]
    assert unknown and "Did you mean 'at_least'?" in unknown[0].message
    assert {p.line for p in found} == {line_of(text, "atleast")}


def test_def022_limit_that_is_not_a_number(tmp_path):
    text = tweak("min: 10, max: 120}", "min: 10, max: lots}")
    [problem] = only(tmp_path, text, "DEF022")
    assert problem.line == line_of(text, "max: lots")


def test_def026_invalid_identifier(tmp_path):
    text = tweak("{id: mood_2,", "{id: Mood-2,")
    [problem] = only(tmp_path, text, "DEF026")
    assert problem.line == line_of(text, "Mood-2")
    assert "lower-case" in problem.message


def test_def032_empty_crisis_resources(tmp_path):
    text = tweak(
        "  crisis_resources:\n    - {id: lifeline_988, name: 988 Lifeline, "
        "how: Call or text 988}\n",
        "  crisis_resources: []\n",
    )
    [problem] = only(tmp_path, text, "DEF032")
    assert problem.line == line_of(text, "crisis_resources")
    assert "988" in problem.message


def test_def032_missing_crisis_resources_is_reported(tmp_path):
    text = tweak(
        "  crisis_resources:\n    - {id: lifeline_988, name: 988 Lifeline, "
        "how: Call or text 988}\n",
        "",
    )
    codes = {p.code for p in problems(tmp_path, text)}
    assert codes & {"DEF003", "DEF032"}


def test_def043_unused_option_set_is_a_warning_on_its_line(tmp_path):
    text = tweak("option_sets:\n", "option_sets:\n  spare:\n    - {value: 0, label: Zero}\n")
    [problem] = only(tmp_path, text, "DEF043")
    assert problem.severity == WARNING
    assert problem.line == line_of(text, "spare:")
    assert "'spare'" in problem.message


def test_problems_format_as_path_line_col_code():
    result = load_text(tweak("type: multiple", "type: multi"))
    [problem] = result.problems
    assert problem.severity == ERROR
    line = problem.format("questions.yaml")
    assert line.startswith(f"questions.yaml:{problem.line}:{problem.col}: DEF008 ")


@pytest.mark.parametrize(
    "text",
    [
        "questionnaire: 3\nsections: []\noutcomes: []\n",
        "questionnaire: {}\nsections: [1]\noutcomes: [x]\n",
        "sections:\n  - pages: [{questions: [{}]}]\n",
    ],
)
def test_nonsense_never_raises(tmp_path, text):
    found = problems(tmp_path, text)
    assert found and all(p.line >= 1 for p in found)


def test_anchors_and_aliases_are_read_as_yaml_defines_them():
    from screener.questionnaire.yamlsource import parse

    source = parse("a: &shared [1, 2]\nb: *shared\n")
    assert source.problems == [] and source.data == {"a": [1, 2], "b": [1, 2]}


def test_unsafe_tags_are_refused_with_their_line():
    from screener.questionnaire.yamlsource import parse

    source = parse("a: 1\nb: !!python/object/apply:os.system ['true']\n")
    [problem] = source.problems
    assert problem.code == "DEF001" and problem.line == 2 and "tag" in problem.message


def test_a_second_document_is_refused_with_its_line():
    from screener.questionnaire.yamlsource import parse

    [problem] = parse("a: 1\n---\nb: 2\n").problems
    assert problem.code == "DEF001" and problem.line == 2 and "---" in problem.message


def test_a_mapping_as_key_is_a_clear_problem():
    from screener.questionnaire.yamlsource import parse

    [problem] = parse("? [a, b]\n: 1\nc: 2\n").problems
    assert problem.code == "DEF004" and problem.line == 1
