"""Client journeys in headless Chromium, asserting what a person reads and can do."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import Walker, click_and_wait, field_for, heading, where

pytestmark = pytest.mark.browser

MOBILE = {"width": 375, "height": 812}


def test_p01_end_to_end_by_visible_labels_with_pdf(page, questionnaire, personas, shot):
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P01"].answers)
    assert walker.support_after == []
    assert walker.steps[0].startswith("Step 1 of ") and walker.steps[-1] == "Step 24 of 24"
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("venlafaxine XR 150 mg daily")).to_be_visible()
    shot(page, "check")
    assert walker.finish() == "A consultation looks like a good next step"
    expect(page.get_by_role("heading", name="Because you told us")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Screening scores, not a diagnosis")
    shot(page, "result")
    link = page.get_by_role("link", name="Download summary (PDF)")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_p08_support_page_follows_the_safety_page_and_support_comes_first(
    page, questionnaire, personas, shot, axe
):
    seen = []

    def note(p, page_id):
        if page_id == "support":
            seen.append(heading(p))
            call = p.get_by_role("link", name="Call 988").first
            expect(call).to_have_attribute("href", "tel:988")
            shot(p, "support")
            axe(p, f"support ({seen[-1]})")

    walker = Walker(page, questionnaire, every_page=note).start()
    walker.answer_all(personas["P08"].answers)
    # a support page at each new level: after the safety page, then after its follow-ups
    assert walker.support_after[-2:] == ["safety", "safety_thoughts"]
    assert seen[-1] == "Please reach out for support now"
    assert walker.finish() == "Please reach out for immediate support first"
    crisis = page.get_by_role("heading", name=re.compile("Please reach out now"))
    expect(crisis).to_be_visible()
    # the crisis lines come before the result's own heading
    assert crisis.bounding_box()["y"] < page.locator("h1").bounding_box()["y"]
    shot(page, "result")
    axe(page, "result (support first)")


def test_p12_under_18_is_asked_only_age_and_safety(page, questionnaire, personas, shot, axe):
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P12"].answers)
    assert walker.pages == ["age", "safety", "safety_now"]
    assert walker.support_after == ["safety"]
    assert walker.finish() == "KAP at our practice is for adults 18 and over"
    expect(page.get_by_role("heading", name="Support for young people")).to_be_visible()
    shot(page, "result")
    axe(page, "result (adults only)")


def test_validation_errors_take_focus_and_link_to_each_field(page, questionnaire, personas, shot):
    walker = Walker(page, questionnaire).start()
    click_and_wait(page, "Continue")  # the age page, empty
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    walker.answer_all(personas["P01"].answers, until="reasons")
    click_and_wait(page, "Continue")  # two required questions, both empty
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    shot(page, "errors")
    reasons = questionnaire.pages["reasons"].questions
    for index, question in enumerate(reasons):
        links.nth(index).click()
        first_option = field_for(page, question, question.options[0].value)
        expect(first_option).to_be_focused()
        message = page.locator(f"#{question.id}-error")
        expect(message).to_be_visible()
        expect(page.get_by_role("group", name=question.label)).to_have_attribute(
            "aria-describedby", re.compile(f"{question.id}-error")
        )
    assert where(page) == "reasons"


def _to_page(page, questionnaire, personas, page_id) -> Walker:
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P01"].answers, until=page_id)
    assert where(page) == page_id
    return walker


def test_same_page_reveal_with_javascript(page, questionnaire, personas, shot):
    _to_page(page, questionnaire, personas, "blood_pressure")
    q = questionnaire.questions
    follow_up = page.get_by_role("group", name=q["bp_treated"].label)
    field_for(page, q["bp_told_high"], "no").check()
    expect(follow_up).to_be_hidden()
    expect(page.get_by_text("Only answer this if you chose")).to_have_count(3)
    expect(page.get_by_text("Only answer this if you chose").first).to_be_hidden()
    yes = field_for(page, q["bp_reading_known"], "yes")
    yes.check()
    expect(page.get_by_label(q["bp_systolic"].label)).to_be_visible()
    expect(yes).to_have_attribute("aria-controls", "reveal-bp_systolic reveal-bp_diastolic")
    told = field_for(page, q["bp_told_high"], "yes")
    told.check()
    expect(follow_up).to_be_visible()
    shot(page, "revealed")
    field_for(page, q["bp_told_high"], "no").check()
    expect(follow_up).to_be_hidden()


def test_same_page_reveal_without_javascript(new_context, questionnaire, personas, shot):
    page = new_context(java_script_enabled=False).new_page()
    walker = _to_page(page, questionnaire, personas, "blood_pressure")
    q = questionnaire.questions
    expect(page.get_by_role("group", name=q["bp_treated"].label)).to_be_visible()
    hint = page.locator("#reveal-bp_treated").get_by_text(
        "Only answer this if you chose \u201cYes\u201d above."
    )
    expect(hint).to_be_visible()
    shot(page, "nojs")  # axe cannot run here; test_accessibility scans this layout
    # with high blood pressure, the follow-up is answered on the same page
    answers = dict(personas["P01"].answers, bp_told_high="yes", bp_treated="controlled")
    walker.answer_page(answers)
    assert where(page) == "heart", page.url
    page.go_back()
    page.reload()
    expect(field_for(page, q["bp_treated"], "controlled")).to_be_checked()
    # without it, the follow-up can be left empty
    walker.answer_page(personas["P01"].answers)
    assert where(page) == "heart", page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_safety_follow_ups_are_never_asked_after_no(
    new_context, questionnaire, personas, javascript
):
    """The method, intent and plan questions are a page of their own, shown only after Yes."""
    page = new_context(java_script_enabled=javascript).new_page()
    walker = _to_page(page, questionnaire, personas, "safety")
    q = questionnaire.questions
    for follow_up in ("si_method", "si_intent", "si_plan", "sb_recent"):
        expect(page.get_by_role("group", name=q[follow_up].label)).to_have_count(0)
    walker.answer_page(personas["P01"].answers)  # No to everything
    assert where(page) == "medicines_tried", page.url
    page.go_back()
    page.reload()
    walker.answer_page(dict(personas["P01"].answers, si_thoughts="yes"))
    walker.answer_all(dict(personas["P01"].answers, si_thoughts="yes"), until="safety_thoughts")
    assert where(page) == "safety_thoughts"
    expect(page.get_by_role("group", name=q["si_method"].label)).to_be_visible()


def test_save_and_resume_in_a_new_browser_context(new_context, questionnaire, personas, shot):
    page = new_context().new_page()
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P01"].answers, until="reasons")
    q = questionnaire.questions
    field_for(page, q["main_concerns"], "hopelessness").check()
    click_and_wait(page, "Save and finish later")
    expect(page.get_by_role("heading", level=1)).to_have_text("Save and finish later")
    click_and_wait(page, "Get my resume code")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
    code = page.locator("#resume-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code), code
    shot(page, "saved")
    page.goto("/save")  # shown once: asking again offers a new code, not the old one
    expect(page.get_by_text(code)).to_have_count(0)

    other = new_context().new_page()
    other.goto("/resume")
    other.get_by_label("Resume code").fill(code.lower().replace("-", " "))
    click_and_wait(other, "Continue")
    assert where(other) == "reasons"
    expect(field_for(other, q["main_concerns"], "hopelessness")).to_be_checked()
    expect(field_for(other, q["main_concerns"], "anxiety")).not_to_be_checked()
    expect(other.locator(".progress-text")).to_have_text(re.compile(r"^Step 3 of \d+$"))
    click_and_wait(other, "Back", role="link", exact=False)
    expect(field_for(other, q["in_colorado"], "yes")).to_be_checked()
    shot(other, "resumed")


def _focus_is_visible(page) -> bool:
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        // a radio or checkbox is drawn by its label (GOV.UK style): the ring is there
        const drawn = el.classList.contains('choice-input') && el.labels.length;
        const s = drawn ? getComputedStyle(el.labels[0], '::before') : getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        return outline || (s.boxShadow && s.boxShadow !== 'none');
    }""")


def test_keyboard_only_completes_a_page_with_visible_focus(page, questionnaire, personas, shot):
    walker = Walker(page, questionnaire).start()
    walker.answer_all(personas["P01"].answers, until="location")
    page.reload()  # focus starts at the top of the page, as after following a link
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        assert _focus_is_visible(page), page.evaluate("document.activeElement.outerHTML")
        focused.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        if page.evaluate("document.activeElement.name") == "in_colorado":
            break
    else:
        raise AssertionError(f"Tab never reached the first answer: {focused}")
    assert "Skip to main content" in focused[0]
    page.keyboard.press("Space")
    yes = field_for(page, questionnaire.questions["in_colorado"], "yes")
    expect(yes).to_be_checked()
    shot(page, "radio-focus")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue")).to_be_focused()
    assert _focus_is_visible(page)
    shot(page, "button-focus")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert where(page) == "reasons"


def _no_sideways_scroll(page, seen):
    width = page.evaluate("document.documentElement.scrollWidth")
    seen.append((where(page), width))
    assert width <= MOBILE["width"], f"{page.url} is {width}px wide at {MOBILE['width']}px"


def test_mobile_viewport_never_scrolls_sideways(new_context, questionnaire, personas, shot):
    page = new_context(viewport=MOBILE, is_mobile=True, has_touch=True).new_page()
    seen = []
    page.goto("/")
    _no_sideways_scroll(page, seen)
    walker = Walker(page, questionnaire, every_page=lambda p, _: _no_sideways_scroll(p, seen))
    walker.start()
    answers = dict(personas["P08"].answers)
    walker.answer_all(answers)
    _no_sideways_scroll(page, seen)  # check answers
    shot(page, "check")
    walker.finish()
    _no_sideways_scroll(page, seen)
    shot(page, "result")
    for url in ("/send", "/save", "/delete", "/privacy", "/help-now", "/resume", "/nope"):
        page.goto(url)
        _no_sideways_scroll(page, seen)
    page.goto("/send")
    click_and_wait(page, "Send my summary")  # with errors
    _no_sideways_scroll(page, seen)
    page.get_by_label("Your name").fill("Alex Example")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Email address").fill("alex@example.com")
    page.get_by_label(re.compile("^I agree to share")).check()
    click_and_wait(page, "Send my summary")
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary sent")
    _no_sideways_scroll(page, seen)
    shot(page, "sent")
    assert len({path for path, _ in seen}) >= 28, seen


@pytest.mark.parametrize(("who", "age"), [("adult", None), ("16-year-old", 16)])
def test_save_and_finish_later_on_the_safety_page_shows_support_first(
    page, questionnaire, personas, shot, axe, who, age
):
    answers = dict(personas["P08"].answers)  # active ideation with intent
    if age is not None:
        answers["age"] = age
    walker = Walker(page, questionnaire).start()
    walker.answer_all(answers, until="safety_thoughts")  # intent: asked after a Yes
    walker.fill_page(answers)
    click_and_wait(page, "Save and finish later")
    assert where(page) == "support", who
    assert heading(page) == "Please reach out for support now"
    expect(page.get_by_role("link", name="Call 988").first).to_have_attribute("href", "tel:988")
    shot(page, f"support-before-save-{who}")
    axe(page, f"support before save ({who})")
    click_and_wait(page, "Continue to save my answers")
    expect(page).to_have_url(re.compile(r"/save$"))
