"""A therapist acknowledges an urgent submission in a real browser: the queue shows how long
it has waited, one button acknowledges it, and the admins' notifications page lists its
delivery; axe-core on the queue before and after, and on the notifications page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from screener.store import utcnow
from tests.browser import flows
from tests.browser.conftest import STAFF_PASSWORD
from tests.staff_helpers import submit_answers

pytestmark = pytest.mark.browser

ADMIN = "notify.admin@example.com"


def sign_in(page, email, password=STAFF_PASSWORD):
    flows.sign_in(page, email, password)  # the password, then the two-factor step


def test_a_therapist_acknowledges_an_urgent_submission(
    new_context, live_server, staff_account, personas, axe, shot
):
    app = live_server.app
    waited = utcnow() - dt.timedelta(minutes=47)
    reference = submit_answers(app, personas["P08"].answers, created_at=waited)
    email, password = staff_account
    page = new_context().new_page()
    sign_in(page, email, password)

    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Not yet: waiting 47 minutes")
    shot(page, "queue-waiting")
    axe(page, "staff queue with an unacknowledged urgent submission")
    with page.expect_navigation():
        row.get_by_role("button", name=f"Acknowledge {reference}").click()

    expect(page.get_by_role("status").first).to_contain_text(
        f"{reference} acknowledged. Its escalation is called off."
    )
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text(f"Yes, by {email}")
    expect(row).to_contain_text("after 47 minutes")
    expect(row.get_by_role("button")).to_have_count(0)
    shot(page, "queue-acknowledged")
    axe(page, "staff queue after an acknowledgement")

    live_server.cli(
        "create-therapist", ADMIN, "--admin", "--password-stdin", input=STAFF_PASSWORD + "\n"
    )
    admin = new_context().new_page()
    sign_in(admin, ADMIN)
    admin.get_by_role("link", name="Notifications", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Notifications")
    rows = admin.get_by_role("row").filter(has=admin.get_by_role("link", name=reference))
    expect(rows.filter(has_text=re.compile("Escalation"))).to_contain_text(
        "Not needed (acknowledged)"
    )
    shot(admin, "notifications")
    axe(admin, "staff notifications (admins)")
