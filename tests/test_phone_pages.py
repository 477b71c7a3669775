"""What a client reads on the question pages (issue 15): short errors, option hints,
"(optional)", the character count, the exit button, check answers by section, a second
save, and the idle limit on a shared device."""

from __future__ import annotations

import re
import time

from screener.web.forms import required_message
from tests.journey_helpers import Journey, csrf_token, resume_code, url


def journey_to(client, questionnaire, answers, page_id) -> Journey:
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(answers, until=page_id)
    assert journey.where == page_id
    return journey


def post_empty(client, page_id) -> str:
    html = client.get(url(client, page_id)).get_data(as_text=True)
    response = client.post(url(client, page_id), data={"csrf_token": csrf_token(html)})
    assert response.status_code == 400
    return response.get_data(as_text=True)


def error_texts(html: str) -> list[str]:
    return re.findall(
        r'class="error-message"><span class="visually-hidden">Error:</span> ([^<]*)<', html
    )


def test_safety_errors_are_short_and_never_repeat_the_question(client, questionnaire, personas):
    journey_to(client, questionnaire, personas["P01"].answers, "safety")
    html = post_empty(client, "safety")
    errors = error_texts(html)
    assert errors == [
        "Select yes or no for wishing you were not alive",
        "Select yes or no for thoughts of ending your life",
        "Select yes or no for anything done to end your life",
    ]
    for question in questionnaire.pages["safety"].questions:
        assert html.count(question.label) == 1  # its legend only, not the errors


def test_phq9_errors_use_the_short_labels(client, questionnaire, personas):
    journey_to(client, questionnaire, personas["P01"].answers, "phq9")
    errors = error_texts(post_empty(client, "phq9"))
    assert errors[0] == "Select an answer for little interest or pleasure"
    assert all(len(e) <= 80 for e in errors), errors


def test_an_error_from_questions_yaml_wins_and_long_labels_are_never_repeated(questionnaire):
    from dataclasses import replace

    question = questionnaire.questions["in_colorado"]
    custom = replace(question, error="Select whether you will be in Colorado")
    assert required_message(custom) == "Select whether you will be in Colorado"
    long = replace(question, short="", label="x" * 80 + "?")
    assert required_message(long) == "Select an answer for this question"


def test_exclusive_error_names_only_the_options_the_question_has(client, questionnaire, personas):
    journey_to(client, questionnaire, personas["P01"].answers, "current_medicines")
    html = client.get(url(client, "current_medicines")).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "med_classes": ["stimulant", "none"]}
    response = client.post(url(client, "current_medicines"), data=data)
    [error] = error_texts(response.get_data(as_text=True))
    assert error == (
        "\u201cNone of these\u201d or \u201cNot sure\u201d cannot be ticked with other "
        "answers; untick one of them"
    )
    question = questionnaire.questions["heart_conditions"]
    from screener.web.forms import exclusive_message

    assert exclusive_message(question) == (
        "\u201cNone of these\u201d cannot be ticked with other answers; untick one of them"
    )


def test_option_hints_optional_and_the_character_count(client, questionnaire, personas):
    journey_to(client, questionnaire, personas["P01"].answers, "current_medicines")
    html = client.get(url(client, "current_medicines")).get_data(as_text=True)
    # each class says which medicines it means, tied to its checkbox
    assert "Adderall" in html and "clonazepam" in html
    stimulant = re.search(r'<input [^>]*value="stimulant"[^>]*>', html).group(0)
    hint_id = re.search(r'aria-describedby="([^"]+)"', stimulant).group(1)
    assert f'id="{hint_id}" class="hint choice-hint">For example amphetamine' in html
    # med_list is optional, with a length limit: said, and counted (a hint without JS)
    assert '<span class="optional">(optional)</span>' in html
    assert "You can enter up to 2000 characters" in html
    assert "data-exclusive" in html


def test_every_client_page_has_exit_this_page_as_a_plain_link(client, questionnaire, personas):
    for path in ("/", "/privacy", "/resume", "/help-now"):
        html = client.get(path).get_data(as_text=True)
        assert re.search(
            r'<a href="https://www.weather.gov/" class="[^"]*exit-this-page-button"', html
        ), path
    journey_to(client, questionnaire, personas["P01"].answers, "safety")
    assert "Exit this page" in client.get(url(client, "safety")).get_data(as_text=True)


def test_check_answers_is_grouped_by_section_with_change_links(client, questionnaire, personas):
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers)
    html = client.get("/check").get_data(as_text=True)
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings[:3] == ["About you", "What brings you here", "How you have been feeling"]
    assert html.count('class="summary-list"') == len(headings)
    assert "?change=1#age-question" in html  # the label in view, not the first radio
    assert 'id="age-question"' in client.get(url(client, "age", change=1)).get_data(as_text=True)


def test_saving_twice_says_the_earlier_code_stops_working(app, client, questionnaire, personas):
    journey = journey_to(client, questionnaire, personas["P01"].answers, "phq9")
    first = journey.post("/save").get_data(as_text=True)
    assert "replaces the one you were given before" not in first
    again = client.get("/save").get_data(as_text=True)
    assert "You already have a resume code" in again
    second = journey.post("/save").get_data(as_text=True)
    assert "This code replaces the one you were given before" in second
    # the earlier code gets a message of its own, in another browser
    other = app.test_client()
    page = other.get("/resume").get_data(as_text=True)
    old = other.post("/resume", data={"csrf_token": csrf_token(page), "code": resume_code(first)})
    assert old.status_code == 400
    assert "That code was replaced when these answers were saved again" in old.text
    new = other.post("/resume", data={"csrf_token": csrf_token(page), "code": resume_code(second)})
    assert new.status_code == 302


def test_a_client_idle_for_30_minutes_is_sent_to_the_resume_page(
    app, client, questionnaire, personas
):
    journey_to(client, questionnaire, personas["P01"].answers, "phq9")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - 31 * 60
    response = client.get(url(client, "phq9"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/resume")
    html = client.get("/resume").get_data(as_text=True)
    assert "closed your answers on this device" in html
    with client.session_transaction() as session:
        assert "draft" not in session


def test_after_send_check_answers_offers_no_change(app, client, questionnaire, personas):
    from tests.security_helpers import send_persona

    contact = {"name": "Dana Example", "email": "dana@example.com"}
    send_persona(client, questionnaire, personas["P01"], contact)
    html = client.get("/check").get_data(as_text=True)
    assert "Change<span" not in html
    assert "can no longer be changed here" in html


def test_landing_says_what_kap_is_starts_early_and_estimates_honestly(client, questionnaire):
    from screener.questionnaire.timing import estimated_minutes

    html = client.get("/").get_data(as_text=True)
    assert "Ketamine-assisted psychotherapy (KAP) combines talk therapy" in html
    assert html.index("Start now") < html.index("What you get")  # Start comes first
    minutes = estimated_minutes(questionnaire)
    assert f"up to about {minutes} minutes" in html and minutes >= 20  # not the old 15
    assert "reviews your answers before any decision" not in html
    assert 'href="/about-kap"' in html


def test_about_kap_page_has_the_pdfs_section(client, questionnaire):
    html = client.get("/about-kap").get_data(as_text=True)
    assert "<h1>About KAP at this practice</h1>" in html
    assert questionnaire.meta.about_kap[0].split(".")[0] in html


def test_result_says_what_the_pdf_holds_and_forget_this_device(client, questionnaire, personas):
    journey = Journey(client, questionnaire)
    journey.run(personas["P01"].answers)
    html = client.get("/result").get_data(as_text=True)
    assert html.index("The PDF holds your answers") < html.index("Download summary (PDF)")
    assert "Downloads folder" in html and 'href="/about-kap"' in html
    response = journey.post("/forget")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert "no longer has your answers" in client.get("/").get_data(as_text=True)
    assert client.get("/result").headers["Location"].endswith("/resume")
