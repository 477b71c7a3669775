"""axe-core (WCAG 2.0/2.1/2.2 A and AA) and our own checks on every client page type."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import Walker, click_and_wait, field_for, path_of

pytestmark = pytest.mark.browser


def test_every_client_page_along_a_whole_journey(new_context, axe, questionnaire, personas, shot):
    """Landing, every question page (radios, checkboxes, number, long text), a page with
    errors, a revealed follow-up, check answers, result, save, saved, send, sent, delete."""
    page = new_context().new_page()
    problems: list[str] = []

    def scan(name):
        problems.extend(axe.violations(page, name))

    page.goto("/")
    scan("landing")
    walker = Walker(page, questionnaire, every_page=lambda p, page_id: scan(f"q/{page_id}"))
    walker.start()
    click_and_wait(page, "Continue")
    expect(page.get_by_role("alert")).to_be_visible()
    scan("q/age with errors")
    answers = personas["P01"].answers
    walker.answer_all(answers, until="safety")
    click_and_wait(page, "Continue")
    scan("q/safety with errors")
    # the follow-ups are pages of their own: asked only after a Yes
    walker.answer_all(dict(answers, si_thoughts="yes", sb_ever="yes"), until="safety_thoughts")
    scan("q/safety_thoughts")
    click_and_wait(page, "Continue")
    scan("q/safety_thoughts with errors")
    walker.answer_all(
        dict(answers, si_method="no", si_intent="no", si_plan="no"), until="safety_past"
    )
    scan("q/safety_past")
    walker.answer_all(dict(answers, sb_recent="no", si_now="no"), until="medicines_tried")
    answers = dict(answers, si_thoughts="yes", sb_ever="yes", sb_recent="no", si_now="no")
    answers.update(si_method="no", si_intent="no", si_plan="no")
    walker.fill_page(dict(answers, med_trials_adequate=1, med_trials_not_helped=3))
    click_and_wait(page, "Continue")
    expect(page.get_by_role("alert")).to_contain_text("more than the number you took")
    scan("q/medicines_tried with a number error")
    walker.answer_all(answers, until="blood_pressure")
    field_for(page, questionnaire.questions["bp_told_high"], "yes").check()
    expect(page.locator("#reveal-bp_treated")).to_be_visible()
    scan("q/blood_pressure with a follow-up revealed")
    page.evaluate("""() => {  // as without JavaScript: every follow-up shown, with its hint
        document.documentElement.classList.remove('js');
        document.querySelectorAll('.reveal').forEach((r) => { r.hidden = false; });
    }""")
    expect(page.get_by_text("Only answer this if you chose").first).to_be_visible()
    scan("q/blood_pressure laid out as without JavaScript")
    field_for(page, questionnaire.questions["bp_told_high"], answers["bp_told_high"]).check()
    walker.answer_all(answers)
    # each input kind: number, radios, checkboxes, long text
    assert {"q/age", "q/location", "q/reasons", "q/current_medicines"} <= set(axe_pages())
    scan("check answers")
    walker.finish()
    scan("result")
    page.goto("/save")
    scan("save")
    click_and_wait(page, "Get my resume code")
    scan("saved (resume code)")
    page.goto("/send")
    scan("send")
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("Email address").fill("not an email")
    click_and_wait(page, "Send my summary")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_count(3)
    scan("send with errors")
    shot(page, "send-errors")
    page.get_by_label("Your name").fill("Dana Example")
    page.get_by_label("Email address").fill("dana@example.com")
    page.get_by_label(re.compile("^I agree to share")).check()
    click_and_wait(page, "Send my summary")
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary sent")
    scan("sent")
    page.goto("/result")
    scan("result after sending")
    page.goto("/delete")
    scan("delete")
    click_and_wait(page, "Delete my answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers have been deleted")
    scan("deleted")
    assert not problems, "\n\n".join(problems)


def axe_pages() -> list[str]:
    from tests.browser.conftest import AXE_LOG

    return AXE_LOG["pages"]


def test_pages_without_a_draft_and_error_pages(new_context, axe, shot):
    page = new_context().new_page()
    problems: list[str] = []

    def scan(name):
        problems.extend(axe.violations(page, name))

    for url, name in (("/privacy", "privacy"), ("/help-now", "help now"), ("/resume", "resume")):
        page.goto(url)
        scan(name)
    page.get_by_label("Resume code").fill("AAAA-BBBB-CCCC-DDDD")
    click_and_wait(page, "Continue")
    expect(page.get_by_role("alert")).to_contain_text("That code does not match")
    expect(page.get_by_role("alert")).to_be_focused()
    scan("resume with an error")
    page.goto("/q/age")  # no draft in this browser: sent to resume with a notice
    assert path_of(page) == "/resume"
    expect(page.get_by_role("status")).to_contain_text("could not find your answers")
    scan("resume with a notice")
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    scan("404")
    page.goto("/")
    page.context.clear_cookies()  # the form's token no longer matches a session
    click_and_wait(page, "Start now")
    expect(page.get_by_role("heading", level=1)).to_have_text("This page has expired")
    scan("expired form (400)")
    shot(page, "expired")
    assert not problems, "\n\n".join(problems)


def test_too_many_attempts_page(new_context, axe, live_server):
    """A refused post (wrong resume codes are limited; the limiter is on for this test only)
    shows the same page with what was typed and the wait in words."""
    from screener.web.limits import RESUME_LIMIT, limiter

    page = new_context().new_page()
    limiter.enabled = True
    limiter.reset()
    try:
        page.goto("/resume")
        for _ in range(int(RESUME_LIMIT.split()[0]) + 1):
            page.get_by_label("Resume code").fill("AAAA-BBBB-CCCC-DDDD")
            click_and_wait(page, "Continue")
            if page.get_by_text("paused for your security").count():
                break
        expect(page.get_by_text("paused for your security")).to_be_visible()
        expect(page.get_by_text("Please wait about")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text("Resume saved answers")
        expect(page.get_by_label("Resume code")).to_have_value("AAAA-BBBB-CCCC-DDDD")
        expect(page.get_by_text("Too Many Requests")).to_have_count(0)
        axe(page, "429")
    finally:
        limiter.reset()
        limiter.enabled = False


def test_staff_queue_detail_and_tombstone_pages(
    new_context, live_server, staff_account, personas, axe
):
    """The staff pages of issue 16 in their fuller states: a queue with a saved filter, a due
    follow-up and a client-deleted submission; a detail page with a follow-up date, a wrong
    step to correct and highlighted answers; the page a deleted submission leaves."""
    import datetime as dt

    from screener.store import Tombstone, utcnow
    from tests.staff_helpers import submit_answers

    app = live_server.app
    reference = submit_answers(app, personas["P10"].answers)
    with app.extensions["screener"].sessionmaker.begin() as session:
        now = utcnow()
        gone = "KAP-GONE-" + reference[-4:]
        session.add(
            Tombstone(
                reference=gone,
                urgency=2,
                queue_rank=3,
                received_at=now - dt.timedelta(hours=2),
                deleted_at=now,
                status="new",
            )
        )
    email, password = staff_account
    page = new_context().new_page()
    from tests.browser import flows

    flows.sign_in(page, email, password)  # the password, then the two-factor step
    page.goto(f"/staff/s/{reference}?view=unassigned")
    page.get_by_label("Put back at the top of the queue on").fill(utcnow().date().isoformat())
    click_and_wait(page, "Set follow-up")
    click_and_wait(page, "Tried to call — no answer")
    expect(page.get_by_role("button", name=re.compile("Correct it"))).to_be_visible()
    expect(page.locator(".answer--raised").first).to_be_visible()
    axe(page, "staff detail with a follow-up and a correction")
    page.goto("/staff/?view=unassigned")
    expect(page.get_by_role("heading", name="Deleted by their clients")).to_be_visible()
    axe(page, "staff queue with a tombstone and a saved filter")
    page.goto(f"/staff/s/{gone}")
    expect(page.get_by_role("heading", level=1)).to_have_text(gone)
    axe(page, "staff tombstone")


def test_the_scans_do_catch_problems(page, axe):
    """A guard against a harness that passes everything: break a page on purpose."""
    page.goto("/privacy")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<p id="faint">faint</p><input id="nameless" type="text" placeholder="Name">'
            + '<img src="data:," width="20" height="20"><h4>skipped</h4><p id="nameless">x</p>');
        document.getElementById('faint').style.color = '#bbb';  // CSP allows CSSOM styles
    }""")
    problems = "\n".join(axe.violations(page, "privacy, broken on purpose"))
    for expected in (
        "color-contrast",
        "image-alt",
        "uses a placeholder",
        "has no label",
        "heading skips a level",
        "duplicate ids: nameless",
    ):
        assert expected in problems, (expected, problems)


def test_call_back_request_at_375px_without_javascript(
    new_context, axe, questionnaire, personas, shot
):
    """From the support page: the call-back form, its errors and the confirmation, walked
    with JavaScript off. axe needs JavaScript, so a second tab with the same cookies and
    JavaScript on scans each page the first one reached."""
    mobile = {"width": 375, "height": 812}
    page = new_context(viewport=mobile, java_script_enabled=False).new_page()
    scanner = new_context(viewport=mobile).new_page()
    problems: list[str] = []

    def scan(name, then=None):
        scanner.context.add_cookies(page.context.cookies())
        scanner.goto(page.url)
        if then:
            then(scanner)
        problems.extend(axe.violations(scanner, name))
        width = scanner.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            problems.append(f"{name}: the page scrolls sideways at 375 px ({width} px)")

    answers = personas["P08"].answers
    walker = Walker(page, questionnaire).start()
    walker.answer_all(answers, until="safety_thoughts")
    walker.fill_page(answers)
    click_and_wait(page, "Continue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please reach out for support now")
    scan("support with the call-back offer")
    click_and_wait(page, "Ask the practice to call me", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask the practice to call you")
    scan("call me")
    page.get_by_label("Your first name (optional)").fill("Alex")
    click_and_wait(page, "Ask the practice to call me")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Enter your phone number")
    expect(alert.get_by_role("link")).to_have_count(2)
    expect(page.get_by_label("Your first name (optional)")).to_have_value("Alex")
    shot(page, "call-me-errors-375")
    scan("call me with errors", then=lambda p: click_and_wait(p, "Ask the practice to call me"))
    page.get_by_label("Phone number", exact=True).fill("(303) 555 0199")
    page.get_by_label("No, please don't").check()
    page.get_by_label(re.compile("^I agree to share my answers so far")).check()
    click_and_wait(page, "Ask the practice to call me")
    expect(page.get_by_role("heading", level=1)).to_have_text("The practice will call you")
    expect(page.get_by_text(re.compile(r"KAP-\w{4}-\w{4}"))).to_be_visible()
    shot(page, "call-requested-375")
    scan("call requested")
    click_and_wait(page, "Continue the questionnaire", role="link")
    assert path_of(page).startswith("/q/")
    assert not problems, "\n\n".join(problems)
