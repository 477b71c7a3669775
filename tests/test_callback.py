"""'Ask the practice to call me' (issue 13, item 3): one urgent submission per draft, made
at once with the answers so far, and the same one Send completes later."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from screener.store import Submission
from tests.journey_helpers import Journey, csrf_token, h1, page_at

PHONE = "(303) 555 0199"


def submissions(app) -> list:
    with app.extensions["screener"].sessionmaker() as session:
        return list(session.scalars(select(Submission)))


def opened(app, sub, blob) -> dict:
    return app.extensions["screener"].vault.record(sub.key_enc).open(blob)


def on_support_after_safety(client, questionnaire, answers) -> Journey:
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(answers, until="safety_thoughts")  # the follow-ups raise the level
    journey.answer_page(answers)
    assert journey.where == "support"
    return journey


def call_me(journey, url, **fields):
    page = journey.client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **fields}
    return journey.client.post(url, data=data)


def link_to_call_me(html: str) -> str:
    return html.split('href="/call-me', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_support_page_offers_the_call_back_and_it_makes_one_urgent_submission(
    app, client, questionnaire, personas
):
    answers = personas["P08"].answers
    journey = on_support_after_safety(client, questionnaire, answers)
    support = client.get(journey.location).get_data(as_text=True)
    assert "Ask the practice to call me" in support
    url = "/call-me" + link_to_call_me(support)
    response = call_me(journey, url, phone=PHONE, consent="y")
    assert response.status_code == 302 and "/call-me/requested" in response.headers["Location"]
    assert PHONE.replace(" ", "") not in response.headers["Location"].replace("%20", "")
    [submission] = submissions(app)
    assert submission.callback_requested and not submission.sent
    assert submission.urgency == 3  # support first
    assert "safety_urgent" in submission.flags
    stored = opened(app, submission, submission.answers_enc)
    assert stored["si_intent"] == "yes" and "med_any_ever" not in stored  # answers so far
    assert opened(app, submission, submission.contact_enc)["callback"] == {
        "first_name": "",
        "phone": PHONE,
        "time": "",
        "voicemail": "",
    }
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert h1(done) == "The practice will call you" and submission.reference in done
    assert 'href="tel:988"' in done
    onwards = done.split('<a class="button" href="', 1)[1].split('"', 1)[0]
    assert page_at(client, onwards) not in ("support", "safety")  # carries on


def test_call_back_form_errors_follow_the_error_summary_pattern_and_keep_input(
    app, client, questionnaire, personas
):
    journey = on_support_after_safety(client, questionnaire, personas["P08"].answers)
    response = call_me(journey, "/call-me", first_name="Alex", time="after 6pm", phone="abc")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert 'href="#phone"' in html and 'href="#consent"' in html
    assert 'value="Alex"' in html and 'value="after 6pm"' in html
    assert submissions(app) == []


def test_send_after_a_call_back_completes_the_same_submission(app, client, questionnaire, personas):
    answers = personas["P08"].answers
    journey = on_support_after_safety(client, questionnaire, answers)
    call_me(journey, "/call-me", first_name="Alex", phone=PHONE, voicemail="no", consent="y")
    [first] = submissions(app)
    journey.location = journey.post(journey.location).headers["Location"]  # support: continue
    journey.answer_all(answers)  # the answers are not frozen by a call-back request
    journey.finish()
    sent = journey.send(name="Alex Doe")
    assert sent.headers["Location"].endswith("/sent")
    [submission] = submissions(app)
    assert submission.id == first.id and submission.reference == first.reference
    assert submission.sent and submission.callback_requested and submission.urgency == 3
    contact = opened(app, submission, submission.contact_enc)
    assert contact["name"] == "Alex Doe" and contact["callback"]["voicemail"] == "no"
    assert (
        opened(app, submission, submission.answers_enc)["med_any_ever"] == answers["med_any_ever"]
    )


def test_call_back_after_send_adds_to_the_sent_submission_only(
    app, client, questionnaire, personas
):
    journey = Journey(client, questionnaire)
    result = journey.run(personas["P07"].answers).get_data(as_text=True)
    assert "Ask the practice to call me" in result  # a safety-flagged result
    journey.send()
    [sent] = submissions(app)
    answers_before = opened(app, sent, sent.answers_enc)
    response = call_me(journey, "/call-me?then=result", phone=PHONE, consent="y")
    assert response.status_code == 302
    [submission] = submissions(app)
    assert submission.id == sent.id and submission.callback_requested
    assert opened(app, submission, submission.answers_enc) == answers_before
    assert submission.urgency >= 2
    assert opened(app, submission, submission.contact_enc)["name"] == "Test Client"
    result = client.get("/result").get_data(as_text=True)
    assert "You asked the practice to call you" in result


def test_result_without_a_safety_flag_does_not_offer_a_call_back(client, questionnaire, personas):
    html = Journey(client, questionnaire).run(personas["P01"].answers).get_data(as_text=True)
    assert "Ask the practice to call me" not in html


def test_asking_twice_keeps_one_submission(app, client, questionnaire, personas):
    journey = on_support_after_safety(client, questionnaire, personas["P08"].answers)
    call_me(journey, "/call-me", phone=PHONE, consent="y")
    call_me(journey, "/call-me", phone="(303) 555 0100", time="mornings", consent="y")
    [submission] = submissions(app)
    assert opened(app, submission, submission.contact_enc)["callback"]["phone"] == "(303) 555 0100"


@pytest.mark.postgres
def test_parallel_call_back_and_send_make_one_submission_on_postgres(
    pg_url, tmp_path, questionnaire, personas
):
    from tests.conftest_db import make_app

    app = make_app(tmp_path, pg_url)
    try:
        rounds, made = 5, []
        for _ in range(rounds):
            client = app.test_client()
            journey = Journey(client, questionnaire)
            journey.run(personas["P08"].answers)
            before = len(submissions(app))  # the database is shared with other tests
            token = csrf_token(client.get("/call-me").get_data(as_text=True))
            barrier = threading.Barrier(3)
            errors = []

            def post(path, data, client=client, barrier=barrier, errors=errors, token=token):
                try:
                    barrier.wait()
                    response = client.post(path, data={"csrf_token": token, **data})
                    assert response.status_code == 302, response.status_code
                except Exception as exc:  # collected and asserted below
                    errors.append(repr(exc))

            threads = [
                threading.Thread(target=post, args=("/call-me", {"phone": PHONE, "consent": "y"})),
                threading.Thread(target=post, args=("/call-me", {"phone": PHONE, "consent": "y"})),
                threading.Thread(
                    target=post,
                    args=(
                        "/send",
                        {"name": "A", "method": "email", "email": "a@example.com", "consent": "y"},
                    ),
                ),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            made.append(len(submissions(app)) - before)
        assert made == [1] * rounds
    finally:
        app.extensions["screener"].engine.dispose()


def notifications(app) -> list:
    from screener.store.models import Notification

    with app.extensions["screener"].sessionmaker() as session:
        return [(n.kind, n.level) for n in session.scalars(select(Notification))]


def test_call_back_tells_the_practice_at_once_and_send_adds_no_second_alert(
    app, client, questionnaire, personas
):
    answers = personas["P08"].answers
    journey = on_support_after_safety(client, questionnaire, answers)
    call_me(journey, "/call-me", phone=PHONE, consent="y")
    first = notifications(app)
    assert first and {kind for kind, _ in first} <= {"urgent", "escalation"}
    assert {level for _, level in first} == {"Call-back requested"}
    journey.location = journey.post(journey.location).headers["Location"]
    journey.answer_all(answers)
    journey.finish()
    journey.send()
    assert notifications(app) == first  # the same submission: told once


def test_call_back_after_a_routine_send_is_notified_as_urgent(app, client, questionnaire, personas):
    journey = Journey(client, questionnaire)
    journey.run(personas["P10"].answers)  # a past attempt only: crisis lines, not urgent
    journey.send()
    [sub] = submissions(app)
    assert sub.urgency < 2
    assert {kind for kind, _ in notifications(app)} == {"routine"}
    call_me(journey, "/call-me?then=result", phone=PHONE, consent="y")
    [sub] = submissions(app)
    assert sub.urgency == 2 and sub.callback_requested
    assert ("urgent", "Call-back requested") in notifications(app)


def test_staff_see_the_call_back_request_in_the_queue_and_on_its_page(
    app, client, questionnaire, personas
):
    from tests.staff_helpers import login, make_therapist, text

    journey = on_support_after_safety(client, questionnaire, personas["P08"].answers)
    call_me(journey, "/call-me", first_name="Alex", phone=PHONE, voicemail="no", consent="y")
    [sub] = submissions(app)
    staff = app.test_client()
    make_therapist(app)
    login(staff)
    queue = text(staff.get("/staff/").get_data(as_text=True))
    assert sub.reference in queue and "Call-back requested" in queue
    assert "Answers so far, not yet sent" in queue
    page = text(staff.get(f"/staff/s/{sub.reference}").get_data(as_text=True))
    assert "Call-back requested" in page and PHONE in page and "Alex" in page
    assert "Do not leave a voicemail" in page
