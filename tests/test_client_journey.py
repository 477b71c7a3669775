"""The client journey through the Flask test client, asserting what a person reads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from screener.store import Draft, Submission
from screener.web.forms import page_form_class
from tests.journey_helpers import Journey, csrf_token, h1, page_at, resume_code, url


@pytest.fixture
def journey(client, questionnaire):
    return Journey(client, questionnaire)


def stored_answers(app, draft_id=None):
    svc = app.extensions["screener"]
    with svc.sessionmaker() as session:
        draft = session.get(Draft, draft_id) if draft_id else session.scalars(select(Draft)).one()
        return svc.vault.record(draft.key_enc).open(draft.state_enc)["answers"]


def count(app, model) -> int:
    with app.extensions["screener"].sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


# -- landing and start ---------------------------------------------------------------------
def test_landing_page_says_what_this_is_and_where_to_get_help(client):
    html = client.get("/").get_data(as_text=True)
    assert "not a diagnosis" in html.lower()
    assert "minutes" in html
    assert "Your privacy" in html
    assert 'href="tel:988"' in html and "741741" in html
    assert "Start now" in html


def test_start_keeps_only_the_draft_id_in_the_session_cookie(app, client, journey, personas):
    journey.start()
    journey.answer_page(personas["P01"].answers)  # age
    cookie = client.get_cookie("session").value
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    # "seen": when the browser last asked for a page (the idle limit), a whole number
    assert set(data) <= {"draft", "seen", "_permanent", "csrf_token", "_flashes", "_fresh", "_id"}
    assert "42" not in str(data.get("draft"))
    assert stored_answers(app) == {"age": 42}


# -- whole journeys --------------------------------------------------------------------
def test_p01_baseline_gets_a_consultation_recommended(journey, personas):
    result = journey.run(personas["P01"].answers)
    html = result.get_data(as_text=True)
    assert h1(html) == "A consultation looks like a good next step"
    assert journey.support_after == []
    # the follow-up pages (trauma, safety, mood, "right now") may apply
    assert journey.steps[0] == "Step 1 of 29"
    assert journey.steps[-1] == "Step 24 of 24"
    totals = [int(step.split()[-1]) for step in journey.steps]
    assert totals == sorted(totals, reverse=True)  # the total never jumps up
    assert "Because you told us" in html
    assert "Screening scores, not a diagnosis" in html
    assert "treatment-resistant" not in html.lower() and "eligible" not in html.lower()


def test_p07_passive_ideation_interrupts_once_and_keeps_the_outcome(journey, personas):
    result = journey.run(personas["P07"].answers)
    assert journey.support_after == ["phq9"]  # raised by item 9; not repeated on the safety page
    html = result.get_data(as_text=True)
    assert h1(html) == "A consultation looks like a good next step"
    assert "988" in html  # the crisis block on the result page


def test_p08_intent_shows_support_after_the_safety_page_and_support_first(
    journey, client, personas
):
    journey.start()
    journey.answer_all(personas["P08"].answers)
    # support at each new level: after the safety page, then after its follow-ups
    assert journey.support_after[-2:] == ["safety", "safety_thoughts"]
    result = journey.finish().get_data(as_text=True)
    assert h1(result) == "Please reach out for immediate support first"
    assert result.index("Please reach out now") < result.index("<h1>")  # crisis help leads


def test_support_page_offers_one_tap_crisis_contacts(journey, client, personas):
    answers = dict(personas["P08"].answers)
    journey.start()
    journey.answer_all(answers, until="safety_thoughts")
    journey.answer_page(answers)
    assert journey.where == "support"
    html = client.get(journey.location).get_data(as_text=True)
    assert h1(html) == "Please reach out for support now"
    assert 'href="tel:988"' in html and 'href="sms:988"' in html and 'href="tel:911"' in html
    assert "Continue the questionnaire" in html


def test_p09_never_treated_is_invited_to_explore_options(journey, personas):
    html = journey.run(personas["P09"].answers).get_data(as_text=True)
    assert h1(html) == "A consultation can help you explore your options"


def test_p05_medical_questions(journey, personas):
    html = journey.run(personas["P05"].answers).get_data(as_text=True)
    assert "please bring these medical questions" in h1(html)
    assert "blood pressure" in html.lower()


def test_p12_under_18_is_asked_only_age_and_safety(app, journey, client, personas):
    result = journey.run(personas["P12"].answers)
    assert journey.pages == ["age", "safety", "safety_now"]
    assert journey.support_after == ["safety"]
    assert set(stored_answers(app)) == {"age", "si_wish_dead", "si_thoughts", "sb_ever", "si_now"}
    html = result.get_data(as_text=True)
    assert h1(html) == "KAP at our practice is for adults 18 and over"
    check = client.get("/check").get_data(as_text=True)
    assert "How you have been feeling" not in check


# -- validation ---------------------------------------------------------------------------
def test_empty_required_page_shows_error_summary_linked_to_the_field(journey, client):
    journey.start()
    html = client.get(url(client, "age")).get_data(as_text=True)
    response = client.post(url(client, "age"), data={"csrf_token": csrf_token(html)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: " in page
    assert 'role="alert"' in page and "There is a problem" in page
    assert 'href="#age"' in page and 'id="age-error"' in page
    assert 'aria-describedby="age-hint age-error"' in page or 'aria-describedby="age-error"' in page


def test_out_of_range_number_is_explained_and_the_typed_value_kept(journey, client):
    journey.start()
    html = client.get(url(client, "age")).get_data(as_text=True)
    page = client.post(
        url(client, "age"), data={"csrf_token": csrf_token(html), "age": "5"}
    ).get_data(as_text=True)
    assert "Enter a number between 10 and 120" in page
    assert 'value="5"' in page


def test_cross_field_limit_is_a_validation_error_that_keeps_the_answers(journey, client, personas):
    answers = dict(personas["P01"].answers, med_trials_adequate=1, med_trials_not_helped=3)
    journey.start()
    journey.answer_all(answers, until="medicines_tried")
    html = client.get(url(client, "medicines_tried")).get_data(as_text=True)
    page = client.post(
        url(client, "medicines_tried"),
        data={
            "csrf_token": csrf_token(html),
            "med_any_ever": "yes",
            "med_trials_adequate": "1",
            "med_trials_not_helped": "3",
            "med_current": "yes",
            "augmentation_tried": "no",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert 'href="#med_trials_not_helped"' in text
    assert "be more than the number you took" in text
    assert 'value="3"' in text and 'value="1"' in text


# -- navigation ---------------------------------------------------------------------------
def test_back_link_keeps_answers(journey, client, personas):
    journey.start()
    journey.answer_page(personas["P01"].answers)  # age
    html = client.get(url(client, "location")).get_data(as_text=True)
    assert f'href="{url(client, "age")}"' in html
    age_page = client.get(url(client, "age")).get_data(as_text=True)
    assert 'value="42"' in age_page


def test_hidden_branch_answers_are_discarded(app, journey, client, personas):
    answers = dict(personas["P01"].answers)
    journey.run(answers)
    assert stored_answers(app)["bp_systolic"] == 118
    html = client.get(url(client, "blood_pressure", change=1)).get_data(as_text=True)
    response = client.post(
        url(client, "blood_pressure"),
        data={
            "csrf_token": csrf_token(html),
            "bp_told_high": "no",
            "bp_reading_known": "no",
            "bp_systolic": "190",
            "bp_diastolic": "120",
        },
    )
    assert response.headers["Location"].endswith("/check")
    stored = stored_answers(app)
    assert "bp_systolic" not in stored and "bp_diastolic" not in stored
    assert "Markedly" not in client.get("/result").get_data(as_text=True)


def test_change_link_returns_to_check_answers(journey, client, personas):
    journey.run(personas["P01"].answers)
    check = client.get("/check").get_data(as_text=True)
    assert f'href="{url(client, "location", change=1)}#in_colorado-question"' in check
    html = client.get(url(client, "location", change=1)).get_data(as_text=True)
    response = client.post(
        url(client, "location"), data={"csrf_token": csrf_token(html), "in_colorado": "not_sure"}
    )
    assert response.headers["Location"].endswith("/check")


def test_a_change_that_makes_new_questions_relevant_asks_them_on_the_way(journey, client, personas):
    journey.run(personas["P01"].answers)
    client.get("/check")
    html = client.get(url(client, "trauma", change=1)).get_data(as_text=True)
    response = client.post(
        url(client, "trauma"), data={"csrf_token": csrf_token(html), "trauma_exposure": "yes"}
    )
    assert page_at(client, response.headers["Location"]) == "pcptsd5"
    journey.location = response.headers["Location"]
    journey.answer_page({f"pcptsd5_{i}": "no" for i in range(1, 6)})
    assert journey.location.endswith("/check")


# -- save, resume, delete ------------------------------------------------------------------
def test_save_and_resume_in_another_browser(app, journey, client, personas, questionnaire):
    journey.start()
    journey.answer_all(personas["P01"].answers, until="phq9")
    html = client.get(url(client, "phq9")).get_data(as_text=True)
    response = client.post(
        url(client, "phq9"), data={"csrf_token": csrf_token(html), "phq9_1": "2", "save": "1"}
    )
    assert response.headers["Location"].endswith("/save")  # partial page saved, no errors
    saved = journey.post("/save").get_data(as_text=True)
    code = resume_code(saved)
    assert len(code) == 19 and code.count("-") == 3
    with app.extensions["screener"].sessionmaker() as session:
        draft = session.scalars(select(Draft)).one()
        assert draft.resume_hash and code.replace("-", "") not in draft.resume_hash
    other = app.test_client()
    page = other.get("/resume").get_data(as_text=True)
    response = other.post(
        "/resume", data={"csrf_token": csrf_token(page), "code": code.lower().replace("-", " ")}
    )
    assert page_at(other, response.headers["Location"]) == "phq9"
    page = other.get(url(other, "phq9")).get_data(as_text=True)
    assert "Step 4 of 29" in page
    assert 'name="phq9_1" type="radio" value="2" checked' in page


def test_wrong_resume_code_gets_a_clear_message(client):
    page = client.get("/resume").get_data(as_text=True)
    response = client.post(
        "/resume", data={"csrf_token": csrf_token(page), "code": "AAAA-BBBB-CCCC-DDDD"}
    )
    assert response.status_code == 400
    assert "That code does not match" in response.get_data(as_text=True)


def test_expired_draft_cannot_be_resumed(app, journey, personas):
    journey.start()
    journey.answer_page(personas["P01"].answers)
    code = resume_code(journey.post("/save").get_data(as_text=True))
    with app.extensions["screener"].sessionmaker.begin() as session:
        draft = session.scalars(select(Draft)).one()
        draft.updated_at = draft.updated_at - dt.timedelta(days=31)
    other = app.test_client()
    page = other.get("/resume").get_data(as_text=True)
    response = other.post("/resume", data={"csrf_token": csrf_token(page), "code": code})
    assert response.status_code == 400


def test_delete_my_answers_really_deletes(app, journey, client, personas):
    journey.run(personas["P01"].answers)
    journey.send()
    assert count(app, Submission) == 1
    response = journey.post("/delete")
    assert "Your answers have been deleted" in response.get_data(as_text=True)
    assert count(app, Draft) == 0 and count(app, Submission) == 0


# -- send -------------------------------------------------------------------------------
def test_send_freezes_one_submission_even_when_sent_twice(app, journey, client, personas):
    journey.run(personas["P08"].answers)
    first = journey.send()
    second = journey.send()
    assert first.headers["Location"].endswith("/sent")
    assert second.headers["Location"].endswith("/sent")
    assert count(app, Submission) == 1
    html = client.get("/sent").get_data(as_text=True)
    assert "Your reference is" in html and "KAP-" in html
    with app.extensions["screener"].sessionmaker() as session:
        submission = session.scalars(select(Submission)).one()
    assert submission.outcome_id == "support_first" and submission.urgency == 3


def test_send_validates_contact_details(journey, client, personas):
    journey.run(personas["P01"].answers)
    response = journey.post("/send", {"name": "", "method": "email", "email": "not-an-email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter your name" in html and "right format" in html and "Tick the box" in html


# -- robustness ----------------------------------------------------------------------------
def test_unknown_fields_and_values_outside_the_options_are_handled(app, journey, client, personas):
    journey.start()
    journey.answer_page(personas["P01"].answers)
    html = client.get(url(client, "location")).get_data(as_text=True)
    response = client.post(
        url(client, "location"),
        data={"csrf_token": csrf_token(html), "in_colorado": "maybe-hacked", "is_admin": "1"},
    )
    assert response.status_code == 400
    assert "Select one of the answers shown" in response.get_data(as_text=True)
    assert stored_answers(app) == {"age": 42}


def test_a_page_that_does_not_apply_is_skipped_not_an_error(journey, client, personas):
    journey.start()
    journey.answer_page(personas["P12"].answers)  # age 17
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(url(client, "phq9"), data={"csrf_token": token, "phq9_1": "3"})
    assert response.status_code == 302
    assert page_at(client, response.headers["Location"]) != "phq9"


def test_unknown_page_is_a_friendly_404(journey, client):
    journey.start()
    response = client.get(url(client, "nope"))
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_missing_csrf_token_loses_nothing(app, journey, client, personas):
    journey.start()
    journey.answer_page(personas["P01"].answers)
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(url(client, "location"), data={"in_colorado": "no"})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    assert stored_answers(app) == {"age": 42}


def test_expired_session_points_to_resume(client):
    response = client.post(url(client, "age"), data={"age": "40"})  # no session, so no CSRF token
    assert response.status_code == 400
    assert 'href="/resume"' in response.get_data(as_text=True)
    response = client.get(url(client, "age"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/resume")
    assert "could not find your answers" in client.get("/resume").get_data(as_text=True)


def test_pages_showing_answers_are_never_cached(journey, client, personas):
    journey.run(personas["P01"].answers)
    for path in (url(client, "age"), "/check", "/result"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_conditional_reveal_is_in_the_html_with_a_no_js_hint(journey, client, personas):
    journey.start()
    journey.answer_all(personas["P01"].answers, until="blood_pressure")
    html = client.get(url(client, "blood_pressure")).get_data(as_text=True)
    assert 'data-reveal-parent="bp_told_high"' in html
    assert "Only answer this if you chose \u201cYes\u201d above." in html
    assert 'name="bp_treated"' in html


def test_page_form_classes_are_built_once(questionnaire):
    assert page_form_class(questionnaire, "phq9") is page_form_class(questionnaire, "phq9")


def test_page_addresses_never_name_the_page(journey, client, personas):
    """No path says which pages a client saw: not the safety follow-ups, not support."""
    journey.start()
    journey.answer_all(personas["P08"].answers)
    seen = journey.pages + journey.support_after
    assert "safety" in seen and journey.support_after
    # every address on the way was an opaque token of 16 characters
    for location in [journey.location, url(client, "safety"), url(client, "support")]:
        path = location.split("?")[0]
        assert not any(page in path for page in questionnaire_ids(client)), path
    assert len(url(client, "safety").rsplit("/", 1)[1]) == 16
    # and a readable address does not work
    assert client.get("/q/safety").status_code == 404


def test_page_addresses_differ_between_drafts(app, questionnaire):
    one, two = app.test_client(), app.test_client()
    for each in (one, two):
        Journey(each, questionnaire).start()
    assert url(one, "age") != url(two, "age")
    # a token of one draft is not a page of another
    assert two.get(url(one, "age")).status_code == 404


def questionnaire_ids(client) -> list[str]:
    return list(client.application.extensions["screener"].questionnaire.pages) + ["support"]
