"""Lint and example checks: one small bad definition per problem code, with its line."""

from __future__ import annotations

from screener.questionnaire import ERROR, WARNING, lint, load_text
from tests.test_loader import BASE, line_of, only, problems, tweak

ADULT_EXAMPLE = (
    'answers: {age: 40, mood_1: 1, mood_2: 1, si_now: "no", trials: 3, trials_failed: 2}'
)


def test_lint_of_the_base_is_empty():
    assert lint(load_text(BASE).questionnaire) == []


def test_lint_problems_are_sorted_by_position(tmp_path):
    text = tweak("level: review", "level: reviw")
    text = tweak("{id: mood_2,", "{id: mood_1,", text)
    found = lint(load_text(text).questionnaire)
    assert [(p.line, p.col) for p in found] == sorted((p.line, p.col) for p in found)


# -- ids ----------
def test_def005_duplicate_question_id_names_the_first_line(tmp_path):
    text = tweak("{id: mood_2,", "{id: mood_1,")
    [problem] = only(tmp_path, text, "DEF005")
    assert problem.line == line_of(text, "{id: mood_1,", nth=2)
    assert f"line {line_of(text, '{id: mood_1,')}" in problem.message
    assert "'mood_1'" in problem.message


def test_def005_duplicate_flag_id(tmp_path):
    text = tweak("  - id: bipolar\n", "  - id: safety\n")
    found = only(tmp_path, text, "DEF005")
    assert found[0].line == line_of(text, "  - id: safety", nth=2)


# -- references ----------
def test_def010_condition_on_an_unknown_question_suggests_one(tmp_path):
    text = tweak('when: {q: si_now, is: "yes"}', 'when: {q: si_nw, is: "yes"}')
    [problem] = only(tmp_path, text, "DEF010")
    assert problem.line == line_of(text, "si_nw")
    assert "flag 'safety'" in problem.message and "Did you mean 'si_now'?" in problem.message


def test_def010_score_over_an_unknown_question(tmp_path):
    text = tweak("sum: [mood_1, mood_2]", "sum: [mood_1, mood_3]")
    [problem] = only(tmp_path, text, "DEF010")
    assert problem.line == line_of(text, "sum: [mood_1, mood_3]")
    assert "'mood_3'" in problem.message


def test_def010_cross_field_limit_on_an_unknown_question(tmp_path):
    text = tweak("max: {q: trials}", "max: {q: trial}")
    [problem] = only(tmp_path, text, "DEF010")
    assert problem.line == line_of(text, "max: {q: trial}")
    assert "'trials_failed'" in problem.message


def test_def011_condition_on_an_unknown_option(tmp_path):
    text = tweak("includes: bipolar}", "includes: bipolr}")
    [problem] = only(tmp_path, text, "DEF011")
    assert problem.line == line_of(text, "bipolr")
    assert "'diagnoses'" in problem.message and "Did you mean 'bipolar'?" in problem.message


def test_def011_yesno_value_that_is_not_yes_or_no(tmp_path):
    text = tweak('is: "yes"}', 'is: "y"}')
    [problem] = only(tmp_path, text, "DEF011")
    assert problem.line == line_of(text, 'is: "y"}')


def test_def011_exclusive_value_that_is_not_an_option(tmp_path):
    text = tweak("exclusive: [none]", "exclusive: [nothing]")
    [problem] = only(tmp_path, text, "DEF011")
    assert problem.line == line_of(text, "exclusive: [nothing]")


def test_def012_unknown_score(tmp_path):
    text = tweak("when: {not: {q: age, at_least: 18}}", "when: {score: moood, at_least: 18}")
    [problem] = only(tmp_path, text, "DEF012")
    assert problem.line == line_of(text, "score: moood")
    assert "outcome 'adults_only'" in problem.message and "Did you mean 'mood'?" in problem.message


def test_def013_unknown_flag(tmp_path):
    text = tweak("when: {flag: safety}", "when: {flag: safty}")
    [problem] = only(tmp_path, text, "DEF013")
    assert problem.line == line_of(text, "flag: safty")
    assert "Did you mean 'safety'?" in problem.message


# -- operators and order ----------
def test_def015_at_least_on_a_yesno(tmp_path):
    text = tweak('when: {q: si_now, is: "yes"}', "when: {q: si_now, at_least: 1}")
    [problem] = only(tmp_path, text, "DEF015")
    assert problem.line == line_of(text, "si_now, at_least")
    assert "'si_now'" in problem.message and "Use 'is'" in problem.message


def test_def015_is_on_a_multiple(tmp_path):
    text = tweak("includes: bipolar}", "is: bipolar}")
    [problem] = only(tmp_path, text, "DEF015")
    assert problem.line == line_of(text, "diagnoses, is: bipolar")
    assert "includes" in problem.message


def test_def015_includes_on_a_single(tmp_path):
    text = tweak("includes: bipolar}", "includes: bipolar}")
    text = tweak("{q: diagnoses, includes: bipolar}", "{q: mood_1, includes: 1}", text)
    [problem] = only(tmp_path, text, "DEF015")
    assert problem.line == line_of(text, "mood_1, includes")


def test_def015_is_on_free_text(tmp_path):
    text = tweak("{q: diagnoses, includes: bipolar}", "{q: notes, is: bipolar}")
    [problem] = only(tmp_path, text, "DEF015")
    assert problem.line == line_of(text, "notes, is")
    assert "answered" in problem.message


def test_numeric_operator_fits_a_choice_with_prefer_not_to_say(tmp_path):
    text = tweak(
        "{id: mood_2, type: single, options: freq,",
        "{id: mood_2, type: single, options: freq, prefer_not_to_say: true,",
    )
    text = tweak("{q: diagnoses, includes: bipolar}", "{q: mood_2, at_least: 2}", text)
    assert problems(tmp_path, text) == []


def test_def016_condition_on_a_later_question(tmp_path):
    text = tweak("show_if: {q: age, at_least: 18}", "show_if: {q: trials, at_least: 1}")
    [problem] = only(tmp_path, text, "DEF016")
    assert problem.line == line_of(text, "show_if: {q: trials, at_least: 1}")
    assert "page 'mood_page'" in problem.message and "a later question" in problem.message
    assert "'trials'" in problem.message


def test_def016_question_shown_if_itself(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {q: trials_failed, at_least: 1}")
    [problem] = only(tmp_path, text, "DEF016")
    assert problem.line == line_of(text, "show_if: {q: trials_failed")
    assert "itself" in problem.message and "'trials_failed'" in problem.message


def test_def018_flag_cycle(tmp_path):
    text = tweak(
        'when: {q: si_now, is: "yes"}', 'when: {any: [{q: si_now, is: "yes"}, {flag: bipolar}]}'
    )
    text = tweak(
        "when: {q: diagnoses, includes: bipolar}",
        "when: {any: [{q: diagnoses, includes: bipolar}, {flag: safety}]}",
        text,
    )
    [problem] = only(tmp_path, text, "DEF018")
    assert problem.line == line_of(text, "{flag: bipolar}")
    assert "flag 'safety'" in problem.message and "'bipolar', defined below it" in problem.message


def test_def018_flag_on_itself(tmp_path):
    text = tweak(
        "when: {q: diagnoses, includes: bipolar}",
        "when: {all: [{q: diagnoses, includes: bipolar}, {flag: bipolar}]}",
    )
    [problem] = only(tmp_path, text, "DEF018")
    assert problem.line == line_of(text, "{flag: bipolar}")
    assert "itself" in problem.message


def test_def019_page_shown_if_a_flag(tmp_path):
    text = tweak("show_if: {q: age, at_least: 18}", "show_if: {flag: safety}")
    [problem] = only(tmp_path, text, "DEF019")
    assert problem.line == line_of(text, "show_if: {flag: safety}")
    assert "page 'mood_page'" in problem.message


def test_def019_question_shown_if_a_score(tmp_path):
    text = tweak("show_if: {q: trials, at_least: 1}", "show_if: {score: mood, at_least: 1}")
    [problem] = only(tmp_path, text, "DEF019")
    assert problem.line == line_of(text, "show_if: {score: mood")


# -- scores ----------
def test_def020_score_over_a_text_question(tmp_path):
    text = tweak("sum: [mood_1, mood_2]", "sum: [mood_1, mood_2, notes]")
    [problem] = only(tmp_path, text, "DEF020")
    assert problem.line == line_of(text, "sum: [mood_1, mood_2, notes]")
    assert "'notes'" in problem.message


def test_def021_overlapping_bands(tmp_path):
    text = tweak("- {max: 6, label: high}", "- {max: 2, label: high}\n      - {max: 6, label: top}")
    found = only(tmp_path, text, "DEF021")
    assert [p.line for p in found] == [line_of(text, "label: high")]
    assert "overlaps band 'low'" in found[0].message


def test_def021_last_band_below_the_highest_total(tmp_path):
    text = tweak("- {max: 6, label: high}", "- {max: 5, label: high}")
    [problem] = only(tmp_path, text, "DEF021")
    assert problem.line == line_of(text, "label: high")
    assert "highest possible total is 6" in problem.message


# -- limits ----------
def test_def022_min_greater_than_max(tmp_path):
    text = tweak("min: 10, max: 120}", "min: 130, max: 120}")
    [problem] = only(tmp_path, text, "DEF022")
    assert problem.line == line_of(text, "min: 130")
    assert "'age'" in problem.message


def test_def022_limits_on_a_text_question(tmp_path):
    text = tweak(
        "label: Anything else?, required: false}", "label: Anything else?, required: false, max: 3}"
    )
    [problem] = only(tmp_path, text, "DEF022")
    assert problem.line == line_of(text, "max: 3}")


def test_def023_cross_field_limit_on_a_later_question(tmp_path):
    text = tweak(
        "{id: trials, type: integer, label: How many medicines have you tried?, min: 0, max: 20}",
        "{id: trials, type: integer, label: How many medicines have you "
        "tried?, min: 0, max: {q: trials_failed}}",
    )
    text = tweak("max: {q: trials}", "max: 20", text)
    [problem] = only(tmp_path, text, "DEF023")
    assert problem.line == line_of(text, "max: {q: trials_failed}")


def test_def023_cross_field_limit_on_a_text_question(tmp_path):
    text = tweak("max: {q: trials}", "max: {q: notes}")
    [problem] = only(tmp_path, text, "DEF023")
    assert problem.line == line_of(text, "max: {q: notes}")
    assert "'notes' is not" in problem.message


# -- flags ----------
def test_def024_unknown_flag_level(tmp_path):
    text = tweak("level: review", "level: reviw")
    [problem] = only(tmp_path, text, "DEF024")
    assert problem.line == line_of(text, "level: reviw")  # the line to fix
    assert "'reviw'" in problem.message


def test_def025_interrupt_flag_not_urgent(tmp_path):
    text = tweak("level: urgent", "level: review")
    [problem] = only(tmp_path, text, "DEF025")
    assert problem.line == line_of(text, "- id: safety")


def test_def025_interrupt_flag_without_client_text(tmp_path):
    text = tweak(
        "    client_text: You told us you are thinking about ending your life right now.\n", ""
    )
    [problem] = only(tmp_path, text, "DEF025")
    assert problem.line == line_of(text, "- id: safety")


MENTION = "              - {value: psychosis, label: Psychosis}\n"
SUICIDE_OPTION = (
    MENTION + "              - {value: suicide, label: Thoughts of suicide, safety_mention: true}\n"
)


def test_def033_a_safety_mention_that_reaches_no_support_page_is_an_error(tmp_path):
    text = tweak(MENTION, SUICIDE_OPTION)
    [problem] = only(tmp_path, text, "DEF033")
    assert problem.severity == ERROR
    assert problem.line == line_of(text, "safety_mention: true")
    assert "'suicide' of 'diagnoses'" in problem.message


def test_def033_is_met_by_an_interrupt_flag_on_the_option_alone(tmp_path):
    text = tweak(MENTION, SUICIDE_OPTION)
    text = tweak(
        '    when: {q: si_now, is: "yes"}\n',
        "    when:\n      any:\n"
        '        - {q: si_now, is: "yes"}\n'
        "        - {q: diagnoses, includes: suicide}\n",
        text,
    )
    assert [p for p in problems(tmp_path, text) if p.code == "DEF033"] == []


def test_def033_a_flag_that_also_needs_another_answer_is_not_enough(tmp_path):
    text = tweak(MENTION, SUICIDE_OPTION)
    text = tweak(
        '    when: {q: si_now, is: "yes"}\n',
        "    when:\n      all:\n"
        '        - {q: si_now, is: "yes"}\n'
        "        - {q: diagnoses, includes: suicide}\n",
        text,
    )
    [problem] = only(tmp_path, text, "DEF033")
    assert problem.line == line_of(text, "safety_mention: true")


def test_def040_flag_nobody_sees_is_a_warning(tmp_path):
    text = tweak("    staff_text: Bipolar history\n", "")
    [problem] = only(tmp_path, text, "DEF040")
    assert problem.severity == WARNING
    assert problem.line == line_of(text, "- id: bipolar")


# -- questions and options ----------
def test_def027_duplicate_option_value(tmp_path):
    text = tweak("- {value: psychosis, label: Psychosis}", "- {value: bipolar, label: Psychosis}")
    [problem] = only(tmp_path, text, "DEF027")
    assert problem.line == line_of(text, "label: Psychosis}")
    assert "'diagnoses'" in problem.message and "'bipolar'" in problem.message


def test_def028_prefer_not_to_say_on_a_number(tmp_path):
    text = tweak("min: 10, max: 120}", "min: 10, max: 120, prefer_not_to_say: true}")
    [problem] = only(tmp_path, text, "DEF028")
    assert problem.line == line_of(text, "prefer_not_to_say: true")
    assert "'age'" in problem.message


def test_def028_exclusive_on_a_single(tmp_path):
    text = tweak("type: multiple", "type: single")
    text = tweak("includes: bipolar}", "is: bipolar}", text)
    [problem] = only(tmp_path, text, "DEF028")
    assert problem.line == line_of(text, "exclusive: [none]")


def test_def041_question_that_can_never_be_shown(tmp_path):
    text = tweak(
        "show_if: {q: trials, at_least: 1}",
        "show_if: {all: [{q: trials, at_least: 5}, {q: trials, less_than: 3}]}",
    )
    [problem] = only(tmp_path, text, "DEF041")
    assert problem.severity == WARNING
    assert problem.line == line_of(text, "- id: trials_failed")
    assert "'trials_failed'" in problem.message


def test_def041_question_hidden_by_its_page(tmp_path):
    text = tweak(
        "{id: mood_1, type: single, options: freq, label: Little interest}",
        "{id: mood_1, type: single, options: freq, label: Little interest, "
        "show_if: {q: age, less_than: 18}}",
    )
    [problem] = only(tmp_path, text, "DEF041")
    assert problem.line == line_of(text, "{id: mood_1")


def test_def042_eligible_in_client_text(tmp_path):
    text = tweak("message: Book a call.", "message: You are eligible for KAP.")
    [problem] = only(tmp_path, text, "DEF042")
    assert problem.severity == WARNING
    assert problem.line == line_of(text, "You are eligible")
    assert "\u201celigible\u201d" in problem.message and "rephrase" in problem.message


def test_def042_percentages_and_diagnoses(tmp_path):
    text = tweak("label: Feeling down}", 'label: "You have depression, 70 % of people do"}')
    found = only(tmp_path, text, "DEF042")
    assert {p.line for p in found} == {line_of(text, "You have depression")}


def test_def042_staff_text_may_use_clinical_words(tmp_path):
    text = tweak("staff_text: Bipolar history", "staff_text: treatment-resistant, eligible?")
    assert problems(tmp_path, text) == []


# -- outcomes and meta ----------
def test_def030_no_catch_all(tmp_path):
    text = tweak("  - id: consult\n", "  - id: consult\n    when: {q: age, at_least: 18}\n")
    [problem] = only(tmp_path, text, "DEF030")
    assert problem.line == line_of(text, "- id: consult")
    assert "Add a final outcome with no 'when'" in problem.message


def test_def031_outcome_after_the_catch_all(tmp_path):
    text = BASE.replace(
        "examples:\n",
        "  - id: later\n    when: {flag: bipolar}\n    title: Never shown\nexamples:\n",
    )
    [problem] = only(tmp_path, text, "DEF031")
    assert problem.line == line_of(text, "- id: later")
    assert "'consult'" in problem.message


# -- examples ----------
def test_def050_example_outcome_mismatch(tmp_path):
    text = tweak("expect: {outcome: adults_only,", "expect: {outcome: consult,")
    [problem] = only(tmp_path, text, "DEF050")
    assert problem.line == line_of(text, "- name: E2 teen")
    assert "E2 teen" in problem.message and "'adults_only'" in problem.message


def test_def051_expected_flag_did_not_fire(tmp_path):
    text = tweak("      not_flags: [safety]\n", "      flags: [bipolar]\n")
    [problem] = only(tmp_path, text, "DEF051")
    assert problem.line == line_of(text, "- name: E1 adult")
    assert "'bipolar'" in problem.message


def test_def051_flag_that_must_not_fire(tmp_path):
    text = tweak('si_now: "no"', 'si_now: "yes"')
    text = tweak("outcome: consult\n", "outcome: support_first\n", text)
    [problem] = only(tmp_path, text, "DEF051")
    assert "'safety' fired" in problem.message


def test_def052_score_mismatch(tmp_path):
    text = tweak("scores: {mood: 2}", "scores: {mood: 3}")
    [problem] = only(tmp_path, text, "DEF052")
    assert problem.line == line_of(text, "- name: E1 adult")
    assert "'mood' = 3, got 2" in problem.message


def test_def052_expecting_a_score_that_does_not_apply(tmp_path):
    text = tweak("hidden: [mood_1]}", "hidden: [mood_1], scores: {mood: 0}}")
    [problem] = only(tmp_path, text, "DEF052")
    assert "does not apply" in problem.message


def test_def053_example_answer_that_does_not_fit(tmp_path):
    text = tweak("mood_1: 1, mood_2: 1", "mood_1: 7, mood_2: 1")
    found = only(tmp_path, text, "DEF053")
    assert [p.line for p in found] == [line_of(text, "mood_1: 7")]
    assert "'mood_1'" in found[0].message


def test_def053_example_answer_to_an_unknown_question(tmp_path):
    text = tweak("answers: {age: 16}", "answers: {age: 16, shoe_size: 9}")
    [problem] = only(tmp_path, text, "DEF053")
    assert problem.line == line_of(text, "shoe_size")


def test_def054_visible_and_hidden_mismatch(tmp_path):
    text = tweak("visible: [trials_failed]", "visible: [notes, age, mood_1]")
    text = tweak("hidden: [mood_1]", "hidden: [age]", text)
    found = only(tmp_path, text, "DEF054")
    assert len(found) == 1 and "'age' to be hidden" in found[0].message
    text = tweak("trials: 3, trials_failed: 2}", "trials: 0}")
    [problem] = only(tmp_path, text, "DEF054")
    assert "'trials_failed' to be shown" in problem.message


def test_def055_expected_validation_error_did_not_happen(tmp_path):
    text = tweak("expect: {outcome: adults_only,", "expect: {errors: [age], outcome: adults_only,")
    [problem] = only(tmp_path, text, "DEF055")
    assert problem.line == line_of(text, "- name: E2 teen")
    assert "age" in problem.message


def test_expected_validation_error_is_not_a_problem(tmp_path):
    text = tweak("trials: 3, trials_failed: 2}", "trials: 3, trials_failed: 5}")
    text = tweak("      visible: [trials_failed]\n", "      errors: [trials_failed]\n", text)
    assert problems(tmp_path, text) == []


def test_expect_naming_an_unknown_flag_is_reported(tmp_path):
    text = tweak("not_flags: [safety]", "not_flags: [safty]")
    [problem] = only(tmp_path, text, "DEF013")
    assert problem.line == line_of(text, "not_flags: [safty]")
    assert "Did you mean 'safety'?" in problem.message


def test_expect_naming_an_unknown_question_is_reported(tmp_path):
    text = tweak("hidden: [mood_1]", "hidden: [mood1]")
    [problem] = only(tmp_path, text, "DEF010")
    assert problem.line == line_of(text, "hidden: [mood1]")


def test_expect_flags_must_be_a_list(tmp_path):
    text = tweak("not_flags: [safety]", "not_flags: safety")
    [problem] = only(tmp_path, text, "DEF004")
    assert problem.line == line_of(text, "not_flags: safety")


def test_examples_do_not_run_when_the_definition_has_errors(tmp_path):
    text = tweak("level: review", "level: reviw")
    text = tweak("scores: {mood: 2}", "scores: {mood: 3}", text)
    codes = {p.code for p in problems(tmp_path, text)}
    assert "DEF024" in codes and "DEF052" not in codes


def test_warnings_alone_are_not_errors(tmp_path):
    text = tweak("message: Book a call.", "message: You may qualify.")
    found = problems(tmp_path, text)
    assert found and all(p.severity == WARNING for p in found)
    assert not any(p.severity == ERROR for p in found)
    assert ": DEF042 warning: " in found[0].format("q.yaml")


def test_def044_two_questions_with_the_same_label_on_a_page_warns(tmp_path):
    text = tweak("label: Feeling down}", "label: Little interest}")
    [problem] = only(tmp_path, text, "DEF044")
    assert problem.severity == WARNING
    assert problem.line == line_of(text, "id: mood_2")
    assert "'mood_1'" in problem.message
