"""Walk the questionnaire in a real browser, finding every field by what a person reads."""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pyotp
from playwright.sync_api import Page, expect

from screener.web.page_tokens import SUPPORT, resolve

CHOICE_TYPES = ("single", "yesno", "multiple")


def path_of(page: Page) -> str:
    return urlparse(page.url).path


#: the app under test; the live_server fixture sets it, so pages can be told apart
APP = None


def where(page: Page) -> str:
    """What the tab shows: a page id, "support", or the path itself (e.g. "/check").

    Question pages live at opaque per-draft addresses (screener.web.page_tokens); the draft
    id comes from the tab's own session cookie, read with the app's key as the app does.
    """
    path = path_of(page)
    if not path.startswith("/q/"):
        return path
    name = APP.config.get("SESSION_COOKIE_NAME", "session")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == name)
    draft = APP.session_interface.get_signing_serializer(APP).loads(cookie).get("draft", "")
    q = APP.extensions["screener"].questionnaire
    found = resolve(APP.config["SECRET_KEY"], draft, [*q.pages, SUPPORT], path[3:])
    return "support" if found == SUPPORT else (found or path)


def heading(page: Page) -> str:
    return " ".join(page.locator("h1").inner_text().split())


def option_label(question, value) -> str:
    for option in question.options:
        if str(option.value) == str(value):
            return option.label
    raise AssertionError(f"{question.id}: no option {value!r}")


def _same(words: str) -> str:
    return words


def shown_label(question, say=_same) -> str:
    """The label as a person reads it: an optional question says so."""
    return question.label + ("" if question.required else " " + say("(optional)"))


def field_for(page: Page, question, value=None, twins: int = 0, say=_same):
    """The control a person would use: a group by its legend, then the option by its label.

    `twins`: how many earlier questions on the page read exactly the same (a person tells
    them apart by position).
    """
    if question.type in CHOICE_TYPES:
        name = shown_label(question, say)
        group = page.get_by_role("group", name=name, exact=True).nth(twins)
        return group.get_by_label(option_label(question, value), exact=True)
    return page.get_by_label(shown_label(question, say), exact=True).nth(twins)


def fill_question(page: Page, question, value, twins: int = 0, say=_same) -> None:
    if question.type in ("single", "yesno"):
        field_for(page, question, value, twins, say).check()
    elif question.type == "multiple":
        for item in value:
            field_for(page, question, item, twins, say).check()
    else:
        field_for(page, question, twins=twins, say=say).fill(str(value))


def click_and_wait(page: Page, name: str, role: str = "button", exact: bool = True) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=exact).click()


class Walker:
    """One person's browser tab going through the questionnaire."""

    def __init__(self, page: Page, questionnaire, shot=None, every_page=None, say=None):
        self.page = page
        #: the interface's words in the tab's language (a catalog's gettext); default English
        self.say = say or (lambda words: words)
        self.q = questionnaire
        self.shot = shot
        self.every_page = every_page  # called on each question page before it is answered
        self.pages: list[str] = []
        self.steps: list[str] = []
        self.support_after: list[str] = []

    @property
    def here(self) -> str:
        return path_of(self.page)

    def start(self) -> Walker:
        self.page.goto("/")
        click_and_wait(self.page, self.say("Start now"))
        expect(self.page).to_have_url(re.compile(r"/q/[a-z2-7]{16}$"))
        assert where(self.page) == "age"
        return self

    def page_id(self) -> str:
        return where(self.page)

    def fill_page(self, answers: dict) -> None:
        labels = []
        for question in self.q.pages[self.page_id()].questions:
            if question.id in answers:
                fill_question(
                    self.page,
                    question,
                    answers[question.id],
                    twins=labels.count(question.label),
                    say=self.say,
                )
            labels.append(question.label)

    def answer_page(self, answers: dict) -> None:
        page_id = self.page_id()
        self.pages.append(page_id)
        self.steps.append(self.page.locator(".progress-text").inner_text())
        if self.every_page:
            self.every_page(self.page, page_id)
        self.fill_page(answers)
        click_and_wait(self.page, self.say("Continue"))
        assert self.page.locator(".error-summary").count() == 0, (
            page_id,
            self.page.locator(".error-summary").inner_text(),
        )

    def answer_all(self, answers: dict, until: str | None = None, limit: int = 60) -> Walker:
        """Answer each page asked, continuing past support pages, until check answers."""
        for _ in range(limit):
            if where(self.page) == "support":
                self.support_after.append(self.pages[-1])
                if self.every_page:
                    self.every_page(self.page, "support")
                click_and_wait(self.page, self.say("Continue the questionnaire"))
                continue
            if not self.here.startswith("/q/") or (until and where(self.page) == until):
                break
            self.answer_page(answers)
        return self

    def finish(self) -> str:
        expect(self.page).to_have_url(re.compile(r"/check$"))
        click_and_wait(self.page, self.say("See my result"))
        expect(self.page).to_have_url(re.compile(r"/result$"))
        return heading(self.page)


# -- staff sign-in: the password, then a real authenticator code computed with pyotp ------------
#: the authenticator secret of each account, as read off its enrolment page
SECRETS: dict[str, str] = {}
#: the time step of the last code each account used (a code works once)
_LAST_STEP: dict[str, int] = {}


def next_code(email: str) -> str:
    """A code the app accepts now: this step's, or the next one's when this one is used (never
    the previous one's: a 30 s boundary may pass before the app checks it); waits if both are
    used."""
    while True:
        current = int(time.time() // 30)
        for step in range(current, current + 2):
            if step > _LAST_STEP.get(email, -1):
                _LAST_STEP[email] = step
                return pyotp.TOTP(SECRETS[email]).at(step * 30)
        time.sleep(30 - time.time() % 30 + 0.05)


def second_step(page: Page, email: str, on_enrol=None) -> None:
    """After a right password: enrol an authenticator (the key shown as text) or enter a code.
    `on_enrol(page, stage)` is called on the enrolment page and on the recovery codes page."""
    if page.get_by_role("heading", level=1, name="Set up two-factor sign-in").count():
        SECRETS[email] = page.locator("#totp-key").inner_text().replace(" ", "")
        _LAST_STEP.pop(email, None)
        if on_enrol:
            on_enrol(page, "enrol")
        page.get_by_label("Code from your authenticator app").fill(next_code(email))
        click_and_wait(page, "Confirm and sign in")
        expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
        if on_enrol:
            on_enrol(page, "recovery codes")
        click_and_wait(page, "I have saved them: continue", role="link")
        return
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    page.get_by_label("Code from your authenticator app").fill(next_code(email))
    click_and_wait(page, "Sign in")


def sign_in(page: Page, email: str, password: str, on_enrol=None) -> None:
    page.goto("/staff/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    click_and_wait(page, "Sign in")
    second_step(page, email, on_enrol)
