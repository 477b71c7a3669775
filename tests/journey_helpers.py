"""Walk the client journey through the Flask test client, as a person would."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from screener.web.page_tokens import SUPPORT, page_token, resolve

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
STEP = re.compile(r"Step (\d+) of (\d+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def h1(html: str) -> str:
    match = H1.search(html)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""


def resume_code(html: str) -> str:
    """The code on the "saved" page, as a person reads it (line breaks only after dashes)."""
    shown = html.split('id="resume-code">')[1].split("</strong>")[0]
    return re.sub(r"<[^>]+>", "", shown).strip()


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


def draft_id(client) -> str:
    with client.session_transaction() as session:
        return session.get("draft", "")


def url(client, page_id: str, **query) -> str:
    """The client's draft's opaque address of a page ("support": the support page)."""
    app = client.application
    target = SUPPORT if page_id == "support" else page_id
    path = "/q/" + page_token(app.config["SECRET_KEY"], draft_id(client), target)
    return path + ("?" + urlencode(query) if query else "")


def page_at(client, location: str) -> str:
    """What a location shows: a page id, "support", or the path itself (e.g. "/check")."""
    path = urlsplit(location).path
    if not path.startswith("/q/"):
        return path
    app = client.application
    q = app.extensions["screener"].questionnaire
    found = resolve(app.config["SECRET_KEY"], draft_id(client), [*q.pages, SUPPORT], path[3:])
    return "support" if found == SUPPORT else (found or path)


def form_values(question_ids, answers: dict) -> dict:
    """Answers as a browser posts them: option values as text, lists as repeated fields."""
    data = {}
    for qid in question_ids:
        if qid in answers:
            value = answers[qid]
            data[qid] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


class Journey:
    """One client's browser: start, answer each page, note support pages, finish."""

    def __init__(self, client, questionnaire):
        self.client = client
        self.q = questionnaire
        self.pages: list[str] = []
        self.steps: list[str] = []
        self.support_after: list[str] = []
        self.location = ""

    def post(self, url, data=None, **kw):
        """POST with the session's CSRF token (any page carries the same one)."""
        page = self.client.get("/")
        payload = {"csrf_token": csrf_token(page.get_data(as_text=True))}
        payload.update(data or {})
        return self.client.post(url, data=payload, **kw)

    def start(self):
        response = self.post("/start")
        self.location = response.headers["Location"]
        return response

    def answer_all(self, answers: dict, until: str | None = None, limit: int = 60):
        """Answer every page the journey asks, until check answers (or page `until`)."""
        for _ in range(limit):
            if "/q/" not in self.location or (until and self.where == until):
                break
            self.answer_page(answers)
            while self.where == "support":
                self.support_after.append(self.pages[-1])
                self.location = self.post(self.location).headers["Location"]
        return self

    @property
    def where(self) -> str:
        """The page id (or "support", or a path like "/check") the journey is on."""
        return page_at(self.client, self.location)

    def answer_page(self, answers: dict):
        page_id = self.where
        html = self.client.get(self.location).get_data(as_text=True)
        step = STEP.search(html)
        self.steps.append(step.group(0) if step else "")
        self.pages.append(page_id)
        ids = [question.id for question in self.q.pages[page_id].questions]
        data = {"csrf_token": csrf_token(html), **form_values(ids, answers)}
        response = self.client.post(self.location.split("#")[0], data=data)
        assert response.status_code == 302, (page_id, response.get_data(as_text=True)[:3000])
        self.location = response.headers["Location"]
        return response

    def finish(self):
        response = self.post("/check")
        assert response.headers["Location"].endswith("/result"), response.headers["Location"]
        return self.client.get("/result")

    def send(self, name="Test Client", email="client@example.com", **extra):
        data = {"name": name, "method": "email", "email": email, "consent": "y", **extra}
        return self.post("/send", data)

    def run(self, answers: dict):
        self.start()
        self.answer_all(answers)
        return self.finish()
