"""The therapists' side in a real browser: sign in, the urgent submission first, a note, a
status change; axe-core on the sign-in page, the queue and the detail page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from screener.store import utcnow
from tests.browser.flows import click_and_wait, path_of, second_step
from tests.staff_helpers import submit_answers

pytestmark = pytest.mark.browser


def test_staff_sign_in_urgent_first_note_and_status(
    new_context, live_server, staff_account, personas, axe, shot
):
    app = live_server.app
    now = utcnow()
    routine = submit_answers(app, personas["P01"].answers, created_at=now - dt.timedelta(days=2))
    urgent = submit_answers(app, personas["P08"].answers, created_at=now - dt.timedelta(hours=3))
    email, password = staff_account
    page = new_context().new_page()

    page.goto("/staff/")
    assert path_of(page) == "/staff/login"
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign in")
    axe(page, "staff sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("not the password")
    click_and_wait(page, "Sign in")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert")).to_be_focused()
    axe(page, "staff sign in with an error")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    click_and_wait(page, "Sign in")
    second_step(page, email)  # enrols an authenticator at the first sign-in

    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions")
    shot(page, "queue")
    axe(page, "staff queue")
    rows = page.get_by_role("table").get_by_role("row")
    first = rows.nth(1)  # row 0 is the header
    expect(first.get_by_role("link")).to_have_text(urgent)
    expect(first).to_contain_text("Urgent")
    expect(page.get_by_role("link", name=routine)).to_be_visible()
    with page.expect_navigation():
        first.get_by_role("link", name=urgent).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(urgent)
    expect(page.locator(".caption")).to_contain_text("Support first")
    axe(page, "staff submission detail")
    click_and_wait(page, "Add note")  # empty: explained next to the field
    expect(page.get_by_text("Enter the note before you add it.")).to_be_visible()
    axe(page, "staff detail with a note error")
    page.get_by_label("Add a note").fill("Called back within the hour; safety plan agreed.")
    click_and_wait(page, "Add note")
    expect(page.get_by_role("status")).to_contain_text("Note added.")
    notes = page.locator("#notes + ul")
    expect(notes).to_contain_text("Called back within the hour; safety plan agreed.")
    expect(notes).to_contain_text(email)

    page.get_by_label("Move to").select_option(label="In review")
    click_and_wait(page, "Change status")
    expect(page.get_by_role("status")).to_contain_text("Status changed to \u201cIn review\u201d.")
    expect(page.locator("#status + p")).to_have_text("Current status: In review")
    history = page.get_by_role("table", name="Status history")
    expect(
        history.get_by_role("row", name=re.compile("New \u2192 In review " + re.escape(email)))
    ).to_have_count(1)
    shot(page, "detail")
    axe(page, "staff detail after a note and a status change")

    page.get_by_role("link", name="Queue", exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=urgent))
    expect(row).to_contain_text("In review")

    # the export is a form that posts (with its CSRF token); a link to it exports nothing
    page.get_by_label("Also include contact details and free-text answers").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert re.fullmatch(r"kap-submissions-\d{8}-\d{4}\.csv", download.value.suggested_filename)
    assert "Dana Example" in download.value.path().read_text(encoding="utf-8-sig")
    page.goto("/staff/export.csv?private=1")
    assert path_of(page) == "/staff/"
    expect(page.locator(".notice")).to_contain_text("use the Download CSV button below")
    axe(page, "staff queue after a link to the export")
