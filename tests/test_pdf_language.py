"""The client's summary PDF in the client's language: fixed words, dates, numbers, glyphs.

The Spanish catalogue is built here from the PDF's own PO fragment (the strings
`pybabel extract` finds in screener/pdf, their Spanish merged into translations/es).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from screener.pdf import MISSING, SummaryMeta, render_summary
from screener.pdf.sections import crisis_footer
from screener.pdf.text import (
    ENGLISH,
    FONT_BOLD,
    fitted_size,
    format_number,
    language_tag,
    long_date,
    register_fonts,
)
from screener.questionnaire import evaluate
from screener.questionnaire.definition import Resource

from .conftest import ROOT

CREATED = datetime(2026, 12, 6, 9, 15, tzinfo=UTC)
META = SummaryMeta("KAP-7Q4M-2XRD", CREATED, "Dana Muñoz")
PERSONAS = ("P01", "P08", "P12")  # no crisis; crisis and scores; a young client
TITLE_ES = "Resumen del cuestionario \u2014 no es un diagnóstico"
ACCENTED = "áéíóúñüÁÉÍÓÚÑÜ¿¡"
KEYWORDS = {"pre-screening", "not a diagnosis"}
PDF_MODULES = ("document.py", "sections.py", "flowables.py", "text.py", "style.py")

FRAGMENT = r"""
msgid ""
msgstr ""
"Language: es\n"
"Content-Type: text/plain; charset=UTF-8\n"

#, python-format
msgid "%(title)s: answers, screening scores and recommended next step"
msgstr "%(title)s: respuestas, puntajes de detección y siguiente paso recomendado"

msgid "About KAP at this practice"
msgstr "Sobre la KAP en este consultorio"

msgid "Because of what you told us"
msgstr "Por lo que usted nos contó"

#, python-format
msgid "Call %(number)s"
msgstr "Llame al %(number)s"

#, python-format
msgid "Call %(tel)s or text %(sms)s"
msgstr "Llame al %(tel)s o mande un texto al %(sms)s"

#, python-format
msgid "Call or text %(number)s"
msgstr "Llame o mande un texto al %(number)s"

#, python-format
msgid "Date: %(date)s"
msgstr "Fecha: %(date)s"

#, python-format
msgid "Emergency: %(how)s"
msgstr "Emergencia: %(how)s"

msgid "If you are struggling right now, please reach out now"
msgstr "Si está pasando por un momento muy difícil, pida ayuda ahora"

#, python-format
msgid "In crisis? %(lines)s"
msgstr "¿En crisis? %(lines)s"

msgid "Not answered"
msgstr "Sin respuesta"

msgid "Nothing in particular stood out. Bring any questions you have about KAP, costs or timing."
msgstr ""
"No hubo nada en especial que resaltar. Traiga las preguntas que tenga sobre la KAP, los "
"costos o las fechas."

msgid "Only the questions you were asked are listed, by section."
msgstr "Aquí aparecen solo las preguntas que se le hicieron, por sección."

#, python-format
msgid "Page %(number)s of %(total)s"
msgstr "Página %(number)s de %(total)s"

msgid ""
"Please talk to a parent, school counselor or another adult you trust about how you are "
"feeling."
msgstr ""
"Por favor, hable con uno de sus padres, con un consejero de la escuela o con otro adulto de "
"confianza sobre cómo se siente."

msgid "Pre-screening summary — not a diagnosis"
msgstr "Resumen del cuestionario — no es un diagnóstico"

#, python-format
msgid "Prepared for: %(name)s"
msgstr "Preparado para: %(name)s"

#, python-format
msgid "Questionnaire version %(version)s (%(hash)s)"
msgstr "Versión del cuestionario %(version)s (%(hash)s)"

msgid "Questions to bring to your consultation"
msgstr "Preguntas para llevar a su consulta"

msgid "Recommended next step"
msgstr "Siguiente paso recomendado"

#, python-format
msgid "Reference: %(reference)s"
msgstr "Referencia: %(reference)s"

msgid "Screening scores"
msgstr "Puntajes de detección"

msgid ""
"Some of your answers tell us you may be going through a very hard time. You don't have to "
"wait for a consultation, and this form is not monitored around the clock. These services are "
"free and open 24 hours a day:"
msgstr ""
"Algunas de sus respuestas nos dicen que tal vez esté pasando por un momento muy difícil. No "
"tiene que esperar a una consulta, y nadie revisa este formulario a toda hora. Estos servicios"
" son gratuitos y atienden las 24 horas del día:"

msgid "Support for young people"
msgstr "Apoyo para jóvenes"

#, python-format
msgid "Text %(number)s"
msgstr "Mande un texto al %(number)s"

msgid ""
"These are screening scores, not a diagnosis. Only a clinician can diagnose a condition. The "
"marker shows where your total falls."
msgstr ""
"Estos son puntajes de detección, no un diagnóstico. Solo un profesional de la salud puede "
"hacer un diagnóstico. La marca muestra dónde queda su total."

msgid "Your answer"
msgstr "Su respuesta"

msgid "Your answers"
msgstr "Sus respuestas"

msgid "not a diagnosis"
msgstr "no es un diagnóstico"

msgid "not sent"
msgstr "no enviado"

msgid "not sent (your own copy)"
msgstr "no enviado (su propia copia)"

#, python-format
msgid "of %(maximum)s"
msgstr "de %(maximum)s"

msgid "pre-screening"
msgstr "cuestionario inicial"

#, python-format
msgid "range %(low)s–%(high)s"
msgstr "escala de %(low)s a %(high)s"

msgid "screening score, not a diagnosis"
msgstr "puntaje de detección, no es un diagnóstico"
"""


def catalog():
    return read_po(BytesIO(FRAGMENT.encode("utf-8")), locale="es")


def spanish() -> Translations:
    """A Translations object built like the app's: PO → MO → babel.support.Translations."""
    buffer = BytesIO()
    write_mo(buffer, catalog())
    buffer.seek(0)
    return Translations(buffer)


def norm(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def pages_text(pdf: bytes) -> list[str]:
    return [norm(page.extract_text()) for page in PdfReader(BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def rendered(questionnaire, personas):
    """Each persona's summary in English (the defaults) and in Spanish, as page texts."""
    es = spanish()
    out = {}
    for name in PERSONAS:
        evaluation = evaluate(questionnaire, personas[name].answers)
        english = render_summary(evaluation, questionnaire, META)
        spanish_pdf = render_summary(evaluation, questionnaire, META, translations=es, locale="es")
        out[name] = {"en": english, "es": spanish_pdf}
    return out


def test_first_page_has_the_spanish_title_date_and_reference(rendered):
    first = pages_text(rendered["P08"]["es"])[0]
    assert TITLE_ES in first
    assert "Fecha: 6 de diciembre de 2026" in first
    assert "Referencia: KAP-7Q4M-2XRD" in first
    assert "Preparado para: Dana Muñoz" in first
    assert "Siguiente paso recomendado" in first
    assert "Versión del cuestionario" in first
    assert "December" not in first and "Date:" not in first


@pytest.mark.parametrize("name", PERSONAS)
def test_every_page_has_the_spanish_header_and_crisis_footer(name, rendered, questionnaire):
    pages = pages_text(rendered[name]["es"])
    disclaimer = norm(questionnaire.meta.disclaimer)  # the definition's own (its language)
    for number, page in enumerate(pages, start=1):
        assert f"{TITLE_ES} \u00b7 Referencia: KAP-7Q4M-2XRD" in page, number
        assert f"Página {number} de {len(pages)}" in page, number
        assert "¿En crisis? Llame o mande un texto al 988" in page, number
        assert "Emergencia: llame al 911" in page, number
        assert disclaimer in page, number
        assert f"Page {number} of" not in page and "In crisis?" not in page


def test_every_fixed_english_phrase_is_replaced(rendered):
    """Each whole phrase of the PDF's that the English summaries print comes out in Spanish."""
    english = " ".join(" ".join(pages_text(r["en"])) for r in rendered.values())
    spanish_text = " ".join(" ".join(pages_text(r["es"])) for r in rendered.values())
    checked = 0
    for message in catalog():
        if not message.id or "%" in message.id or message.id not in english:
            continue
        if message.id in KEYWORDS:  # in the PDF's metadata only; the disclaimer has them too
            continue
        checked += 1
        assert norm(message.string) in spanish_text, message.id
        # The definition (English here) may use the same words; the PDF's own are gone.
        assert spanish_text.count(message.id) < english.count(message.id), message.id
    assert checked >= 12


def test_scores_read_in_spanish(rendered, personas, questionnaire):
    text = " ".join(pages_text(rendered["P08"]["es"]))
    evaluation = evaluate(questionnaire, personas["P08"].answers)
    for result in evaluation.scores.values():
        if result.applies:
            maximum = format_number(result.score.maximum)
            assert f"{format_number(result.value)} de {maximum}" in text
            assert f"escala de 0 a {maximum}" in text
    assert "Puntajes de detección" in text
    assert "puntaje de detección, no es un diagnóstico" in text
    assert " of " not in text.split("Puntajes de detección")[1].split("Sus respuestas")[0]


def test_young_client_sections_in_spanish(rendered):
    text = " ".join(pages_text(rendered["P12"]["es"]))
    assert "Apoyo para jóvenes" in text
    assert "Por favor, hable con uno de sus padres" in text
    assert "Si está pasando por un momento muy difícil, pida ayuda ahora" in text


def test_unanswered_question_and_table_heading_in_spanish(questionnaire, personas):
    evaluation = evaluate(questionnaire, personas["P01"].answers)
    assert "med_list" in evaluation.visible_questions
    answers = {k: v for k, v in evaluation.answers.items() if k != "med_list"}
    blank = dataclasses.replace(evaluation, answers=answers)
    es = " ".join(
        pages_text(render_summary(blank, questionnaire, META, translations=spanish(), locale="es"))
    )
    en = " ".join(pages_text(render_summary(blank, questionnaire, META)))
    assert "Sin respuesta" in es and "Not answered" not in es
    # \b: the English disclaimer (the definition's text here) says "Your answers stay with you".
    assert "Su respuesta" in es and not re.search(r"Your answer\b", es)
    assert "Not answered" in en and re.search(r"Your answer\b", en)


def test_accented_characters_have_glyphs_and_survive_extraction(questionnaire, personas):
    covered = register_fonts()  # both DejaVu faces
    assert all(ord(char) in covered for char in ACCENTED + "\u2014\u2013\u00b7")
    evaluation = evaluate(questionnaire, personas["P01"].answers)
    words = f"¿Cuántos años? ¡Señor Muñoz, pingüino, acción, está aquí! {ACCENTED}"
    answers = dict(evaluation.answers, med_list=words)
    pdf = render_summary(
        dataclasses.replace(evaluation, answers=answers),
        questionnaire,
        META,
        translations=spanish(),
        locale="es",
    )
    text = " ".join(pages_text(pdf))
    assert words in text
    assert MISSING not in text
    for word in ("diagnóstico", "Página", "Versión", "detección", "¿En crisis?"):
        assert word in text, word


def test_english_is_the_default_and_unchanged(questionnaire, personas, rendered):
    evaluation = evaluate(questionnaire, personas["P08"].answers)
    explicit = render_summary(
        evaluation, questionnaire, META, translations=NullTranslations(), locale="en"
    )
    assert explicit == rendered["P08"]["en"]
    pages = pages_text(explicit)
    assert "Date: December 6, 2026 \u00b7 Reference: KAP-7Q4M-2XRD" in pages[0]
    assert "Pre-screening summary \u2014 not a diagnosis" in pages[0]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert questionnaire.meta.crisis_text in page
    assert "24 of 27" in " ".join(pages) and "range 0\u201327" in " ".join(pages)


def test_metadata_follows_the_language(rendered):
    es, en = (PdfReader(BytesIO(rendered["P01"][lang])) for lang in ("es", "en"))
    assert es.trailer["/Root"]["/Lang"] == "es-US"
    assert en.trailer["/Root"]["/Lang"] == "en-US"
    assert es.metadata.title.startswith(TITLE_ES)
    assert "respuestas, puntajes de detección" in es.metadata.subject


def test_dates_and_numbers_follow_the_locale():
    assert long_date(CREATED) == "December 6, 2026"
    assert long_date(CREATED, "es") == "6 de diciembre de 2026"
    assert long_date(datetime(2027, 1, 1), "es") == "1 de enero de 2027"
    assert format_number(27.0) == "27" and format_number(27, "es") == "27"
    assert format_number(2.5) == "2.5"
    assert format_number(2.5, "es") == "2,5"
    assert format_number(2.5, "es_US") == "2.5"
    assert language_tag("en") == "en-US" and language_tag("es_MX") == "es-MX"


def test_crisis_footer_in_english_is_the_cores_crisis_text(questionnaire):
    assert crisis_footer(questionnaire.meta, ENGLISH.gettext) == questionnaire.meta.crisis_text
    resources = (
        Resource("a", "A", "Call 555-0100 or text 555-0101", tel="555-0100", sms="555-0101"),
        Resource("b", "B", "Call 555-0102", tel="555-0102"),
        Resource("c", "C", "Send a message", sms="55555"),
        Resource("d", "D", "Call 911", tel="911", emergency=True),
    )
    meta = dataclasses.replace(questionnaire.meta, crisis_resources=resources)
    assert crisis_footer(meta, ENGLISH.gettext) == meta.crisis_text
    assert crisis_footer(meta, spanish().gettext) == (
        "¿En crisis? Llame al 555-0100 o mande un texto al 555-0101 \u00b7 Llame al 555-0102"
        " \u00b7 Mande un texto al 55555 \u00b7 Emergencia: llame al 911"
    )


def test_a_long_crisis_line_shrinks_to_fit():
    register_fonts()
    line = "¿En crisis? " + " \u00b7 ".join(["Llame o mande un texto al 988"] * 6)
    size = fitted_size(line, FONT_BOLD, 8.5, 400)
    assert size < 8.5 and stringWidth(line, FONT_BOLD, size) <= 400.001
    assert fitted_size("short", FONT_BOLD, 8.5, 400) == 8.5


def pdf_messages() -> set[str]:
    """The msgids pybabel finds in the client's PDF (not brief.py, the clinician's)."""
    found = set()
    for module in PDF_MODULES:
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / "screener" / "pdf" / module
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_pdf_string_has_spanish_here():
    ours = {m.id: m.string for m in catalog() if m.id}
    assert pdf_messages() == set(ours)
    for msgid, msgstr in ours.items():
        assert msgstr, msgid
        placeholders = sorted(re.findall(r"%\((\w+)\)s", msgid))
        assert sorted(re.findall(r"%\((\w+)\)s", msgstr)) == placeholders, msgid


def test_every_pdf_string_is_translated_in_the_app_catalogue():
    po = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        pytest.skip("translations/es/LC_MESSAGES/messages.po is not there yet")
    with Path(po).open("rb") as handle:
        app = read_po(handle)
    for msgid in pdf_messages():
        message = app.get(msgid)
        assert message is not None and message.string and not message.fuzzy, msgid
