"""No exit skips the support page: every page that can raise a safety level, every exit.

The pages come from questions.yaml: the questions that interrupt flags look at, and the
examples whose answers raise each of them. Nothing here names a page by hand.
"""

from __future__ import annotations

import pytest

from screener.questionnaire import evaluate, load_file
from tests.conftest import QUESTIONS
from tests.journey_helpers import (
    Journey,
    csrf_token,
    form_values,
    h1,
    page_at,
    resume_code,
    url,
)

Q = load_file(QUESTIONS).questionnaire


def interrupt_pages(q) -> set[str]:
    """Pages holding a question that an interrupt flag's condition looks at."""
    refs = {leaf.ref for flag in q.flags if flag.interrupt for leaf in flag.when.leaves()}
    return {q.questions[ref].page_id for ref in refs if ref in q.questions}


def interrupts(q, answers: dict) -> set[str]:
    return {f.flag.id for f in evaluate(q, answers).flags if f.flag.interrupt}


def up_to(q, answers: dict, page_id: str, including: bool) -> dict:
    """The answers given on the pages before `page_id` (and on it, when `including`)."""
    order = [page.id for page in q.page_list]
    last = order.index(page_id) + (1 if including else 0)
    return {k: v for k, v in answers.items() if order.index(q.questions[k].page_id) < last}


def quieted(q, page_id: str, answers: dict) -> dict:
    """The answers with this page's answers taken from an example that raises nothing."""
    quiet = next(ex for ex in q.examples if not interrupts(q, ex.answers))
    answers = dict(answers)
    for question in q.pages[page_id].questions:
        answers.pop(question.id, None)
        if question.id in quiet.answers:
            answers[question.id] = quiet.answers[question.id]
        elif question.options and any(o.value == "no" for o in question.options):
            answers[question.id] = "no"
    return answers


def raising_examples(q, on_change: bool) -> dict[str, object]:
    """page id → the first example whose answers on that page raise a new safety level.

    On the way: a level the pages before it did not raise. From check answers: a level
    the rest of the answers do not raise without this page's.
    """
    found: dict = {}
    for example in q.examples:
        for page in q.page_list:
            if page.id in found or not any(x.id in example.answers for x in page.questions):
                continue
            if on_change:
                new = interrupts(q, example.answers) - interrupts(
                    q, quieted(q, page.id, example.answers)
                )
            else:
                new = interrupts(q, up_to(q, example.answers, page.id, True)) - interrupts(
                    q, up_to(q, example.answers, page.id, False)
                )
            if new:
                found[page.id] = example
    return found


ON_THE_WAY = raising_examples(Q, on_change=False)
ON_CHANGE = raising_examples(Q, on_change=True)
EXITS = ["continue", "save", "change-continue", "change-save"]
CASES = [
    (page_id, exit_)
    for exit_ in EXITS
    for page_id in sorted(ON_CHANGE if exit_.startswith("change") else ON_THE_WAY)
]


def test_every_page_an_interrupt_flag_reads_has_examples_that_raise_it():
    assert interrupt_pages(Q) <= set(ON_THE_WAY), "add an example that raises a level there"
    assert interrupt_pages(Q) <= set(ON_CHANGE), "add an example that raises a level there"
    assert {"safety", "safety_now", "phq9", "reasons"} <= set(ON_THE_WAY)  # the file today


def reach_page(journey: Journey, page_id: str, answers: dict, change: bool):
    """Stand on the page ready to post: on the way there, or from check answers."""
    journey.start()
    if change:
        journey.answer_all(answers)
        assert journey.location.endswith("/check"), journey.location
        journey.client.get("/check")
        journey.location = url(journey.client, page_id, change=1)
        return
    journey.answer_all(answers, until=page_id)
    assert journey.where == page_id


@pytest.mark.parametrize(("page_id", "exit_"), CASES)
def test_no_exit_skips_the_support_page(client, questionnaire, page_id, exit_):
    change = exit_.startswith("change")
    example = (ON_CHANGE if change else ON_THE_WAY)[page_id]
    journey = Journey(client, questionnaire)
    before = quieted(questionnaire, page_id, example.answers) if change else example.answers
    reach_page(journey, page_id, before, change)
    shown_before = list(journey.support_after)

    html = client.get(journey.location).get_data(as_text=True)
    ids = [question.id for question in questionnaire.pages[page_id].questions]
    data = {"csrf_token": csrf_token(html), **form_values(ids, example.answers)}
    data["save" if exit_.endswith("save") else "continue"] = "1"
    response = client.post(url(client, page_id), data=data)

    assert response.status_code == 302
    assert page_at(client, response.headers["Location"]) == "support", (page_id, exit_)
    support = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="tel:988"' in support and h1(support)
    onwards = journey.post(response.headers["Location"]).headers["Location"]
    if exit_.endswith("save"):
        assert onwards.endswith("/save")
        saved = journey.post("/save").get_data(as_text=True)
        assert 'id="resume-code"' in saved
    elif change:
        assert page_at(client, onwards) in {"/check", *questionnaire.pages}
    else:
        assert page_at(client, onwards) in {"/check", *questionnaire.pages} - {page_id}
    # Acknowledged once: the same answers again go straight on.
    again = client.post(url(client, page_id), data=data)
    assert page_at(client, again.headers["Location"]) != "support"
    assert shown_before == journey.support_after


def test_resume_goes_through_a_support_page_never_acknowledged(app, client, questionnaire):
    example = ON_THE_WAY["safety"]
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(example.answers, until="safety")
    response = journey.answer_page(example.answers)
    assert page_at(client, response.headers["Location"]) == "support"
    # The client closes the tab on the support page; later they save and resume elsewhere.
    code = resume_code(journey.post("/save").get_data(as_text=True))
    other = app.test_client()
    page = other.get("/resume").get_data(as_text=True)
    response = other.post("/resume", data={"csrf_token": csrf_token(page), "code": code})
    assert page_at(other, response.headers["Location"]) == "support"
    onwards = other.post(
        response.headers["Location"],
        data={"csrf_token": csrf_token(other.get(response.headers["Location"]).text)},
    )
    assert page_at(other, onwards.headers["Location"]) == "safety"


def test_support_page_then_argument_only_knows_the_journeys_exits(client, questionnaire):
    example = ON_THE_WAY["safety"]
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(example.answers, until="safety")
    journey.answer_page(example.answers)
    onwards = journey.post(url(client, "support", then="https://evil.example/"))
    assert "evil" not in onwards.headers["Location"]


def test_see_my_result_goes_through_a_support_page_never_acknowledged(client, questionnaire):
    # safety_now: a change there opens no follow-up page that check answers would ask first
    example = ON_CHANGE["safety_now"]
    journey = Journey(client, questionnaire)
    reach_page(
        journey, "safety_now", quieted(questionnaire, "safety_now", example.answers), change=True
    )
    html = client.get(journey.location).get_data(as_text=True)
    ids = [question.id for question in questionnaire.pages["safety_now"].questions]
    data = {"csrf_token": csrf_token(html), **form_values(ids, example.answers)}
    response = client.post(url(client, "safety_now"), data=data)
    assert page_at(client, response.headers["Location"]) == "support"
    client.get("/check")  # the client leaves the support page by hand
    response = journey.post("/check")
    assert page_at(client, response.headers["Location"]) == "support"
    assert journey.post(response.headers["Location"]).headers["Location"].endswith("/result")
