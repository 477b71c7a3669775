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


#: every control a finger can use; hidden ones (no box) are left out in the page
TARGETS_JS = """() => {
    const small = [];
    const els = document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, label[for]');
    for (const el of els) {
        const box = el.getBoundingClientRect();
        if (!box.width || !box.height || !el.getClientRects().length) continue;
        if (box.right < 0 || box.left > innerWidth) continue;  // the skip link, off screen
        if (el.tagName === 'LABEL') continue;  // measured through its input
        const style = getComputedStyle(el);
        // WCAG 2.5.8 "inline": a link inside a sentence, sized by the line of text
        if (el.tagName === 'A' && style.display === 'inline') {
            const block = el.closest('p, li, dd, td, div, span.resource-actions');
            const text = (block ? block.textContent : '').replace(/\\s+/g, ' ').trim();
            const own = el.textContent.replace(/\\s+/g, ' ').trim();
            if (text.length > own.length) continue;
        }
        if (box.width < 43.5 || box.height < 43.5) {
            const name = (el.textContent || el.value || el.name || el.id).trim().slice(0, 40);
            const size = `${Math.round(box.width)}x${Math.round(box.height)}`;
            small.push(`${el.tagName.toLowerCase()} "${name}" ${size}`);
        }
    }
    return small;
}"""


def measure(page, name: str, problems: list) -> None:
    """Tap targets at 375 px, then sideways scrolling at 320 px, on the page as it is."""
    problems.extend(f"{name}: {item}" for item in page.evaluate(TARGETS_JS))
    page.set_viewport_size({"width": 320, "height": 640})
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        problems.append(f"{name}: scrolls sideways at 320 px ({width} px wide)")
    page.set_viewport_size(PHONE)


def test_tap_targets_and_no_sideways_scrolling_on_every_client_page(
    new_context, questionnaire, personas
):
    """Every page type at 375 px on a touch screen: each control at least 44×44 px (links
    inside running text excepted, as WCAG 2.5.8), and nothing wider than a 320 px screen."""
    page = phone(new_context)
    problems: list[str] = []
    page.goto("/")
    measure(page, "landing", problems)
    answers = dict(personas["P01"].answers, si_thoughts="yes", sb_ever="yes", sb_recent="no")
    answers.update(si_method="no", si_intent="no", si_plan="no", si_now="no")
    walker = Walker(
        page, questionnaire, every_page=lambda p, page_id: measure(p, page_id, problems)
    )
    walker.start()
    click_and_wait(page, "Continue")
    measure(page, "age with errors", problems)
    walker.answer_all(answers)
    assert walker.support_after, "the walk reached no support page"
    measure(page, "check answers", problems)
    walker.finish()
    measure(page, "result", problems)
    for path, name in (("/save", "save"), ("/send", "send"), ("/call-me", "call me")):
        page.goto(path)
        measure(page, name, problems)
    page.goto("/save")
    click_and_wait(page, "Get my resume code")
    measure(page, "saved", problems)
    for path, name in (("/privacy", "privacy"), ("/help-now", "help now"), ("/delete", "delete")):
        page.goto(path)
        measure(page, name, problems)
    page.context.clear_cookies()
    page.goto("/resume")
    measure(page, "resume", problems)
    assert not problems, "\n".join(problems)


NEUTRAL = "https://www.weather.gov/"


def test_exit_this_page_with_javascript_blanks_the_page_and_leaves(new_context):
    context = new_context(viewport=PHONE, has_touch=True)
    page = context.new_page()
    page.goto("/privacy")
    context.route(NEUTRAL + "**", lambda route: route.fulfill(body="<title>Weather</title>"))
    # what the page looked like as it left, noted in this tab's sessionStorage (read back
    # on the app's own origin afterwards)
    page.evaluate("""() => new MutationObserver(() => {
        if (!document.querySelector('.exit-this-page-overlay')) return;
        sessionStorage.setItem('left', JSON.stringify({
            main: document.querySelector('main').hidden, title: document.title}));
    }).observe(document.body, {childList: true})""")
    with page.expect_navigation(url=NEUTRAL):
        page.get_by_role("button", name="Emergency Exit this page").click()
    page.goto("/privacy")
    left = page.evaluate("JSON.parse(sessionStorage.getItem('left'))")
    assert left == {"main": True, "title": "Exiting page"}, left
    # Shift three times does the same from any client page
    page.goto("/")
    with page.expect_navigation(url=NEUTRAL):
        for _ in range(3):
            page.keyboard.press("Shift")


def test_exit_this_page_without_javascript_is_a_link_to_a_neutral_site(new_context):
    context = new_context(viewport=PHONE, java_script_enabled=False)
    context.route(NEUTRAL + "**", lambda route: route.fulfill(body="<title>Weather</title>"))
    page = context.new_page()
    page.goto("/")
    exit_link = page.get_by_role("button", name="Emergency Exit this page")
    expect(exit_link).to_have_attribute("href", NEUTRAL)
    with page.expect_navigation(url=NEUTRAL):
        exit_link.click()


def test_none_of_these_unticks_the_others_and_back(new_context, questionnaire, personas):
    page = phone(new_context)
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P01"].answers, until="current_medicines")
    group = page.get_by_role("group", name=questionnaire.questions["med_classes"].label)
    stimulant = group.get_by_label("A stimulant", exact=True)
    none = group.get_by_label("None of these", exact=True)
    stimulant.check()
    none.check()
    expect(stimulant).not_to_be_checked()
    stimulant.check()
    expect(none).not_to_be_checked()
    # the option hints say which medicines each class means
    expect(group).to_contain_text("Adderall")


def test_resume_code_groups_stay_whole_and_can_be_copied(new_context, questionnaire, personas):
    page = phone(new_context)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    Walker(page, questionnaire).start()
    page.goto("/save")
    click_and_wait(page, "Get my resume code")
    page.set_viewport_size({"width": 320, "height": 640})
    code = page.locator("#resume-code")
    lines = code.evaluate("""(el) => {
        const range = document.createRange();
        const tops = new Map();
        for (const node of el.childNodes) {
            if (node.nodeType !== Node.TEXT_NODE) continue;
            range.selectNodeContents(node);
            const rects = [...range.getClientRects()];
            tops.set(node.textContent, rects.length);
        }
        return [...tops.values()];
    }""")
    assert lines and all(count == 1 for count in lines), lines  # no group split over lines
    page.get_by_role("button", name="Copy code").click()
    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == code.inner_text().strip()


def test_back_link_sits_in_a_landmark(new_context, axe_source, questionnaire, personas):
    """axe's best-practice "region" rule: all content in landmarks, the Back link too."""
    page = phone(new_context)
    Walker(page, questionnaire).start().answer_all(personas["P01"].answers, until="location")
    page.evaluate(axe_source)
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['region']})).violations"
    )
    assert result == [], result
    expect(page.get_by_role("navigation", name="Back").get_by_role("link")).to_have_text("Back")


def test_start_is_on_the_first_screen_of_a_phone(new_context):
    page = phone(new_context)
    page.goto("/")
    box = page.get_by_role("button", name="Start now").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box
