"""The content owner's staff tools in a real browser: the P08 preview reaches the support
page straight after the safety page with the safety flag in the side panel, writes nothing,
and every page (version, flow, preview list, question, support, end) passes axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from screener.store import Base
from tests.browser import flows
from tests.browser.conftest import STAFF_PASSWORD
from tests.browser.flows import click_and_wait

pytestmark = pytest.mark.browser

ADMIN = "content.owner@example.com"


@pytest.fixture(scope="module")
def admin_account(live_server):
    live_server.cli(
        "create-therapist", ADMIN, "--admin", "--password-stdin", input=STAFF_PASSWORD + "\n"
    )
    return ADMIN


def row_counts(app) -> dict:
    with app.extensions["screener"].sessionmaker() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def sign_in(page, email):
    flows.sign_in(page, email, STAFF_PASSWORD)


def preview_page(page) -> str:
    return page.locator("main").get_attribute("data-preview-page")


def test_p08_preview_shows_support_after_the_safety_page(
    new_context, live_server, admin_account, axe, shot
):
    page = new_context().new_page()
    sign_in(page, admin_account)
    click_and_wait(page, "Questionnaire", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Questionnaire")
    axe(page, "questionnaire: live version")
    click_and_wait(page, "Flow diagram", role="link")
    expect(page.get_by_role("img", name="Flow diagram of the questionnaire")).to_be_visible()
    assert page.evaluate("() => document.querySelector('.flow-image').naturalWidth") > 0
    shot(page, "flow")
    axe(page, "questionnaire: flow diagram")
    click_and_wait(page, "Preview", role="link")
    axe(page, "questionnaire: preview list")

    before = row_counts(live_server.app)
    click_and_wait(
        page,
        "Preview P08 Alex, 27 (active suicidal ideation with intent) (live)",
        role="link",
        exact=False,
    )
    expect(page.get_by_role("region", name="Preview")).to_contain_text("P08 Alex, 27")
    axe(page, "preview: first question page")
    seen = []
    for _ in range(40):
        seen.append(preview_page(page))
        if seen[-1] == ":support" and seen[-2] == "safety_thoughts":
            break
        if seen[-1] == ":support":
            click_and_wait(page, "Continue the questionnaire")
        else:
            click_and_wait(page, "Continue")
    # support after the safety page (thoughts), then at the new level after its follow-ups
    assert seen[-2:] == ["safety_thoughts", ":support"], seen
    assert seen[seen.index("safety") + 1] == ":support", seen
    expect(page.get_by_role("heading", level=1)).to_have_text("Please reach out for support now")
    panel = page.get_by_role("complementary", name="What the engine sees")
    expect(panel).to_contain_text("safety_urgent")
    expect(panel).to_contain_text("interrupt")
    expect(panel.locator(".engine-outcome")).to_contain_text("support_first")
    shot(page, "support")
    axe(page, "preview: support page with the engine panel")

    click_and_wait(page, "Back")  # back to the follow-ups, still prefilled
    assert preview_page(page) == "safety_thoughts"
    page.set_viewport_size({"width": 375, "height": 800})
    shot(page, "safety page at 375px")
    axe(page, "preview: safety page at 375 px")
    page.set_viewport_size({"width": 1024, "height": 800})
    for _ in range(40):
        if preview_page(page) == ":end":
            break
        name = "Continue the questionnaire" if preview_page(page) == ":support" else "Continue"
        click_and_wait(page, name)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Please reach out for immediate support first"
    )
    axe(page, "preview: end")
    assert row_counts(live_server.app) == before  # no draft, no submission, no audit entry
