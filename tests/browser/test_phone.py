"""The client pages on a phone: tap targets, no sideways scrolling, screenshots at 375 px."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.flows import Walker, click_and_wait, where

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def phone(new_context, **kwargs):
    return new_context(viewport=PHONE, has_touch=True, is_mobile=True, **kwargs).new_page()


def test_screenshots_at_375(new_context, questionnaire, personas, shot):
    """Medicines, safety with errors, the result and the resume code, as a phone shows them.

    SCREENER_SHOTS=/dir/prefix also saves them there (the issue's before/after pictures).
    """
    page = phone(new_context)
    out = os.environ.get("SCREENER_SHOTS")

    def take(name):
        path = shot(page, name)
        if out:
            Path(f"{out}-{name}.png").write_bytes(path.read_bytes())

    answers = personas["P01"].answers
    walker = Walker(page, questionnaire).start()
    walker.answer_all(answers, until="safety")
    click_and_wait(page, "Continue")
    expect(page.get_by_role("alert")).to_be_visible()
    take("safety-errors")
    walker.answer_all(answers, until="current_medicines")
    assert where(page) == "current_medicines"
    take("medicines")
    walker.answer_all(answers)
    walker.finish()
    take("result")
    page.goto("/save")
    click_and_wait(page, "Get my resume code")
    take("resume-code")
