"""What the README promises about questions.yaml: the practice's own details come from it.

Crisis numbers on every page, the support page, the sent page and the PDF come from
`crisis_resources`; placeholder practice details are warned about (DEF045) and refused in
production; `check --drafts` counts the drafts in progress per version.
"""

from __future__ import annotations

import io
import re

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from pypdf import PdfReader

from screener.cli.questionnaire import check_command
from screener.questionnaire import check_file, evaluate, load_file
from screener.store import drafts
from tests.conftest import QUESTIONS
from tests.conftest_db import make_app
from tests.journey_helpers import Journey

#: the crisis lines of a practice in another state (made-up numbers)
ELSEWHERE = """  crisis_resources:
    - id: state_line
      name: {en: Cascadia Crisis Line, es: Línea de Crisis de Cascadia}
      how: {en: Call 1-800-777-0199 or text 77799, es: Llame al 1-800-777-0199 o escriba al 77799}
      tel: "18007770199"
      sms: "77799"
    - id: text_line
      name: {en: Cascadia Text Line, es: Línea de Texto de Cascadia}
      how: {en: Text TALK to 44321, es: Escriba HABLAR al 44321}
      sms: "44321"
    - id: emergency_112
      name: {en: Emergency, es: Emergencias}
      how: {en: Call 112, es: Llame al 112}
      tel: "112"
      emergency: true
"""
SHIPPED_NUMBERS = ("988", "911", "741741")


def elsewhere_file(tmp_path):
    text = QUESTIONS.read_text(encoding="utf-8")
    start = text.index("  crisis_resources:\n")
    end = text.index("  youth_resources:")
    end = text.rindex("\n", start, text.rindex("\n  #", start, end)) + 1
    path = tmp_path / "questions-elsewhere.yaml"
    path.write_text(text[:start] + ELSEWHERE + text[end:], encoding="utf-8")
    assert check_file(path, run_examples_too=False).ok
    return path


def part(html: str, tag: str) -> str:
    return re.search(rf"<{tag}\b.*?</{tag}>", html, re.S).group(0)


@pytest.fixture
def elsewhere(tmp_path):
    app = make_app(tmp_path, QUESTIONS=str(elsewhere_file(tmp_path)))
    yield app
    app.extensions["screener"].engine.dispose()


def test_header_and_footer_crisis_numbers_come_from_the_file(elsewhere):
    html = elsewhere.test_client().get("/").get_data(as_text=True)

    header, footer = part(html, "header"), part(html, "footer")

    assert "Need help now? Call 18007770199 or text 77799" in header
    assert 'href="tel:18007770199"' in footer and 'href="sms:44321"' in footer
    assert "Text TALK to 44321" in footer and 'href="tel:112"' in footer
    for number in SHIPPED_NUMBERS:
        assert number not in header + footer, number


def test_support_page_names_the_files_emergency_number(elsewhere, personas):
    questionnaire = elsewhere.extensions["screener"].questionnaire
    journey = Journey(elsewhere.test_client(), questionnaire)
    journey.start()
    while journey.where != "support":
        journey.answer_page(personas["P08"].answers)

    html = journey.client.get(journey.location).get_data(as_text=True)

    assert 'If you are in immediate danger, <a href="tel:112">call 112</a>.' in html
    assert "tel:911" not in html and "tel:988" not in html


def test_sent_page_and_pdf_give_the_files_numbers(elsewhere, personas):
    questionnaire = elsewhere.extensions["screener"].questionnaire
    journey = Journey(elsewhere.test_client(), questionnaire)
    journey.run(personas["P01"].answers)
    journey.send()

    main = part(journey.client.get("/sent").get_data(as_text=True), "main")
    pdf = journey.client.get("/summary.pdf").data

    assert 'href="tel:18007770199"' in main and 'href="tel:112"' in main
    for number in SHIPPED_NUMBERS:
        assert number not in main, number
    footer = questionnaire.meta.crisis_text
    assert footer == (
        "In crisis? Call 18007770199 or text 77799 \u00b7 Text TALK to 44321 \u00b7 "
        "Emergency: call 112"
    )
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert footer in " ".join(page.extract_text().split())


def test_the_shipped_files_crisis_line_is_unchanged(questionnaire):
    assert questionnaire.meta.crisis_text == (
        "In crisis? Call or text 988 \u00b7 Text HOME to 741741 \u00b7 Emergency: call 911"
    )


# -- placeholders ---------------------------------------------------------------------------
def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_check_warns_about_each_placeholder_practice_detail_with_its_line():
    text = QUESTIONS.read_text(encoding="utf-8")

    problems = [p for p in check_file(QUESTIONS).problems if p.code == "DEF045"]

    assert [(p.line, p.severity) for p in problems] == [
        (line_of(text, 'phone: "(303) 555-0142"'), "warning"),
        (line_of(text, "email: intake@example.org"), "warning"),
        (line_of(text, "booking_url: https://example.org/book"), "warning"),
    ]
    assert "555-0142" in problems[0].message


def test_real_practice_details_are_not_warned_about(tmp_path):
    text = (
        QUESTIONS.read_text(encoding="utf-8")
        .replace('"(303) 555-0142"', '"(303) 861-0142"')
        .replace("intake@example.org", "intake@denvermetrocounseling.test")
        .replace("https://example.org/book", "https://denvermetrocounseling.test/book")
    )
    path = tmp_path / "real.yaml"
    path.write_text(text, encoding="utf-8")

    assert not [p for p in check_file(path, run_examples_too=False).problems if p.code == "DEF045"]


def production(tmp_path, **extra):
    return {
        "ENV": "production",
        "SECRET_KEY": "s" * 40,
        "DATA_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **extra,
    }


def test_production_refuses_placeholder_practice_details(tmp_path, monkeypatch):
    from screener import create_app

    monkeypatch.delenv("SCREENER_ALLOW_PLACEHOLDER_CONTACTS", raising=False)
    with pytest.raises(SystemExit) as raised:
        create_app(production(tmp_path))
    message = str(raised.value)
    assert "placeholder practice details" in message and message.count("DEF045") == 3
    assert "SCREENER_ALLOW_PLACEHOLDER_CONTACTS=true" in message
    assert not (tmp_path / "prod.sqlite3").exists()


def test_production_starts_with_placeholders_when_explicitly_allowed(tmp_path, monkeypatch):
    from screener import create_app

    monkeypatch.setenv("SCREENER_ALLOW_PLACEHOLDER_CONTACTS", "true")
    app = create_app(production(tmp_path))
    try:
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        app.extensions["screener"].engine.dispose()


# -- drafts in progress per version ---------------------------------------------------------
def test_check_drafts_counts_drafts_in_progress_per_version(tmp_path, personas):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        QUESTIONS.read_text(encoding="utf-8").replace("minutes: 15", "minutes: 20", 1),
        encoding="utf-8",
    )
    old_app = make_app(tmp_path / "old", url)
    old = _start_drafts(old_app, 3, send=1)
    new_app = make_app(tmp_path / "new", url, QUESTIONS=str(changed))
    new = _start_drafts(new_app, 1)

    result = (
        Flask(__name__)
        .test_cli_runner()
        .invoke(check_command, [str(changed), "--drafts"], env={"SCREENER_DATABASE_URL": url})
    )

    lines = result.output.splitlines()
    start = lines.index("drafts in progress: 3, by the questionnaire version they were started on")
    assert re.fullmatch(rf"  {new[:12]}\s+1  this file", lines[start + 1]), lines
    assert re.fullmatch(
        rf"  {old[:12]}\s+2  live since \d{{4}}-\d\d-\d\d; they keep it until they are sent",
        lines[start + 2],
    ), lines
    assert result.exit_code == 0


def test_check_drafts_without_a_database_says_so(tmp_path):
    missing = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    result = (
        Flask(__name__)
        .test_cli_runner()
        .invoke(check_command, [str(QUESTIONS), "--drafts"], env={"SCREENER_DATABASE_URL": missing})
    )
    assert "drafts in progress: none (no database yet)" in result.output
    assert not (tmp_path / "none.sqlite3").exists()


def _start_drafts(app, count: int, send: int = 0) -> str:
    """`count` drafts on the app's questionnaire, `send` of them sent; returns its hash."""
    svc = app.extensions["screener"]
    q = svc.questionnaire
    answers = load_file(QUESTIONS).questionnaire.examples[0].answers
    with svc.sessionmaker.begin() as session:
        for i in range(count):
            draft = drafts.create_draft(session, svc.vault, q)
            if i < send:
                drafts.submit(session, svc.vault, draft, evaluate(q, answers), {"name": "x"})
    svc.engine.dispose()
    return q.content_hash


def test_gunicorn_refuses_placeholders_once_in_the_master(tmp_path):
    """Else every worker would exit at start and be restarted, forever."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCREENER_", "GUNICORN_"))}
    env.update(
        {f"SCREENER_{k}": v for k, v in production(tmp_path).items()},
        GUNICORN_BIND="127.0.0.1:0",
        GUNICORN_WORKERS="1",
    )
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    result = subprocess.run(
        gunicorn, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "placeholder practice details" in result.stderr
    assert "Booting worker" not in result.stderr and "Traceback" not in result.stderr
