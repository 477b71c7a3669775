"""Step N of M: M counts the pages that apply, and pages an unanswered question may open."""

from screener.questionnaire import evaluate, expected_pages


def test_before_age_is_answered_every_page_that_may_apply_is_counted(questionnaire):
    pages = expected_pages(questionnaire, {})
    assert pages[0] == "age" and "phq9" in pages and "pcptsd5" in pages


def test_an_under_18_sees_only_age_and_safety(questionnaire):
    pages = expected_pages(questionnaire, {"age": 17})
    assert pages == ("age", "safety", "safety_thoughts", "safety_past", "safety_now")
    pages = expected_pages(
        questionnaire, {"age": 17, "si_wish_dead": "no", "si_thoughts": "no", "sb_ever": "no"}
    )
    assert pages == ("age", "safety")


def test_a_no_to_trauma_removes_the_follow_up_page(questionnaire):
    assert "pcptsd5" in expected_pages(questionnaire, {"age": 40})
    assert "pcptsd5" not in expected_pages(questionnaire, {"age": 40, "trauma_exposure": "no"})


def test_progress_counts_from_one(questionnaire, personas):
    evaluation = evaluate(questionnaire, personas["P01"].answers)
    assert evaluation.progress("age") == (1, 24)
    assert evaluation.progress("cost") == (24, 24)
