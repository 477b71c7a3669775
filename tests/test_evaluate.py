"""evaluate() against the real questions.yaml: scores, visibility, limits, flags, examples."""

from __future__ import annotations

import copy

import pytest

from screener.questionnaire import evaluate, load_file, scores_of
from tests.conftest import QUESTIONS


def _example_names() -> list[str]:
    result = load_file(QUESTIONS)
    if result.questionnaire is None:
        return ["questions.yaml does not load"]
    return [example.name for example in result.questionnaire.examples]


@pytest.fixture
def dana(personas):
    """P01, the baseline adult, as a fresh dict each time."""
    return copy.deepcopy(personas["P01"].answers)


def with_phq9_total(answers: dict, total: int) -> dict:
    """The answers with PHQ-9 items 1-8 set to add up to `total` (item 9 stays 0)."""
    answers = dict(answers)
    for i in range(1, 9):
        answers[f"phq9_{i}"] = min(3, max(0, total - 3 * (i - 1)))
    answers["phq9_9"] = 0
    assert sum(answers[f"phq9_{i}"] for i in range(1, 10)) == total
    return answers


# -- scores ----------
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_phq9_band_boundaries(questionnaire, dana, total, band):
    result = evaluate(questionnaire, with_phq9_total(dana, total)).scores["phq9"]
    assert (result.value, result.band) == (total, band)
    assert result.applies


def test_phq9_of_27_is_severe(questionnaire, dana):
    answers = {**dana, **{f"phq9_{i}": 3 for i in range(1, 10)}}
    assert evaluate(questionnaire, answers).scores["phq9"].band == "severe"


def test_scores_do_not_apply_to_a_17_year_old(questionnaire, personas):
    ev = evaluate(questionnaire, personas["P12"].answers)
    assert not ev.scores["phq9"].applies
    assert ev.scores["phq9"].band == ""


def test_pcptsd5_prefer_not_to_say_gives_no_score(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "trauma_exposure": "prefer_not_to_say"})
    assert ev.scores["pcptsd5"].value is None
    assert evaluate(questionnaire, dana).scores["pcptsd5"].value == 0


# -- hidden answers ----------
def test_blood_pressure_reading_without_a_known_reading_is_discarded(questionnaire, dana):
    answers = {**dana, "bp_reading_known": "no", "bp_systolic": 190, "bp_diastolic": 120}
    ev = evaluate(questionnaire, answers)
    assert "bp_systolic" in ev.discarded and "bp_diastolic" in ev.discarded
    assert "bp_systolic" not in ev.answers and "bp_systolic" not in ev.visible_questions
    assert "bp_very_high" not in ev.flag_ids
    assert ev.errors == ()


def test_the_same_reading_when_shown_raises_bp_very_high(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "bp_systolic": 190})
    assert "bp_very_high" in ev.flag_ids
    assert ("bp_systolic", 190) in ev.fired("bp_very_high").evidence


def test_hidden_answer_that_would_not_fit_is_discarded_not_an_error(questionnaire, dana):
    answers = {**dana, "bp_reading_known": "no", "bp_systolic": 9999}
    ev = evaluate(questionnaire, answers)
    assert ev.errors == ()
    assert "bp_systolic" in ev.discarded


def test_answers_to_a_page_that_does_not_apply_are_discarded(questionnaire, personas):
    answers = {**personas["P12"].answers, "phq9_1": 3, "med_any_ever": "yes"}
    ev = evaluate(questionnaire, answers)
    assert "phq9" not in ev.visible_pages
    assert {"phq9_1", "med_any_ever"} <= set(ev.discarded)
    assert "phq9_1" not in ev.answers
    assert ev.outcome.id == "adults_only"


def test_unknown_question_is_an_ans001_error(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "shoe_size": 9})
    assert [(e.question_id, e.code) for e in ev.errors] == [("shoe_size", "ANS001")]


def test_value_outside_the_options_is_ans002(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "phq9_1": 7})
    assert [(e.question_id, e.code) for e in ev.errors] == [("phq9_1", "ANS002")]
    assert "phq9_1" not in ev.answers


def test_number_out_of_range_is_ans003(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "age": 500})
    assert [(e.question_id, e.code) for e in ev.errors] == [("age", "ANS003")]


# -- cross-field limits ----------
def test_more_trials_not_helped_than_taken_is_ans005(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "med_trials_adequate": 1, "med_trials_not_helped": 3})
    assert [(e.question_id, e.code) for e in ev.errors] == [("med_trials_not_helped", "ANS005")]
    assert "can't be more" in ev.errors[0].message
    assert "med_trials_not_helped" not in ev.answers
    assert "trd_pattern" not in ev.flag_ids


def test_equal_trials_are_fine(questionnaire, dana):
    ev = evaluate(questionnaire, {**dana, "med_trials_adequate": 3, "med_trials_not_helped": 3})
    assert ev.errors == ()
    assert "trd_pattern" in ev.flag_ids


def test_cross_field_limit_is_not_checked_when_the_pair_is_hidden(questionnaire, dana):
    answers = {**dana, "med_any_ever": "no", "med_trials_adequate": 1, "med_trials_not_helped": 3}
    ev = evaluate(questionnaire, answers)
    assert ev.errors == ()
    assert {"med_trials_adequate", "med_trials_not_helped"} <= set(ev.discarded)
    assert "trd_pattern" not in ev.flag_ids


def test_cross_field_limit_is_not_checked_when_the_other_is_unanswered(questionnaire, dana):
    answers = {k: v for k, v in dana.items() if k != "med_trials_adequate"}
    assert evaluate(questionnaire, answers).errors == ()


# -- progress and interrupts ----------
def test_progress_counts_only_pages_that_apply(questionnaire, personas, dana):
    adult = evaluate(questionnaire, dana)
    teen = evaluate(questionnaire, personas["P12"].answers)
    adult_step, adult_total = adult.progress("age")
    teen_step, teen_total = teen.progress("age")
    assert adult_step == teen_step == 1
    assert adult_total == len(adult.visible_pages)
    assert teen_total == len(teen.visible_pages) < adult_total
    assert "phq9" not in teen.visible_pages and "safety" in teen.visible_pages
    assert teen.progress("safety") == (teen.visible_pages.index("safety") + 1, teen_total)


def test_progress_on_a_page_that_does_not_apply(questionnaire, personas):
    teen = evaluate(questionnaire, personas["P12"].answers)
    total = len(teen.visible_pages)
    assert teen.progress("phq9") == (total, total)


def test_progress_grows_when_an_answer_reveals_a_page(questionnaire, dana):
    without = evaluate(questionnaire, dana)
    revealed = evaluate(questionnaire, {**dana, "si_wish_dead": "yes"})
    assert "safety_now" not in without.visible_pages
    assert "safety_now" in revealed.visible_pages
    assert len(revealed.visible_pages) == len(without.visible_pages) + 1


def test_interrupt_only_for_the_page_that_raised_it(questionnaire, dana):
    answers = {**dana, "si_thoughts": "yes", "si_method": "no", "si_intent": "yes", "si_plan": "no"}
    assert evaluate(questionnaire, answers, page_id="safety_thoughts").interrupt == (
        "safety_urgent",
    )
    assert evaluate(questionnaire, answers, page_id="phq9").interrupt == ()
    assert "safety_urgent" in evaluate(questionnaire, answers).interrupt
    ev = evaluate(questionnaire, answers)
    assert ev.outcome.id == "support_first" and ev.urgent


def test_no_interrupt_for_the_baseline(questionnaire, dana):
    for page in questionnaire.page_list:
        assert evaluate(questionnaire, dana, page_id=page.id).interrupt == ()


def test_interrupt_page_that_does_not_exist(questionnaire, dana):
    answers = {**dana, "si_thoughts": "yes", "si_intent": "yes"}
    assert evaluate(questionnaire, answers, page_id="nope").interrupt == ("safety_urgent",)


# -- examples ----------
@pytest.mark.parametrize("name", _example_names())
def test_example_gives_its_expected_result(questionnaire, name):
    [example] = [e for e in questionnaire.examples if e.name == name]
    expect = example.expect
    ev = evaluate(questionnaire, example.answers)
    assert {e.question_id for e in ev.errors} == set(expect.get("errors") or [])
    assert ev.outcome.id == expect["outcome"]
    fired = set(ev.flag_ids)
    assert set(expect.get("flags") or []) <= fired
    assert not set(expect.get("not_flags") or []) & fired
    for score_id, value in (expect.get("scores") or {}).items():
        assert ev.scores[score_id].value == value, score_id
    assert set(expect.get("visible") or []) <= set(ev.visible_questions)
    assert not set(expect.get("hidden") or []) & set(ev.visible_questions)
    if "interrupt" in expect:
        assert bool(ev.interrupt) == expect["interrupt"]


def test_every_outcome_is_reached_by_an_example(questionnaire):
    reached = {evaluate(questionnaire, e.answers).outcome.id for e in questionnaire.examples}
    assert reached == {o.id for o in questionnaire.outcomes}


# -- purity ----------
def test_evaluate_is_deterministic(questionnaire, personas):
    for example in questionnaire.examples:
        assert evaluate(questionnaire, example.answers) == evaluate(questionnaire, example.answers)


def test_evaluate_does_not_mutate_its_input(questionnaire, personas):
    for example in questionnaire.examples:
        before = copy.deepcopy(example.answers)
        evaluate(questionnaire, example.answers, page_id="safety")
        assert example.answers == before


def test_flag_order_follows_the_file(questionnaire, personas):
    order = [f.id for f in questionnaire.flags]
    ids = evaluate(questionnaire, personas["P03"].answers).flag_ids
    assert list(ids) == sorted(ids, key=order.index)


def test_reasons_are_most_serious_first(questionnaire, personas):
    levels = ("urgent", "review", "info")
    ev = evaluate(questionnaire, personas["P10"].answers)
    ranks = [levels.index(f.flag.level) for f in ev.reasons]
    assert ranks == sorted(ranks) and ev.reasons
    assert all(f.flag.client_text for f in ev.reasons)


def test_empty_answers(questionnaire):
    ev = evaluate(questionnaire, {})
    assert ev.errors == () and ev.flags == ()
    assert ev.outcome.id == "adults_only"  # no age: not at_least 18
    assert ev.visible_pages[0] == "age"


def test_scores_of_stored_answers_match_the_full_evaluation(questionnaire):
    """The queue scores a submission's stored answers without a full evaluation: the same
    values and bands, for every example and every score."""
    ids = tuple(score.id for score in questionnaire.scores)
    for example in questionnaire.examples:
        ev = evaluate(questionnaire, example.answers)
        quick = scores_of(questionnaire, ev.answers, ids)
        full = {k: (r.value, r.band, r.applies) for k, r in ev.scores.items()}
        assert {k: (r.value, r.band, r.applies) for k, r in quick.items()} == full, example.name
