"""The content owner's staff pages: admins only, the live version and its diff, the flow
diagram as a safe SVG, and the preview, which writes nothing to the database."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output in a test

import pytest
from sqlalchemy import func, select

from screener.store import Base
from tests.conftest import QUESTIONS
from tests.journey_helpers import Journey, csrf_token, form_values
from tests.staff_helpers import fast_hashing, login, make_therapist  # noqa: F401

WALK_RE = re.compile(r'name="walk" value="([^"]+)"')
PAGE_RE = re.compile(r'data-preview-page="([^"]+)"')


@pytest.fixture
def admin(app, client):
    make_therapist(app, "admin@example.com", admin=True)
    assert login(client, "admin@example.com").status_code == 303
    return client


def row_counts(app) -> dict:
    with app.extensions["screener"].sessionmaker() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# -- who may see it ---------------------------------------------------------------------------
CONTENT_URLS = [
    "/staff/content/",
    "/staff/content/flow",
    "/staff/content/flow.svg",
    "/staff/content/preview",
    "/staff/content/preview/live/start?example=7",
]


@pytest.mark.parametrize("url", CONTENT_URLS)
def test_a_client_session_never_reaches_the_content_tools(app, client, questionnaire, url):
    journey = Journey(client, questionnaire)
    journey.start()  # a client with a draft in this session
    response = client.get(url)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    step = journey.post("/staff/content/preview/live/step", {"walk": "x"})
    assert step.status_code == 302 and "/staff/login" in step.headers["Location"]


@pytest.mark.parametrize("url", CONTENT_URLS)
def test_therapists_who_are_not_admins_get_403(app, client, url):
    make_therapist(app)
    login(client)
    assert client.get(url).status_code == 403


# -- version and diff -------------------------------------------------------------------------
def app_on(tmp_path, questions, name="shared.sqlite3"):
    from screener import create_app

    app = create_app(
        {
            "TESTING": True,
            "QUESTIONS": str(questions),
            "DATABASE_URL": f"sqlite:///{tmp_path / name}",
            "SECRET_KEY": "test-secret-key-that-is-long-enough",
            "DATA_KEY": "",
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    return app


def test_version_page_shows_the_live_hash_when_it_went_live_and_the_diff(tmp_path, questionnaire):
    edited = tmp_path / "questions.yaml"
    old = "    when: {not: {q: age, at_least: 18}}\n"
    edited.write_text(QUESTIONS.read_text().replace(old, old.replace("18", "30")))
    apps = [app_on(tmp_path, QUESTIONS), app_on(tmp_path, edited)]
    try:
        app = apps[1]
        make_therapist(app, "admin@example.com", admin=True)
        client = app.test_client()
        login(client, "admin@example.com")
        page = text_of(client.get("/staff/content/"))
        live = app.extensions["screener"].questionnaire
        assert live.content_hash in page and "Went live" in page
        assert f"<code>{questionnaire.version}</code>, live from" in page
        assert "outcome <code>adults_only</code> changed" in page
        assert "when: not (age is at least 18) → not (age is at least 30)" in page
        assert "outcome consult_explore_options → adults_only" in page  # P09, 18
        # back to the first file: it is live again, and the version before it is the edit
        apps.append(app_on(tmp_path, QUESTIONS))
        make_therapist(apps[2], "admin2@example.com", admin=True)
        again = apps[2].test_client()
        login(again, "admin2@example.com")
        page = text_of(again.get("/staff/content/"))
        assert f"<code>{live.version}</code>, live from" in page
        assert "not (age is at least 30) → not (age is at least 18)" in page
    finally:
        for each in apps:
            each.extensions["screener"].engine.dispose()


def test_restarting_on_the_same_version_keeps_when_it_went_live(tmp_path):
    from screener.store import live_versions

    first = app_on(tmp_path, QUESTIONS)
    second = app_on(tmp_path, QUESTIONS)
    try:
        with second.extensions["screener"].sessionmaker() as session:
            [row] = live_versions(session, 5)
        with first.extensions["screener"].sessionmaker() as session:
            assert [r.live_since for r in live_versions(session, 5)] == [row.live_since]
    finally:
        first.extensions["screener"].engine.dispose()
        second.extensions["screener"].engine.dispose()


# -- flow diagram -------------------------------------------------------------------------------
def test_flow_page_shows_the_svg_as_an_image_with_the_flow_in_words(admin, questionnaire):
    page = text_of(admin.get("/staff/content/flow"))
    assert '<img class="flow-image" src="/staff/content/flow.svg" alt="Flow diagram' in page
    assert "after page <code>safety_thoughts</code>, when its answers raises safety_urgent" in page
    assert (
        "<code>support_first</code> (Please reach out for immediate support first): if flag" in page
    )
    svg = admin.get("/staff/content/flow.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert svg.headers["X-Content-Type-Options"] == "nosniff"
    assert svg.headers["Cache-Control"] == "no-store"
    root = ET.fromstring(svg.data)  # noqa: S314 - our own output
    words = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert all(p.id in words for p in questionnaire.page_list)
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


# -- preview ------------------------------------------------------------------------------------
def walk_preview(client, q, example_index, source="live", limit=40, language=""):
    """Press Continue on every page with the prefilled answers; returns the pages seen."""
    example = q.examples[example_index] if example_index >= 0 else None
    url = f"/staff/content/preview/{source}/start?example={example_index}"
    response = client.get(url + (f"&language={language}" if language else ""))
    seen, panels, bodies = [], [], []
    for _ in range(limit):
        body = response.get_data(as_text=True)
        assert response.status_code == 200, body[:2000]
        page_id = PAGE_RE.search(body).group(1)
        seen.append(page_id)
        bodies.append(html.unescape(body))
        panels.append(html.unescape(body.split('class="engine-panel"', 1)[1]))
        if page_id == ":end":
            return seen, panels, bodies
        data = {
            "csrf_token": csrf_token(body),
            "walk": html.unescape(WALK_RE.search(body).group(1)),
        }
        if page_id != ":support":
            ids = [question.id for question in q.pages[page_id].questions]
            data.update(form_values(ids, example.answers if example else {}))
        response = client.post(f"/staff/content/preview/{source}/step", data=data)
    raise AssertionError(f"the preview did not end: {seen}")


def test_preview_of_p08_shows_support_after_the_safety_page_and_writes_nothing(
    app, admin, questionnaire, personas
):
    before = row_counts(app)
    index = questionnaire.examples.index(personas["P08"])
    seen, panels, bodies = walk_preview(admin, questionnaire, index)
    support = seen.index("safety_thoughts") + 1
    assert seen[support] == ":support"
    assert "Please reach out for support now" in bodies[support]  # the client's support page
    assert "safety_urgent" in panels[support] and "interrupt" in panels[support]
    assert "safety_urgent" not in panels[support - 1]  # raised by the follow-ups' answers
    assert "Please reach out for immediate support first" in bodies[-1]
    assert row_counts(app) == before  # no draft, no submission, no audit entry, nothing


@pytest.mark.parametrize("name", ["P01", "P07", "P08", "P12", "E4"])
def test_preview_walks_the_pages_a_client_with_these_answers_meets(
    app, admin, questionnaire, personas, name
):
    example = personas[name]
    journey = Journey(app.test_client(), questionnaire)
    journey.start()
    journey.answer_all(example.answers)
    expected = []
    for page_id in journey.pages:
        expected += [page_id] + [":support"] * journey.support_after.count(page_id)
    seen, _panels, _bodies = walk_preview(
        admin, questionnaire, questionnaire.examples.index(example)
    )
    assert seen == [*expected, ":end"]


def test_preview_pages_are_the_client_pages_prefilled(admin, questionnaire, personas):
    index = questionnaire.examples.index(personas["P01"])
    start = text_of(admin.get(f"/staff/content/preview/live/start?example={index}"))
    assert "How old are you?" in start and 'value="42"' in start
    assert "Save and finish later" not in start  # a preview cannot save
    assert "What the engine sees" in start and "Nothing you enter here is saved" in start


def test_blank_preview_checks_answers_like_the_client_page(admin, questionnaire):
    start = admin.get("/staff/content/preview/live/start").get_data(as_text=True)
    walk = html.unescape(WALK_RE.search(start).group(1))
    response = admin.post(
        "/staff/content/preview/live/step", data={"csrf_token": csrf_token(start), "walk": walk}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert 'data-preview-page="age"' in response.get_data(as_text=True)


def test_a_tampered_preview_step_starts_again_without_an_error(admin):
    start = admin.get("/staff/content/preview/live/start").get_data(as_text=True)
    response = admin.post(
        "/staff/content/preview/live/step",
        data={"csrf_token": csrf_token(start), "walk": "eyJub3QiOiJzaWduZWQifQ.tampered"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/preview")
    assert "Start the preview again" in admin.get("/staff/content/preview").get_data(as_text=True)


def upload(client, text: str | bytes, name="questions.yaml"):
    page = client.get("/staff/content/preview").get_data(as_text=True)
    raw = text.encode() if isinstance(text, str) else text
    return client.post(
        "/staff/content/preview/upload",
        data={"csrf_token": csrf_token(page), "questions": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def test_a_candidate_file_is_checked_previewed_and_never_made_live(app, admin, client):
    live = app.extensions["screener"].questionnaire
    before = row_counts(app)
    old = "              en: How old are you?\n"
    assert QUESTIONS.read_text().count(old) == 1
    candidate = QUESTIONS.read_text().replace(old, "              en: What is your age?\n")
    response = upload(admin, candidate)
    assert response.status_code == 303
    listing = text_of(admin.get("/staff/content/preview"))
    assert "Examples in the candidate file" in listing
    first = text_of(admin.get("/staff/content/preview/candidate/start?example=0"))
    assert "What is your age?" in first and "on the candidate version" in first
    assert "How old are you?" in text_of(admin.get("/staff/content/preview/live/start"))
    assert app.extensions["screener"].questionnaire is live
    after = row_counts(app)
    assert after["preview_file"] == before["preview_file"] + 1
    assert {k: v for k, v in after.items() if k != "preview_file"} == {
        k: v for k, v in before.items() if k != "preview_file"
    }  # not stored as a definition version: never live


def test_a_candidate_belongs_to_the_staff_session_that_uploaded_it(app, admin):
    upload(admin, QUESTIONS.read_text())
    make_therapist(app, "other@example.com", admin=True)
    other = app.test_client()
    login(other, "other@example.com")
    assert "Examples in the candidate file" not in text_of(other.get("/staff/content/preview"))
    response = other.get("/staff/content/preview/candidate/start?example=0")
    assert response.status_code == 303


def test_a_broken_candidate_is_refused_with_its_problems(app, admin):
    before = row_counts(app)
    response = upload(admin, QUESTIONS.read_text().replace("  minutes: 15\n", "  minutes: soon\n"))
    assert response.status_code == 400
    assert re.search(r"questions\.yaml:\d+:\d+: DEF004 ", text_of(response))
    assert "cannot be previewed" in text_of(response)
    assert row_counts(app) == before


def test_a_candidate_too_big_or_not_utf8_is_refused(app, admin):
    too_big = upload(admin, b"# " + b"x" * (241 * 1024))
    assert too_big.status_code == 400 and "larger than 240 KB" in text_of(too_big)
    binary = upload(admin, b"\xff\xfe not text")
    assert binary.status_code == 400 and "DEF001" in text_of(binary)
    assert row_counts(app)["preview_file"] == 0


def test_back_from_the_support_page_returns_to_the_page_that_raised_it(
    admin, questionnaire, personas
):
    seen, _panels, bodies = walk_preview(
        admin, questionnaire, questionnaire.examples.index(personas["P08"])
    )
    support = bodies[seen.index("safety") + 1]
    data = {
        "csrf_token": csrf_token(support),
        "walk": WALK_RE.search(support).group(1),
        "action": "back",
    }
    back = admin.post("/staff/content/preview/live/step", data=data).get_data(as_text=True)
    assert PAGE_RE.search(back).group(1) == "safety"


def test_the_preview_walks_the_spanish_texts_too(app, admin, questionnaire, personas):
    listing = admin.get("/staff/content/preview").get_data(as_text=True)
    index = questionnaire.examples.index(personas["P08"])
    assert f"start?example={index}&amp;language=es" in listing and ">In Spanish<" in listing
    seen, _panels, bodies = walk_preview(admin, questionnaire, index, language="es")
    english, _, _ = walk_preview(admin, questionnaire, index)
    assert seen == english  # the same pages, support page included
    assert "¿Cuántos años tiene?" in bodies[0] and "How old are you?" not in bodies[0]
    spanish = app.extensions["screener"].live("es")
    assert spanish.outcome("support_first").title in bodies[-1]
    assert questionnaire.outcome("support_first").title not in bodies[-1]
    again = bodies[-1].split("Walk this preview again", 1)[0]
    assert "language=es" in again
