"""What the server checks itself rather than trusting the browser: the send form's contact
method and consent, and exports only as a POST with CSRF (a link cannot export)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from screener.store import Submission
from tests.journey_helpers import Journey
from tests.staff_helpers import (
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
    submit_answers,
    text,
)

TYPED = {"name": "Mara Lindqvist-Osei", "time": "Thursday after four"}


def submissions(app) -> int:
    with app.extensions["screener"].sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(Submission))


@pytest.fixture
def ready(app, client, questionnaire, personas):
    """A client at the send form, every page answered."""
    journey = Journey(client, questionnaire)
    journey.run(personas["P01"].answers)
    return journey


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"method": "email", "email": "mara@example.org", "consent": "false"},
            "consent",
            "Tick the box to agree to share your summary, or go back",
        ),
        (
            {"method": "fax", "email": "mara@example.org", "phone": "303 555 0100", "consent": "y"},
            "method",
            "Select how we should contact you",
        ),
        (
            {"method": "email", "email": "   ", "phone": "303 555 0100", "consent": "y"},
            "email",
            "Enter your email address",
        ),
        (
            {"method": "phone", "email": "mara@example.org", "phone": " ", "consent": "y"},
            "phone",
            "Enter your phone number",
        ),
    ],
    ids=["consent-false", "unknown-method", "blank-email", "blank-phone"],
)
def test_send_refuses_what_the_form_would_not_allow(app, ready, fields, field, message):
    response = ready.post("/send", {**TYPED, **fields})
    assert response.status_code == 400
    assert submissions(app) == 0
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in text(html)
    # nothing typed is lost
    for value in (TYPED["name"], TYPED["time"]):
        assert f'value="{value}"' in html
    if fields["email"].strip():
        assert f'value="{fields["email"]}"' in html
    # ... and with the answer corrected it is sent, with a way to reach the client
    fixed = {"method": "email", "email": "mara@example.org", "consent": "y"}
    assert ready.post("/send", {**TYPED, **fixed}).headers["Location"].endswith("/sent")
    assert submissions(app) == 1


@pytest.fixture
def staff(app):
    make_therapist(app)
    client = app.test_client()
    login(client)
    return client


def test_a_get_of_the_export_exports_nothing(app, staff, personas):
    submit_answers(app, personas["P01"].answers)
    response = staff.get("/staff/export.csv?private=1&status=new")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/?status=new#export"
    assert "text/csv" not in response.headers["Content-Type"]
    assert audit_rows(app, "csv_export") == []
    page = text(staff.get(response.headers["Location"]).get_data(as_text=True))
    assert "use the Download CSV button below" in page


def test_the_export_is_a_post_with_csrf(app, staff, personas):
    submit_answers(app, personas["P01"].answers)
    refused = staff.post("/staff/export.csv", data={"private": "1"})
    assert refused.status_code == 400 and audit_rows(app, "csv_export") == []
    response = post(staff, "/staff/export.csv", {"private": "1", "status": "new"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "Dana Example" in response.get_data(as_text=True)
    (entry,) = audit_rows(app, "csv_export")
    assert entry.detail == "1 rows; status=new; with contact details and free text"
    html = staff.get("/staff/?status=new").get_data(as_text=True)
    form = html.split('<h2 id="export">', 1)[1].split("</form>", 1)[0]
    assert 'method="post"' in form and 'name="csrf_token"' in form
    assert '<input type="hidden" name="status" value="new">' in form
    assert '<button class="button button--secondary button--small" type="submit">' in form
