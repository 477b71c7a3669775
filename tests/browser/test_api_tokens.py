"""An admin makes an API token in the browser, it is shown once and works, then is revoked;
axe-core on the token page empty, with errors, with the new token and after revoking."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import flows
from tests.browser.flows import click_and_wait
from tests.staff_helpers import submit_answers

pytestmark = pytest.mark.browser

ADMIN = "tokens-admin@example.com"
PASSWORD = "an admin's long passphrase"


def call(context, path: str, token: str) -> tuple[int, dict]:
    """A records system's call: its own context, no cookies, only the token."""
    response = context.request.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status, response.json()


def test_an_admin_makes_uses_and_revokes_a_token(new_context, live_server, personas, axe, shot):
    live_server.cli("create-therapist", ADMIN, "--admin", "--password-stdin", input=PASSWORD + "\n")
    reference = submit_answers(live_server.app, personas["P01"].answers)
    page = new_context().new_page()
    flows.sign_in(page, ADMIN, PASSWORD)  # the password, then the two-factor step
    with page.expect_navigation():
        page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    axe(page, "API tokens, none yet")

    click_and_wait(page, "Make the token")  # nothing chosen: each field says what is missing
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(
        page.get_by_text("Give the token a name, such as the tool that will use it.")
    ).to_have_count(2)
    axe(page, "API tokens with errors")

    page.get_by_label("Whose token").select_option(label=ADMIN)
    page.get_by_label("Name").fill("Records sync")
    page.get_by_label("Lasts for").select_option(label="30 days")
    click_and_wait(page, "Make the token")
    expect(page.get_by_role("heading", name="Copy the token now")).to_be_visible()
    token = page.get_by_label("Token \u201cRecords sync\u201d for " + ADMIN).input_value()
    shot(page, "new token")
    axe(page, "API tokens, a new token shown once")

    system = new_context()
    status, body = call(system, f"/api/v1/submissions/{reference}", token)
    assert status == 200 and body["reference"] == reference

    page.goto("/staff/api-tokens/")
    assert token not in page.content()
    row = page.get_by_role("row").filter(has_text="Records sync")
    expect(row).to_contain_text("Active")
    with page.expect_navigation():
        row.get_by_role("button", name="Revoke the token Records sync").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(page.get_by_role("row").filter(has_text="Records sync")).to_contain_text("Revoked")
    axe(page, "API tokens after revoking")

    status, body = call(system, f"/api/v1/submissions/{reference}", token)
    assert status == 401 and body["error"] == "invalid_token"
