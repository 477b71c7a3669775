"""A client in Spanish through the Flask test client: the language follows the draft, a
switch keeps every answer, and the summary PDF comes back in Spanish."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from screener.i18n import translations
from screener.questionnaire import load_text
from screener.store import Submission
from tests.journey_helpers import Journey, csrf_token, h1, resume_code

_ = translations("es").gettext
ROW_VALUE = re.compile(r'<dd class="summary-value">(.*?)</dd>', re.S)


@pytest.fixture(scope="module")
def spanish(questionnaire):
    q = questionnaire
    return load_text(q.text, q.path, q.content_hash, "es", _).questionnaire


def in_spanish(client) -> None:
    """The link a client follows on the landing page."""
    assert client.get("/?lang=es").status_code == 302


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def answers_on_check(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", v).strip() for v in ROW_VALUE.findall(html)]


def stored(app) -> dict:
    from screener.store import Draft

    svc = app.extensions["screener"]
    with svc.sessionmaker() as session:
        draft = session.scalars(select(Draft)).one()
        return svc.vault.record(draft.key_enc).open(draft.state_enc)


def test_switching_language_on_check_answers_keeps_every_answer(
    app, client, questionnaire, spanish, personas
):
    in_spanish(client)
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers)
    assert journey.location.endswith("/check")
    before = stored(app)["answers"]
    es = client.get("/check").get_data(as_text=True)
    assert html_lang(es).startswith("es")
    assert spanish.questions["phq9_1"].label in es
    assert questionnaire.questions["phq9_1"].label not in es

    switched = client.get("/check?lang=en")
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/check")
    en = client.get("/check").get_data(as_text=True)
    assert html_lang(en).startswith("en")
    assert questionnaire.questions["phq9_1"].label in en
    assert len(answers_on_check(en)) == len(answers_on_check(es)) > 30
    assert stored(app)["answers"] == before

    client.get("/check?lang=es")
    again = client.get("/check").get_data(as_text=True)
    assert answers_on_check(again) == answers_on_check(es)
    assert stored(app)["answers"] == before
    # the result and the Send go on in the language chosen last
    assert journey.finish().status_code == 200
    assert journey.send().status_code == 302
    with app.extensions["screener"].sessionmaker() as session:
        assert session.scalars(select(Submission.language)).one() == "es"


def test_the_draft_keeps_its_language_and_a_resume_elsewhere_brings_it_back(
    app, client, questionnaire, spanish, personas
):
    in_spanish(client)
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers, until="phq9")
    assert stored(app)["language"] == "es"
    page = client.get("/save").get_data(as_text=True)
    saved = client.post("/save", data={"csrf_token": csrf_token(page)})
    code = resume_code(saved.get_data(as_text=True))

    other = app.test_client()  # another device, whose browser asks for English
    english = {"Accept-Language": "en-US,en;q=0.9"}
    form = other.get("/resume", headers=english).get_data(as_text=True)
    assert html_lang(form).startswith("en")
    back = other.post(
        "/resume", data={"csrf_token": csrf_token(form), "code": code}, headers=english
    )
    html = other.get(back.headers["Location"], headers=english).get_data(as_text=True)
    assert html_lang(html).startswith("es")
    assert h1(html) and h1(html) in {p.title or "" for p in spanish.page_list} | {
        _("Check your answers before you continue")
    }, h1(html)


def test_accept_language_is_the_first_choice_and_the_link_overrides_it(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).text) == (
        html_lang(client.get("/?lang=es", follow_redirects=True).text)
    )
    assert html_lang(client.get("/", headers={"Accept-Language": "es"}).text).startswith("es")
    client.get("/?lang=en")
    assert html_lang(client.get("/", headers={"Accept-Language": "es"}).text).startswith("en")


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages]


def test_the_spanish_summary_pdf_parsed_back(client, questionnaire, spanish, personas):
    in_spanish(client)
    journey = Journey(client, questionnaire)
    journey.run(personas["P08"].answers)  # scores, flags and the crisis resources first
    response = client.get("/summary.pdf")
    assert 'filename="resumen-kap-no-enviado.pdf"' in response.headers["Content-Disposition"]
    pages = pdf_pages(response.data)
    assert len(pages) >= 2
    whole = "\n".join(pages)
    assert "Resumen del cuestionario — no es un diagnóstico" in pages[0]
    assert spanish.questions["phq9_1"].label in whole.replace("\n", " ")
    for n, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        assert "988" in flat and "911" in flat, f"page {n}: no crisis footer"
        assert f"Página {n} de {len(pages)}" in flat, n
        assert "no es un diagnóstico" in flat.lower(), f"page {n}: no disclaimer line"
    # accented letters come back as letters: no missing glyphs
    for word in ("diagnóstico", "Página", "días", "ñ"):
        assert word in whole, word
    assert "\ufffd" not in whole and "■" not in whole


def test_a_one_language_file_offers_no_spanish_even_with_a_spanish_catalog(tmp_path):
    from tests.conftest_db import make_app
    from tests.test_loader import BASE

    english_only = tmp_path / "questions.yaml"
    english_only.write_text(BASE)
    app = make_app(tmp_path, QUESTIONS=str(english_only))
    client = app.test_client()
    html = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang(html).startswith("en") and "Demo screener" in html
    assert "?lang=es" not in html and "Español" not in html
    client.get("/?lang=es")  # a link from elsewhere: ignored
    assert html_lang(client.get("/").get_data(as_text=True)).startswith("en")


def test_a_client_who_answered_in_spanish_is_recorded_as_spanish_whatever_the_send_page(
    app, client, questionnaire, personas
):
    in_spanish(client)
    journey = Journey(client, questionnaire)
    journey.run(personas["P01"].answers)
    client.get("/send?lang=en")  # the Send page read in English
    assert journey.send().status_code == 302
    with app.extensions["screener"].sessionmaker() as session:
        assert session.scalars(select(Submission.language)).one() == "es"


def test_wording_with_no_spanish_yet_is_marked_english_for_screen_readers(
    client, questionnaire, spanish, personas
):
    item = questionnaire.questions["pcptsd5_1"].label  # no validated Spanish (README)
    assert spanish.questions["pcptsd5_1"].label == item
    assert spanish.questions["pcptsd5_1"].label.lang == "en"
    assert not hasattr(spanish.questions["phq9_1"].label, "lang")
    assert not hasattr(spanish.questions["in_colorado"].options[1].label, "lang")  # "No"
    in_spanish(client)
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(dict(personas["P01"].answers, trauma_exposure="yes"), until="pcptsd5")
    html = client.get(journey.location).get_data(as_text=True)
    assert f'<span lang="en">{item}</span>' in html.replace("&#39;", "'")
