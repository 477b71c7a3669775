"""A Spanish-speaking client on a phone with JavaScript off: landing page to a sent
summary and a Spanish PDF, axe-clean on every page, and not one English word on the way
but names, numbers and the reference code."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect
from pypdf import PdfReader

from screener.i18n import translations
from screener.questionnaire import load_text
from tests.browser.flows import Walker, click_and_wait, heading
from tests.conftest import QUESTIONS

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
_ = translations("es").gettext
#: everyday English words: none of them is a Spanish word
ENGLISH = re.compile(
    r"\b(the|and|your|you|with|this|that|what|have|are|for|please|continue|back|step|"
    r"answers?|questions?|help|call|save|send|sent|result|summary|page|not|start|now|"
    r"next|change|of|to|in|or|yes|if|how|when|will|can|about|download)\b",
    re.IGNORECASE,
)


#: the page's text without the parts marked as written in another language
OWN_LANGUAGE_TEXT = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('[lang]').forEach((e) => { if (!e.lang.startsWith('es')) e.remove(); });
    copy.querySelectorAll('script, style, [hidden]').forEach((e) => e.remove());
    return copy.innerText || copy.textContent;
}"""


@pytest.fixture(scope="module")
def spanish(questionnaire):
    q = questionnaire
    return load_text(q.text, q.path, q.content_hash, "es", _).questionnaire


@pytest.fixture(scope="module")
def same_in_both():
    """Texts the file gives the same in English and Spanish (names such as Crisis Text
    Line, and instrument wording with no validated Spanish yet: README, Languages)."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if {"en", "es"} <= set(node) and str(node["en"]).strip() == str(node["es"]).strip():
                found.add(" ".join(str(node["en"]).split()))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    walk(data)
    practice = data["questionnaire"]["practice"]
    names = {practice["name"], practice["city"], practice["email"], "English", "KAP"}
    return sorted(found | names, key=len, reverse=True)


def english_words(text: str, exempt) -> list[str]:
    text = " ".join(text.split())
    for words in exempt:
        text = text.replace(words, " ")
    text = re.sub(r"\S+@\S+|\S+\.(?:org|com)\S*|KAP-\w{4}-\w{4}", " ", text)
    return sorted({m.group(0) for m in ENGLISH.finditer(text)})


def test_a_spanish_client_from_landing_to_sent_and_pdf_with_javascript_off(
    new_context, axe, spanish, same_in_both, personas, shot
):
    # the browser asks for Spanish first: the landing page answers in Spanish
    page = new_context(viewport=PHONE, java_script_enabled=False, locale="es-US").new_page()
    scanner = new_context(viewport=PHONE, locale="es-US").new_page()  # axe needs JavaScript
    problems: list[str] = []

    def check(name: str) -> None:
        lang = page.locator("html").get_attribute("lang")
        if not (lang or "").startswith("es"):
            problems.append(f"{name}: <html lang={lang!r}>")
        scanner.context.add_cookies(page.context.cookies())
        scanner.goto(page.url)
        problems.extend(axe.violations(scanner, name))
        # what is marked as another language (the link "Read this questionnaire in
        # English") is meant to be read in it; everything else must be Spanish
        shown = scanner.evaluate(OWN_LANGUAGE_TEXT)
        assert len(shown.split()) > 20, (name, shown)
        english = english_words(shown, same_in_both)
        if english:
            problems.append(f"{name}: English words {english}")
        width = scanner.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{name}: the page scrolls sideways ({width} px)")

    page.goto("/")
    check("landing")
    shot(page, "es-landing-375")
    answers = personas["P01"].answers
    walker = Walker(page, spanish, every_page=lambda p, page_id: check(page_id), say=_)
    walker.start()
    walker.answer_all(answers)
    check("check answers")
    assert walker.finish() == heading(page)
    check("result")
    shot(page, "es-result-375")
    click_and_wait(page, _("Send my summary to the practice"), role="link")
    check("send")
    click_and_wait(page, _("Send my summary"))  # nothing filled in: errors, in Spanish
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    check("send with errors")
    page.get_by_label(_("Your name")).fill("Dana Ejemplo")
    page.get_by_label(_("Email"), exact=True).check()
    page.get_by_label(_("Email address")).fill("dana@example.com")
    consent = _("I agree to share this summary and my contact details with %(practice)s")
    page.get_by_label(consent % {"practice": spanish.meta.practice["name"]}).check()
    click_and_wait(page, _("Send my summary"))
    expect(page.get_by_role("heading", level=1)).to_have_text(_("Summary sent"))
    reference = re.search(r"KAP-\w{4}-\w{4}", page.locator("main").inner_text()).group(0)
    check("sent")
    shot(page, "es-sent-375")

    link = page.get_by_role("link", name=_("Download your summary (PDF)"))
    with page.expect_download() as download:
        link.click()
    body = Path(download.value.path()).read_bytes()
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages]
    assert "Resumen del cuestionario" in pages[0]
    assert reference in pages[0]
    for n, text in enumerate(pages, 1):
        english = english_words(text, same_in_both)
        if english:
            problems.append(f"PDF page {n}: English words {english}")
    assert not problems, "\n".join(problems)
