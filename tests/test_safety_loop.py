"""Closing the safety loop (issue 13): truthful wording, minors, safety mentions, the gaps
the audit found, and the content corrections in questions.yaml."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from io import BytesIO

import pytest
from pypdf import PdfReader

from screener.pdf import SummaryMeta, render_summary
from screener.questionnaire import evaluate
from tests.journey_helpers import Journey, h1

from .conftest import dump_answers
from .test_cli_check import flask

TRUSTED_ADULT = "talk to a parent, school counselor or another adult you trust"


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def pdf_text(questionnaire, answers) -> str:
    evaluation = evaluate(questionnaire, answers)
    pdf = render_summary(
        evaluation, questionnaire, SummaryMeta(None, datetime(2026, 12, 1, tzinfo=UTC))
    )
    pages = PdfReader(BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@pytest.fixture
def journey(client, questionnaire):
    return Journey(client, questionnaire)


# -- 2. wording that tells the truth --------------------------------------------------------
def test_support_first_result_says_what_really_happens(journey, personas):
    html = text_of(journey.run(personas["P08"].answers).get_data(as_text=True))
    assert "marked your answers as urgent" not in html
    assert "reach the practice only if you send them" in html
    assert "the practice sees them before others" in html
    assert "not watched around the clock" in html
    assert "the crisis lines are the way to get help now" in html


def test_support_page_says_nothing_reaches_the_practice_unless_sent(journey, client, personas):
    journey.start()
    journey.answer_all(personas["P08"].answers, until="safety")
    journey.answer_page(personas["P08"].answers)
    html = text_of(client.get(journey.location).get_data(as_text=True))
    assert "We will mark your answers" not in html
    assert "Your answers reach the practice only if you send them" in html


# -- 4. minors ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["P12", "E4"])
def test_under_18_with_a_safety_level_gets_youth_help_on_support_and_result(
    journey, client, questionnaire, personas, name
):
    answers = personas[name].answers
    journey.start()
    journey.answer_all(answers, until="safety")
    journey.answer_page(answers)
    assert journey.where == "support"
    support = text_of(client.get(journey.location).get_data(as_text=True))
    assert TRUSTED_ADULT in support
    for resource in questionnaire.meta.youth_resources:
        assert resource.name in support
    journey.location = journey.post(journey.location).headers["Location"]
    journey.answer_all(answers)
    result = text_of(journey.finish().get_data(as_text=True))
    assert TRUSTED_ADULT in result.replace("Talk to", "talk to")
    assert "I Matter Colorado" in result
    assert "KAP at our practice is for adults" in result
    assert "A consultation about KAP can come later" not in result


def test_adult_support_first_keeps_the_later_consultation(journey, personas):
    result = text_of(journey.run(personas["P08"].answers).get_data(as_text=True))
    assert "A consultation about KAP can come later" in result
    assert TRUSTED_ADULT not in result and "I Matter Colorado" not in result


def test_under_18_pdf_leaves_out_about_kap_costs_and_consultation_questions(
    questionnaire, personas
):
    young = pdf_text(questionnaire, personas["P12"].answers)
    adult = pdf_text(questionnaire, personas["P01"].answers)
    for heading in (
        "About KAP at this practice",
        "Costs:",
        "Questions to bring to your consultation",
    ):
        assert heading in adult
        assert heading not in young
    assert "Support for young people" in young and "I Matter Colorado" in young
    assert TRUSTED_ADULT in young.replace("Talk to", "talk to")


# -- 4. a safety mention among the reasons ------------------------------------------------
def test_thoughts_of_suicide_as_a_reason_shows_support_and_crisis_lines(journey, personas):
    answers = personas["E17"].answers
    assert "suicidal_thoughts" in answers["main_concerns"]
    assert all(answers[q] == "no" for q in ("si_wish_dead", "si_thoughts", "sb_ever"))
    result = journey.run(answers)
    assert journey.support_after == ["reasons"]
    html = result.get_data(as_text=True)
    assert 'href="tel:988"' in html and "If you need to talk to someone now" in html


def test_safety_mention_is_a_property_of_the_option(questionnaire):
    marked = [
        (question.id, option.value)
        for question in questionnaire.questions.values()
        for option in question.options
        if option.safety_mention
    ]
    assert marked == [("main_concerns", "suicidal_thoughts")]


def test_support_page_for_a_mention_is_the_gentle_one(journey, client, personas):
    answers = personas["E17"].answers
    journey.start()
    journey.answer_all(answers, until="reasons")
    journey.answer_page(answers)
    assert journey.where == "support"
    html = client.get(journey.location).get_data(as_text=True)
    assert "have to go through this alone" in h1(html)  # not "Please reach out ... now"


# -- 4. a past attempt alone ----------------------------------------------------------------
def test_past_attempt_alone_shows_the_crisis_block_on_the_result(journey, personas):
    answers = personas["P10"].answers
    safety = [f.flag.id for f in evaluate(journey.q, answers).flags if f.flag.id.startswith("s")]
    assert "safety_past_attempt" in safety and "safety_urgent" not in safety
    result = journey.run(answers)
    assert journey.support_after == []  # no support page for history alone
    html = result.get_data(as_text=True)
    assert 'class="crisis"' in html and "If you need to talk to someone now" in html


# -- 4. scores with no answers; a cross-field limit with the other answer missing --------------
def test_a_score_with_no_item_answered_is_not_computed(questionnaire):
    evaluation = evaluate(questionnaire, {"age": 40})
    for score_id in ("phq9", "gad7", "auditc"):
        assert evaluation.scores[score_id].value is None
        assert evaluation.scores[score_id].band == ""
    assert not evaluation.fired("symptoms_minimal")


def test_evaluate_command_reports_no_score_for_unanswered_items(tmp_path):
    result = flask("evaluate", str(dump_answers(tmp_path, {"age": 40})))
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)["scores"]
    assert scores["phq9"] == {"value": None, "band": None}


def test_trials_not_helped_keeps_its_range_when_the_other_count_is_missing(questionnaire):
    answers = {"age": 40, "med_any_ever": "yes", "med_trials_not_helped": 50}
    evaluation = evaluate(questionnaire, answers)
    assert [e.question_id for e in evaluation.errors] == ["med_trials_not_helped"]
    assert "med_trials_not_helped" not in evaluation.answers
    ok = evaluate(questionnaire, {**answers, "med_trials_not_helped": 20})
    assert not ok.errors and ok.answers["med_trials_not_helped"] == 20


# -- 7. content corrections -------------------------------------------------------------
def test_spravato_is_fda_approved_for_its_labelled_uses(questionnaire):
    about = " ".join(questionnaire.meta.about_kap)
    assert "licensed for" not in about
    assert "esketamine (Spravato), is a nasal spray approved by the FDA" in about
    assert "on its own (since 2025)" in about
    assert "thoughts of suicide" in about


def test_no_uncited_claim_about_off_label_use(questionnaire):
    assert "legal and widely practiced" not in " ".join(questionnaire.meta.about_kap)


def test_insurance_only_agrees_with_the_therapy_reimbursement_note(questionnaire):
    text = questionnaire.flag("insurance_only").client_text
    assert "rarely covers ketamine-assisted therapy" not in text
    assert "partly reimbursed" in text
    assert "partly reimbursed" in questionnaire.flag("self_pay_likely").client_text


def test_driving_rule_is_the_medical_partners_setting(questionnaire, personas):
    rule = questionnaire.meta.practice["driving_rule"]
    assert rule.startswith("Our medical partner's rule")
    assert "drive" not in " ".join(questionnaire.meta.about_kap)
    assert " ".join(rule.split()) in pdf_text(questionnaire, personas["P01"].answers)


def test_bipolar_text_does_not_assume_a_mood_stabilizer_plan(questionnaire):
    text = questionnaire.flag("bipolar").client_text
    assert "plan" not in text and "if anyone does" in text
