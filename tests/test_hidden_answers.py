"""Changing an answer never silently erases others.

On check answers, age 42 → 17 hides most of the questionnaire. The answers to what it hides
stay in the encrypted draft, unused (never shown, counted, printed or sent), come back
when age goes back to 42, and are dropped for good when the answers are sent.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from screener.questionnaire import evaluate
from screener.store import Draft, Submission, drafts
from tests.journey_helpers import Journey, csrf_token, url
from tests.staff_helpers import text


@pytest.fixture
def dana(app, client, questionnaire, personas):
    """P01 Dana, 42, on check answers with every page answered."""
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers)
    assert journey.location.endswith("/check")
    client.get("/check")
    return journey


def draft_answers(app) -> dict:
    svc = app.extensions["screener"]
    with svc.sessionmaker() as session:
        draft = session.scalars(select(Draft)).one()
        return drafts.read_state(svc.vault, draft).answers


def change_age(client, age: int):
    """Change age from check answers, as the client does; returns the page they land on."""
    html = client.get(url(client, "age", change=1)).get_data(as_text=True)
    response = client.post(url(client, "age"), data={"csrf_token": csrf_token(html), "age": age})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_age_42_to_17_and_back_restores_every_answer(app, client, dana, questionnaire):
    before = draft_answers(app)
    assert len(before) > 60

    change_age(client, 17)
    change_age(client, 42)

    assert draft_answers(app) == before
    check = text(client.get("/check").get_data(as_text=True))
    assert "How you have been feeling" in check and "Treatment you have tried" in check


def test_answers_a_change_hides_are_kept_but_never_shown(app, client, dana, questionnaire):
    before = draft_answers(app)

    change_age(client, 17)

    kept = draft_answers(app)
    assert kept == before | {"age": 17}  # still in the (encrypted) draft
    evaluation = evaluate(questionnaire, kept)
    hidden = set(kept) - set(evaluation.answers)
    assert {"phq9_1", "med_any_ever", "bp_told_high"} <= hidden
    check = text(client.get("/check").get_data(as_text=True))
    for qid in hidden:
        assert questionnaire.questions[qid].label not in check
    assert "How you have been feeling" not in check


def test_the_next_page_says_which_answers_will_not_be_used_and_when_they_come_back(
    app, client, dana
):
    page = text(change_age(client, 17))

    assert "Because you changed your answers on \u201cYour age\u201d, we will not use your" in (
        page
    )
    assert "\u201cHow you have been feeling\u201d" in page
    assert "\u201cTreatment you have tried\u201d" in page
    assert "42" not in page.split("Because you changed", 1)[1].split(".", 1)[0]

    page = text(change_age(client, 42))

    assert "your earlier answers about" in page and "apply again" in page
    assert "we will not use your answers" not in page


def test_hidden_answers_are_never_printed_nor_sent_and_sending_drops_them(
    app, client, dana, questionnaire, personas
):
    change_age(client, 17)
    hidden = set(draft_answers(app)) - set(evaluate(questionnaire, draft_answers(app)).answers)
    pdf = client.get("/summary.pdf")
    assert pdf.status_code == 200
    printed = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    printed = " ".join(printed.split())
    for qid in hidden:
        label = questionnaire.questions[qid].label
        assert " ".join(label.split())[:40] not in printed, qid

    assert dana.finish().status_code == 200
    assert dana.send().status_code == 302

    svc = app.extensions["screener"]
    with svc.sessionmaker() as session:
        sub = session.scalars(select(Submission)).one()
        sent = svc.vault.record(sub.key_enc).open(sub.answers_enc)
    assert not hidden & set(sent)
    assert set(sent) == set(evaluate(questionnaire, sent).answers)
    assert draft_answers(app) == sent  # set-aside answers are gone for good


def test_an_answer_set_with_hidden_answers_gets_the_same_evaluation(questionnaire, personas):
    """A JavaScript-off post or an old branch: evaluate() prunes what is hidden, as before."""
    full = dict(personas["P01"].answers) | {"age": 17}
    pruned = evaluate(questionnaire, full).answers

    with_hidden, without = evaluate(questionnaire, full), evaluate(questionnaire, pruned)

    assert set(full) - set(pruned)  # there was something to prune
    assert with_hidden.answers == without.answers
    assert with_hidden.outcome == without.outcome
    assert with_hidden.flag_ids == without.flag_ids
    assert with_hidden.scores == without.scores
    assert with_hidden.visible_pages == without.visible_pages
