"""A Spanish submission on the staff side: English questions and labels, the client's own
words marked as Spanish, the client's PDF in Spanish and an English rendering beside it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.staff_helpers import (  # noqa: F401  (fast_hashing is an autouse fixture)
    audit_rows,
    fast_hashing,
    login,
    make_therapist,
    submit_answers,
    text,
)

SPANISH_MEDICINES = "venlafaxina XR 150 mg al día; vitamina D"


@pytest.fixture
def staff(app, client):
    make_therapist(app)
    login(client)
    return client


@pytest.fixture
def spanish_reference(app, personas):
    answers = dict(personas["P01"].answers, med_list=SPANISH_MEDICINES)
    return submit_answers(app, answers, language="es")


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def test_the_detail_shows_the_language_and_english_questions_and_labels(staff, spanish_reference):
    html = staff.get(f"/staff/s/{spanish_reference}").get_data(as_text=True)
    page = text(html)
    assert "Language Spanish (answered in Spanish;" in page
    # the English question and the English label of the client's choice
    assert "Little interest or pleasure in doing things" in page
    assert "Poco interés o placer" not in page
    assert "Several days" in page and "Varios días" not in page
    # the client's own words, as written and marked as Spanish for screen readers
    note = "(the client's own words; answered in Spanish)"
    assert f'<span lang="es">{SPANISH_MEDICINES}</span> <span class="hint">{note}</span>' in html


def test_the_queue_says_which_submissions_were_answered_in_spanish(staff, app, personas):
    english = submit_answers(app, personas["P02"].answers)
    spanish = submit_answers(app, personas["P01"].answers, language="es")
    rows = staff.get("/staff/").get_data(as_text=True).split("<tr>")
    row = {ref: next(r for r in rows if ref in r) for ref in (english, spanish)}
    assert "Answered in Spanish" in row[spanish]
    assert "Answered in Spanish" not in row[english]


def test_an_english_submission_has_no_language_note_and_no_english_rendering(staff, app, personas):
    reference = submit_answers(app, personas["P01"].answers)
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "Language English" in page and "answered in" not in page
    assert "Download the summary in English" not in page


def test_the_clients_pdf_is_in_spanish_and_staff_can_download_it_in_english(
    staff, app, spanish_reference
):
    spanish = staff.get(f"/staff/s/{spanish_reference}/summary.pdf")
    assert spanish.headers["Content-Disposition"] == (
        f'attachment; filename="kap-prescreen-summary-{spanish_reference}.pdf"'
    )
    printed = pdf_text(spanish.data)
    assert "Poco interés o placer en hacer cosas" in printed
    assert "Little interest or pleasure" not in printed
    assert SPANISH_MEDICINES in printed

    detail = staff.get(f"/staff/s/{spanish_reference}").get_data(as_text=True)
    link = f"/staff/s/{spanish_reference}/summary.pdf?language=en"
    assert f'href="{link}"' in detail and "Download the summary in English (PDF)" in detail
    english = staff.get(link)
    assert english.headers["Content-Disposition"] == (
        f'attachment; filename="kap-prescreen-summary-{spanish_reference}-english.pdf"'
    )
    printed = pdf_text(english.data)
    assert "Little interest or pleasure in doing things" in printed
    assert "Poco interés" not in printed
    # both downloads are staff access to health data: both are logged
    assert [e.reference for e in audit_rows(app, "pdf_download")][-2:] == [spanish_reference] * 2


def test_the_clinician_brief_says_the_client_answered_in_spanish(
    staff, app, spanish_reference, personas
):
    # one line of facts, wrapped where its length (the time received) puts the break
    printed = " ".join(pdf_text(staff.get(f"/staff/s/{spanish_reference}/brief.pdf").data).split())
    assert "Answered in Spanish" in printed
    english = submit_answers(app, personas["P02"].answers)
    assert "Answered in" not in pdf_text(staff.get(f"/staff/s/{english}/brief.pdf").data)
