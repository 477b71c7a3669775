"""A therapist's morning in a real browser (issue 16): sign in, open "Mine", work through five
submissions with j, k and Enter (static/staff-keys.js; no inline script under the CSP), log a
call attempt and a booking; axe-core on the queue and the detail page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from screener.store import Submission, utcnow
from tests.browser import flows
from tests.browser.flows import click_and_wait
from tests.staff_helpers import PASSWORD, make_therapist, submit_answers

pytestmark = pytest.mark.browser
EMAIL = "morning@example.com"


def five_of_mine(app, personas) -> list[str]:
    """Five submissions assigned to EMAIL, in the order the queue must show them."""
    therapist_id = make_therapist(app, email=EMAIL, password=PASSWORD, enrolled=False)
    now = utcnow()
    names = ("P08", "P07", "P10", "P05", "P01")  # support first, urgent, past attempt, ...
    refs = [
        submit_answers(app, personas[name].answers, created_at=now - dt.timedelta(hours=i + 1))
        for i, name in enumerate(names)
    ]
    with app.extensions["screener"].sessionmaker.begin() as session:
        for sub in session.query(Submission).filter(Submission.reference.in_(refs)):
            sub.assigned_to_id = therapist_id
    return refs


def on_detail(page, reference):
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    assert re.search(rf"/staff/s/{reference}\?view=mine$", page.url), page.url


def test_a_morning_of_five_with_the_keyboard(new_context, live_server, personas, axe, shot):
    refs = five_of_mine(live_server.app, personas)
    page = new_context().new_page()
    flows.sign_in(page, EMAIL, PASSWORD)  # the password, then the two-factor step
    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions")
    page.get_by_role("navigation", name="Saved filters").get_by_role("link", name="Mine").click()
    page.wait_for_url(re.compile(r"view=mine"))
    queue = page.locator("table.queue")
    links = queue.locator("tbody th[scope=row] a")
    expect(links).to_have_text(refs)  # the order rule: support first ... routine
    expect(page.locator("#order-rule")).to_contain_text("safety history (a past attempt)")
    shot(page, "morning queue")
    axe(page, "staff queue, saved filter Mine")

    page.keyboard.press("j")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(links.nth(1)).to_be_focused()
    expect(queue.locator("tbody tr").nth(1)).to_have_class(re.compile("row--current"))
    page.keyboard.press("k")
    expect(links.nth(0)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    on_detail(page, refs[0])
    axe(page, "staff detail, support first")

    for reference in refs[1:]:  # j: the next one in the queue's order, through all five
        with page.expect_navigation():
            page.keyboard.press("j")
        on_detail(page, reference)
    expect(page.get_by_text("Last in the queue")).to_be_visible()
    with page.expect_navigation():
        page.keyboard.press("k")
    on_detail(page, refs[3])

    # no answer: one action, stamped with the time
    click_and_wait(page, "Tried to call — no answer")
    expect(page.get_by_role("status")).to_contain_text("Recorded: tried to call, no answer, at")
    expect(page.locator("#status + p")).to_have_text("Current status: Tried to call — no answer")
    axe(page, "staff detail after a call attempt")

    with page.expect_navigation():
        page.keyboard.press("j")
    on_detail(page, refs[4])
    click_and_wait(page, "Called — consultation booked")
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded: called, and the consultation is booked."
    )
    history = page.get_by_role("table", name="Status history")
    expect(history).to_contain_text("New → Consultation booked")
    shot(page, "morning detail booked")

    page.get_by_role("link", name="Back to the queue").click()
    page.wait_for_url(re.compile(r"/staff/\?view=mine$"))
    rows = page.locator("table.queue tbody tr")
    attempt = re.compile(r"Tried to call — no answer\s*at \d{2} \w{3} \d{4}, \d{2}:\d{2}")
    expect(rows.nth(3).locator(".col-status")).to_contain_text(attempt)
    expect(rows.nth(4).locator(".col-status")).to_have_text("Consultation booked")
    axe(page, "staff queue after the morning")
