"""Staff accounts in a real browser: an admin's first sign-in enrols an authenticator (codes from
pyotp, as an authenticator app makes them), then invites a therapist whose one-time link sets
a password and whose first sign-in enrols too; axe-core on every new page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.conftest import STAFF_PASSWORD
from tests.browser.flows import click_and_wait, path_of

pytestmark = pytest.mark.browser

ADMIN = "accounts.admin@example.com"
INVITED = "invited.therapist@example.com"
NEW_PASSWORD = "a password chosen from the link"


@pytest.fixture(scope="module")
def admin_account(live_server):
    live_server.cli(
        "create-therapist", ADMIN, "--admin", "--password-stdin", input=STAFF_PASSWORD + "\n"
    )
    return ADMIN


def test_enrolment_journey_and_every_account_page(new_context, admin_account, axe, shot):
    page = new_context().new_page()
    problems: list[str] = []

    def scan(name):
        problems.extend(axe.violations(page, name))

    # the first sign-in: the enrolment page, a wrong code, then a real one
    page.goto("/staff/login")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    click_and_wait(page, "Sign in")
    assert path_of(page) == "/staff/two-factor"
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name="QR code to add this account to an authenticator app")
    expect(qr).to_be_visible()
    assert page.evaluate("() => document.querySelector('.qr-code').naturalWidth") > 0
    expect(page.get_by_text("Development mode only")).to_be_visible()  # live server: development
    scan("enrol")
    shot(page, "enrol")
    page.goto("/staff/")  # nothing is reachable before the code
    assert path_of(page) == "/staff/login"
    page.goto("/staff/two-factor")
    page.get_by_label("Code from your authenticator app").fill("12345")
    click_and_wait(page, "Confirm and sign in")
    expect(page.get_by_role("alert")).to_be_focused()
    scan("enrol with an error")

    def at_enrolment(p, stage):
        if stage == "recovery codes":
            expect(p.locator(".recovery-codes li")).to_have_count(10)
            scan("recovery codes")

    flows.second_step(page, ADMIN, on_enrol=at_enrolment)
    expect(page.get_by_role("heading", level=1)).to_have_text("Submissions")

    # your account: sessions and password
    click_and_wait(page, "Your account", role="link")
    expect(page.get_by_role("cell", name="This device")).to_be_visible()
    scan("your account")
    click_and_wait(page, "Change your password", role="link")
    click_and_wait(page, "Change password")
    expect(page.get_by_role("alert")).to_be_focused()
    scan("change password with errors")

    # administration: invite, the link, the account page
    click_and_wait(page, "Accounts", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    scan("accounts list")
    click_and_wait(page, "Invite a therapist", role="link")
    scan("invite")
    click_and_wait(page, "Make the invitation link")
    expect(page.get_by_role("alert")).to_be_focused()
    scan("invite with errors")
    page.get_by_label("Full name").fill("Invited Therapist")
    page.get_by_label("Email address").fill(INVITED)
    click_and_wait(page, "Make the invitation link")
    link = page.get_by_label("One-time link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/staff/set-password/[\w-]{43}", link)
    scan("invitation link")
    page.goto("/staff/accounts")
    click_and_wait(page, INVITED, role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(INVITED)
    scan("account page")

    # the invited person: the link, a password, their own enrolment
    other = new_context().new_page()
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("Choose your password")
    problems.extend(axe.violations(other, "set password"))
    other.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    other.get_by_label("Confirm the new password").fill("something else")
    click_and_wait(other, "Set password")
    expect(other.get_by_role("alert")).to_be_focused()
    problems.extend(axe.violations(other, "set password with errors"))
    other.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    other.get_by_label("Confirm the new password").fill(NEW_PASSWORD)
    click_and_wait(other, "Set password")
    expect(other.get_by_text("Your password is set")).to_be_visible()
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("This link does not work")
    problems.extend(axe.violations(other, "used link"))
    flows.sign_in(other, INVITED, NEW_PASSWORD)
    expect(other.get_by_role("heading", level=1)).to_have_text("Submissions")

    # the second sign-in: the code page, and the recovery code page
    click_and_wait(other, "Sign out")
    other.get_by_label("Email address").fill(INVITED)
    other.get_by_label("Password").fill(NEW_PASSWORD)
    click_and_wait(other, "Sign in")
    expect(other.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    problems.extend(axe.violations(other, "sign-in code"))
    click_and_wait(other, "I cannot use my authenticator app: use a recovery code", role="link")
    problems.extend(axe.violations(other, "recovery code"))
    click_and_wait(other, "Sign in")
    expect(other.get_by_role("alert")).to_be_focused()
    problems.extend(axe.violations(other, "recovery code with an error"))
    click_and_wait(other, "Use a code from my authenticator app instead", role="link")
    flows.second_step(other, INVITED)
    expect(other.get_by_role("heading", level=1)).to_have_text("Submissions")

    # the list shows both accounts with two-factor set up and a last sign-in
    page.goto("/staff/accounts")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=INVITED))
    expect(row).to_contain_text("Set up")
    expect(row).not_to_contain_text("Never")
    assert not problems, "\n\n".join(problems)
