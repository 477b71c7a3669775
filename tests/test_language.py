"""The client's language: Accept-Language, the ?lang= switch, staff pages in English, the
Spanish catalog complete and up to date, and no English left outside gettext in the client
templates."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from .conftest import ROOT
from .journey_helpers import Journey, csrf_token

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
HTML_LANG = re.compile(r"<html lang=\"([a-z-]+)\">")
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def html_lang(html: str) -> str:
    return HTML_LANG.search(html).group(1)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_accept_language_es_gives_the_spanish_landing_page(client):
    html = text_of(client.get("/", headers=SPANISH))
    assert html_lang(html) == "es"
    assert "Empezar ahora" in html and "Antes de hacer una cita" in html
    assert "Start now" not in html
    # the way back to English is written in English, and marked as English
    assert 'href="/?lang=en" lang="en" hreflang="en">English</a>' in html
    offer = 'href="/?lang=en" hreflang="en">Read this questionnaire in English'
    assert f'lang="en"><a class="link-action" {offer}' in html


def test_english_without_accept_language_and_a_link_to_spanish(client):
    html = text_of(client.get("/"))
    assert html_lang(html) == "en" and "Start now" in html
    assert 'href="/?lang=es" lang="es" hreflang="es">Español</a>' in html
    assert "Lea este cuestionario en español" in html
    other = text_of(client.get("/", headers={"Accept-Language": "fr, de;q=0.8"}))
    assert html_lang(other) == "en"


def test_the_lang_link_keeps_the_choice_and_the_other_query_parameters(client):
    response = client.get("/resume?purpose=delete&lang=es&x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/resume?purpose=delete&x=1"
    with client.session_transaction() as session:
        assert session["language"] == "es"
    html = text_of(client.get("/resume?purpose=delete&x=1"))
    assert html_lang(html) == "es" and "Código para continuar" in html
    # the choice beats the browser's own, both ways
    back = client.get("/privacy?lang=EN")
    assert back.headers["Location"] == "/privacy"
    assert html_lang(text_of(client.get("/privacy", headers=SPANISH))) == "en"


def test_the_switch_keeps_an_odd_address_as_it_was(client):
    response = client.get("/no%20such%3Fpage%25?lang=es&q=a%26b&q=%C3%B1")
    assert response.headers["Location"] == "/no%20such%3Fpage%25?q=a%26b&q=%C3%B1"
    assert client.get(response.headers["Location"]).status_code == 404


@pytest.mark.parametrize("code", ["xx", "", "es-ES-x", "%00", "en;drop", "ES ", "../es"])
def test_an_unknown_lang_code_is_ignored_never_an_error(client, code):
    response = client.get("/privacy", query_string={"lang": code})
    if code.strip().lower() == "es":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert html_lang(text_of(response)) == "en"
    with client.session_transaction() as session:
        assert "language" not in session


def test_a_post_with_lang_is_not_a_switch(client):
    html = text_of(client.get("/"))
    response = client.post("/forget?lang=es", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "language" not in session


def test_staff_pages_stay_english(client):
    client.get("/?lang=es")
    html = text_of(client.get("/staff/login", headers=SPANISH))
    assert html_lang(html) == "en"
    assert "Staff sign in" in html and "Skip to main content" in html
    assert "hreflang" not in html  # no language switch on staff pages
    # a lang link on a staff address is not followed either
    assert client.get("/staff/login?lang=es").status_code == 200
    missing = client.get("/staff/no-such-page", headers=SPANISH)
    assert missing.status_code in (302, 404)
    if missing.status_code == 404:
        assert html_lang(text_of(missing)) == "en"


def test_form_errors_in_spanish_ours_and_wtforms_own(client):
    client.get("/?lang=es")
    token = csrf_token(text_of(client.get("/resume")))
    empty = text_of(client.post("/resume", data={"csrf_token": token, "code": ""}))
    assert "Hay un problema" in empty and "Escriba el código para continuar que recibió" in empty
    assert "<title>Error: Continuar con respuestas guardadas" in empty
    # Length(max=64) has no message of ours: WTForms' own, from its Spanish catalog
    long = text_of(client.post("/resume", data={"csrf_token": token, "code": "A" * 70}))
    assert "El campo no puede tener más de 64 caracteres." in long
    english = client.application.test_client()
    token = csrf_token(text_of(english.get("/resume")))
    long = text_of(english.post("/resume", data={"csrf_token": token, "code": "A" * 70}))
    assert "Field cannot be longer than 64 characters." in long


def test_error_pages_in_spanish(client):
    response = client.get("/no-such-page", headers=SPANISH)
    html = text_of(response)
    assert response.status_code == 404 and html_lang(html) == "es"
    assert "No se encontró la página" in html and "Ir al inicio" in html


def test_switching_language_on_check_answers_keeps_every_answer(client, questionnaire, personas):
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_all(personas["P01"].answers)
    english = text_of(client.get("/check"))
    assert client.get("/check?lang=es").headers["Location"] == "/check"
    spanish = text_of(client.get("/check"))
    assert html_lang(spanish) == "es" and "Revise sus respuestas" in spanish
    assert spanish.count('class="summary-row"') == english.count('class="summary-row"') > 10
    # still complete: check answers goes on to the result, in Spanish
    assert journey.finish().status_code == 200
    assert "Su resultado" in text_of(client.get("/result"))


def test_the_saved_page_gives_the_deletion_date_in_the_clients_language(client, questionnaire):
    Journey(client, questionnaire).start()
    client.get("/?lang=es")
    token = csrf_token(text_of(client.get("/save")))
    html = text_of(client.post("/save", data={"csrf_token": token}))
    assert re.search(r"se borrarán después de \d+ días: el \d{1,2} de [a-z]+ de \d{4}\.", html)
    assert "hreflang" not in html  # a link here would lose the code shown only once


# -- the catalog ----------------------------------------------------------------------------
def read_catalog(path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_the_spanish_catalog_has_every_message_translated_and_none_fuzzy():
    catalog = read_catalog(PO)
    assert len(catalog) > 200
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= wanted, message.id
            if not isinstance(message.id, tuple):  # a plural's "one" may say "un minuto"
                assert set(PLACEHOLDER.findall(string)) == wanted, message.id


def test_the_catalog_holds_every_string_the_code_marks():
    """`make messages` was run after the last change of a marked string."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    found |= _lazy_messages()
    catalog = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_catalog(PO) if m.id}
    template = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in read_catalog(TRANSLATIONS / "messages.pot")
        if m.id
    }
    assert found - template == set(), "run `make messages` and translate the new strings"
    assert template == catalog


def _lazy_messages() -> set:
    """The `_l(...)` strings (lazy_gettext imported as _l)."""
    pattern = re.compile(r"\b_l\(\s*\"((?:[^\"\\]|\\.)*)\"\s*\)")
    found = set()
    for path in (ROOT / "screener").rglob("*.py"):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1))
    return found


# -- no English outside gettext in the client templates -------------------------------------
CLIENT_TEMPLATES = [
    "base.html",
    *sorted(f"client/{p.name}" for p in (ROOT / "templates" / "client").glob("*.html")),
    *sorted(f"errors/{p.name}" for p in (ROOT / "templates" / "errors").glob("*.html")),
    "macros/crisis.html",
    "macros/fields.html",
    "macros/ui.html",
]
#: what a template may show that is not a word to translate
NOT_WORDS = {"KAP", "PDF"}


def visible_literals(source: str) -> list[str]:
    """Words a template shows or reads aloud that do not come through gettext or a variable."""
    source = source.split("{% macro pagination", 1)[0]  # staff-only macros after this
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", "", source, flags=re.S)
    spoken = re.findall(r'\b(?:aria-label|alt|title|placeholder)="([^"{]+)"', source)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
    source = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", source, flags=re.S)
    words = re.findall(r"[A-Za-z][A-Za-z']+", " ".join([source, *spoken]))
    return [w for w in words if w not in NOT_WORDS]


@pytest.mark.parametrize("name", CLIENT_TEMPLATES)
def test_no_client_template_shows_english_outside_gettext(name):
    source = (ROOT / "templates" / name).read_text(encoding="utf-8")
    assert visible_literals(source) == []


def test_a_catalog_not_compiled_is_reported(tmp_path):
    from screener.web.language import catalog_problems

    po = tmp_path / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n')
    assert "make translations" in catalog_problems(tmp_path / "translations")[0]
    po.with_suffix(".mo").write_bytes(b"")
    assert catalog_problems(tmp_path / "translations") == []
    assert catalog_problems() == []  # this checkout's catalogs are compiled


def test_an_error_names_a_spanish_question_with_both_its_question_marks(app):
    from screener.questionnaire.definition import Question
    from screener.web.forms import required_message

    question = Question("age", "integer", "¿Cuántos años tiene?", "about_you", "you")
    with app.test_request_context(headers=SPANISH):
        assert required_message(question) == (
            "Escriba un número en la pregunta sobre “¿Cuántos años tiene?”"
        )
    # a short name that is a verb reads as the question's topic, never as an instruction
    question = Question("si_plan", "yesno", "¿Ha hecho un plan?", "p", "s", short="hacer un plan")
    with app.test_request_context(headers=SPANISH):
        assert required_message(question) == "Elija sí o no en la pregunta sobre hacer un plan"
