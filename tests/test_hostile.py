"""Hostile input: random form posts (hypothesis), injection payloads, access control, rate
limits and the request size cap.

`make test` runs a few hundred random examples; `make fuzz` sets SCREENER_FUZZ_EXAMPLES for
many more.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from screener.questionnaire import evaluate
from screener.store import Draft, Submission, drafts
from screener.web.limits import RESUME_LIMIT, START_LIMIT
from tests import staff_helpers
from tests.journey_helpers import Journey, csrf_token, draft_id, url
from tests.security_helpers import CONTACTS, make_app, rows, send_persona
from tests.staff_helpers import fast_hashing  # noqa: F401 - cheap argon2 for the sign-ins

FUZZ = int(os.environ.get("SCREENER_FUZZ_EXAMPLES") or 0)


def fuzz_settings(default: int):
    return settings(
        max_examples=FUZZ or default,
        deadline=None,
        database=None,
        # `make test` replays the same examples every run, so CI is repeatable;
        # `make fuzz` explores new ones each time.
        derandomize=not FUZZ,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# -- random form posts ----------------------------------------------------------------------
class Fuzzed:
    """One client with a half-answered draft, and what the draft held before each post."""

    def __init__(self, app, questionnaire, persona, pages=8):
        self.app, self.q = app, questionnaire
        self.client = app.test_client()
        journey = Journey(self.client, questionnaire)
        journey.start()
        for _ in range(pages):
            journey.answer_page(persona.answers)
        self.draft_id = draft_id(self.client)
        self.token = csrf_token(self.client.get("/").get_data(as_text=True))
        self.order = {page.id: n for n, page in enumerate(questionnaire.page_list)}

    def answers(self) -> dict:
        svc = self.app.extensions["screener"]
        with svc.sessionmaker() as session:
            draft = session.get(Draft, self.draft_id)
            assert draft is not None, "the draft disappeared"
            return drafts.read_state(svc.vault, draft).answers

    def check(self, before: dict, posted_page: str | None) -> None:
        after = self.answers()
        evaluation = evaluate(self.q, after)
        assert not evaluation.errors, evaluation.errors
        for qid, value in before.items():
            page = self.q.questions[qid].page_id
            if posted_page is None or self.order[page] < self.order.get(posted_page, -1):
                assert after.get(qid) == value, f"{qid} changed by a post to {posted_page}"


@pytest.fixture
def fuzzed(any_db_app, questionnaire, personas):
    """On SQLite and on PostgreSQL, which refuses what SQLite lets through (NUL, big ints)."""
    return Fuzzed(any_db_app, questionnaire, personas["P01"])


TEXT = st.text(max_size=40)
WEIRD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "0",
        "-1",
        "1e309",
        "NaN",
        "inf",
        "99999999999999999999",
        "١٢",
        "4\u200b2",
        "\ud7ff",
        "\u202eevil",
        "%00",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "../../etc/passwd",
        "yes",
        "no",
        "not_sure",
        "prefer_not",
        "none",
        "2024-02-30",
        "true",
    ]
)
HUGE = st.integers(min_value=1_000, max_value=400_000).map(lambda n: "x" * n)
#: integers far past any float (309+ digits overflow one), either sign
HUGE_INTEGERS = st.integers(min_value=10**15, max_value=10**400).flatmap(
    lambda n: st.sampled_from([str(n), f"-{n}"])
)
#: every Unicode decimal digit ("١٢", "०९"): int() reads them, a form must not
UNICODE_DIGITS = st.text(st.characters(categories=["Nd"]), min_size=1, max_size=4)
WITH_NUL = st.builds(lambda a, b: f"{a}\x00{b}", TEXT, TEXT)
FAR_DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-30", "1899-12-31", "3000-01-01"]),
)
VALUE = st.one_of(
    TEXT,
    WEIRD,
    HUGE,
    st.integers().map(str),
    HUGE_INTEGERS,
    UNICODE_DIGITS,
    WITH_NUL,
    FAR_DATES,
)
CSRF = st.sampled_from(["valid", "missing", "garbage"])


def _option_values(q, page_id):
    values = []
    for question in q.pages[page_id].questions:
        values += [str(o.value) for o in question.options]
    return values or ["x"]


@st.composite
def page_posts(draw, q):
    page_ids = [p.id for p in q.page_list]
    page_id = draw(st.one_of(st.sampled_from(page_ids), TEXT))
    known = page_id in q.pages
    names = [qq.id for qq in q.pages[page_id].questions] if known else []
    field = (
        st.one_of(st.sampled_from(names + ["save", "csrf_token", "change"]), TEXT)
        if names
        else st.one_of(st.sampled_from(["save", "csrf_token"]), TEXT)
    )
    value = st.one_of(VALUE, st.sampled_from(_option_values(q, page_id))) if known else VALUE
    data = draw(st.dictionaries(field, st.one_of(value, st.lists(value, max_size=4)), max_size=8))
    return page_id, data, draw(CSRF), draw(st.booleans())


def _post(client, url, data, csrf, token, **kw):
    payload = dict(data)
    if csrf == "valid":
        payload["csrf_token"] = token
    elif csrf == "garbage":
        payload["csrf_token"] = "garbage" + token[:10]
    else:
        payload.pop("csrf_token", None)
    return client.post(url, data=payload, **kw)


def test_random_page_posts_never_fail_or_corrupt_the_draft(fuzzed, questionnaire):
    seen = set()

    @fuzz_settings(200)
    @given(page_posts(questionnaire))
    def run(post):
        page_id, data, csrf, change = post
        before = fuzzed.answers()
        response = _post(
            fuzzed.client, _address(fuzzed.client, page_id, change), data, csrf, fuzzed.token
        )
        event(f"status {response.status_code}")
        seen.add(response.status_code)
        assert response.status_code < 500, response.get_data(as_text=True)[:500]
        assert response.status_code in (200, 302, 308, 400, 404, 413), response.status_code
        fuzzed.check(before, page_id if page_id in questionnaire.pages else None)
        if response.status_code in (400, 404, 413):
            assert fuzzed.answers() == before  # a rejected post changes nothing

    run()
    # the random posts reach the accepted, rejected and unknown-page paths alike
    assert {302, 400, 404} <= seen, seen


def _address(client, page, change=False) -> str:
    """A path as is; a page id (or "support") as the draft's own address; anything else as a
    made-up /q/ address."""
    if page.startswith("/"):
        return page
    if page in client.application.extensions["screener"].questionnaire.pages or page == "support":
        return url(client, page, **({"change": 1} if change else {}))
    return "/q/" + quote(page, safe="") + ("?change=1" if change else "")


OTHER = [
    "/",
    "/start",
    "support",
    "/check",
    "/result",
    "/send",
    "/sent",
    "/save",
    "/resume",
    "/delete",
    "/privacy",
    "/help-now",
    "/summary.pdf",
    "/staff/login",
]


@st.composite
def other_posts(draw):
    url = draw(st.sampled_from(OTHER))
    names = [
        "name",
        "method",
        "email",
        "phone",
        "time",
        "consent",
        "code",
        "save",
        "password",
        "csrf_token",
    ]
    data = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(names), TEXT),
            st.one_of(VALUE, st.lists(VALUE, max_size=3)),
            max_size=8,
        )
    )
    csrf = draw(CSRF)
    if url in ("/delete", "/start") and csrf == "valid":
        csrf = "garbage"  # a valid one would (rightly) end or replace this draft
    return url, data, csrf


def test_random_posts_to_every_other_page_never_fail(fuzzed):
    @fuzz_settings(100)
    @given(other_posts())
    def run(post):
        target, data, csrf = post
        before = fuzzed.answers()
        response = _post(fuzzed.client, _address(fuzzed.client, target), data, csrf, fuzzed.token)
        response.close()
        assert response.status_code < 500, (target, response.get_data(as_text=True)[:500])
        fuzzed.check(before, None)
        assert fuzzed.answers() == before

    run()


@st.composite
def raw_bodies(draw, q):
    page_ids = [p.id for p in q.page_list]
    url = draw(st.sampled_from(page_ids + OTHER))
    body = draw(st.binary(max_size=2000))
    kind = draw(
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "text/plain",
                "application/json",
                "application/x-www-form-urlencoded; charset=utf-16",
            ]
        )
    )
    return url, body, kind


def test_random_bytes_in_any_encoding_never_fail(fuzzed, questionnaire):
    @fuzz_settings(60)
    @given(raw_bodies(questionnaire))
    def run(post):
        target, body, kind = post
        before = fuzzed.answers()
        response = fuzzed.client.post(_address(fuzzed.client, target), data=body, content_type=kind)
        response.close()
        assert response.status_code < 500, (target, response.get_data(as_text=True)[:500])
        assert fuzzed.answers() == before

    run()


def test_posts_without_a_session_never_fail(client, questionnaire):
    @fuzz_settings(40)
    @given(page_posts(questionnaire))
    def run(post):
        page_id, data, _csrf, _change = post
        response = client.post("/q/" + quote(page_id, safe=""), data=data)
        assert response.status_code in (302, 308, 400, 404, 413), response.status_code

    run()


# -- the 5xx the probes found: numbers, NUL, far dates, huge ids (both databases) ------------
def test_numbers_take_only_ascii_digits_within_bounds(any_db_app, questionnaire):
    client = any_db_app.test_client()
    Journey(client, questionnaire).start()
    page = questionnaire.questions["age"].page_id
    token = csrf_token(client.get(url(client, page)).get_data(as_text=True))
    for typed in ("\u0661\u0662", "4\u0662", "\uff14\uff10", "9" * 309, "-" + "9" * 400, "1_2"):
        response = client.post(url(client, page), data={"csrf_token": token, "age": typed})
        body = response.get_data(as_text=True)
        assert response.status_code == 400, (typed[:12], response.status_code)
        assert "using the digits 0 to 9" in body or "Enter a number between" in body
        assert f'value="{typed}"' in body  # what was typed comes back to be corrected
    assert client.post(
        url(client, page), data={"csrf_token": token, "age": " 42 "}
    ).status_code in (302, 400)


@pytest.fixture
def staff_side(any_db_app, personas):
    """An admin signed in, one submission to assign, and a stranger at the sign-in page."""
    app = any_db_app
    email = f"admin-{os.urandom(4).hex()}@example.com"
    staff_helpers.make_therapist(app, email=email, admin=True)
    reference = staff_helpers.submit_answers(app, personas["P01"].answers)
    admin = app.test_client()
    assert staff_helpers.login(admin, email=email).status_code == 303
    return admin, app.test_client(), reference


STAFF_TEXT = st.one_of(VALUE, st.just(""))


def test_hostile_staff_input_never_fails(staff_side):
    admin, stranger, reference = staff_side
    detail = f"/staff/s/{reference}"

    @fuzz_settings(60)
    @given(st.sampled_from(["login", "queue", "audit", "assign"]), STAFF_TEXT, STAFF_TEXT)
    @example("login", "a\x00b@example.com", "a password of sorts")
    @example("queue", "9999-12-31", "9999-12-31")
    @example("queue", "0001-01-01", "")
    @example("audit", "\x00", "9999-12-31")
    @example("assign", "9" * 20, "")
    @example("assign", "9" * 400, "")
    @example("assign", "\u0661", "")
    def run(where, first, second):
        if where == "login":
            html = stranger.get("/staff/login").get_data(as_text=True)
            response = stranger.post(
                "/staff/login",
                data={"csrf_token": csrf_token(html), "email": first, "password": second},
            )
        elif where == "queue":
            response = admin.get(
                "/staff/", query_string={"from": first, "to": second, "page": first}
            )
        elif where == "audit":
            query = {"actor": first, "reference": first, "to": second, "page": second}
            response = admin.get("/staff/audit", query_string=query)
        else:
            response = staff_helpers.post(
                admin, f"{detail}/assign", {"therapist": first}, page=detail
            )
        response.close()
        assert response.status_code < 500, (where, first[:40], second[:40])

    run()


# -- injection ------------------------------------------------------------------------------
SCRIPT = "<script>alert('kap')</script>"
ATTR = '"><img src=x onerror=alert(2)>'
SQL = "Robert'); DROP TABLE submission;--"
MARKUP = "<b>bold</b> & <font color=red>red</font>"
TEMPLATE = "{{ config.SECRET_KEY }}"
FORMULA = '=HYPERLINK("http://evil.example","x")'
PAYLOAD = " ".join([SCRIPT, ATTR, SQL, MARKUP, TEMPLATE])


def _assert_escaped(html: str, where: str) -> None:
    for raw in (SCRIPT, "<img src=x", "<b>bold</b>", "<font color=red>"):
        assert raw not in html, f"{raw!r} unescaped on {where}"
    assert "test-secret-key" not in html, f"template evaluated on {where}"


def _free_text_ids(q):
    return [qq.id for qq in q.questions.values() if qq.type in ("text", "longtext")]


@pytest.fixture
def injected(app, questionnaire, personas):
    answers = dict(personas["P01"].answers)
    free = _free_text_ids(questionnaire)
    assert free, "the questionnaire has no free-text question"
    for qid in free:
        answers[qid] = f"{FORMULA} {PAYLOAD}"[: questionnaire.questions[qid].max_length or 2000]
    client = app.test_client()
    journey = Journey(client, questionnaire)
    journey.run(answers)
    return client, journey, answers


def test_payloads_in_free_text_are_escaped_in_every_page(app, injected, questionnaire):
    client, journey, answers = injected
    check = client.get("/check").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in check and "DROP TABLE submission" in check
    assert "{{ config.SECRET_KEY }}" in check  # shown as typed, not evaluated
    for path in ("/check", "/result", "/send", "/save", "/delete"):
        _assert_escaped(client.get(path).get_data(as_text=True), path)
    # the change link of a free-text page shows the typed value escaped inside the textarea
    for qid in _free_text_ids(questionnaire):
        page = questionnaire.questions[qid].page_id
        html = client.get(url(client, page)).get_data(as_text=True)
        _assert_escaped(html, page)
        assert "&lt;/textarea&gt;" in html or "</textarea>" not in SCRIPT
    response = journey.post(
        "/send",
        {
            "name": f"{SCRIPT[:60]} {SQL}"[:120],
            "method": "email",
            "email": "x@example.com",
            "consent": "y",
            "time": PAYLOAD[:200],
        },
    )
    assert response.status_code == 302
    _assert_escaped(client.get("/sent").get_data(as_text=True), "/sent")
    # the SQL-ish text is data: the tables are intact and it round-trips
    (sub,) = rows(app, Submission)
    sealer = app.extensions["screener"].vault.record(sub.key_enc)
    assert sealer.open(sub.contact_enc)["name"].endswith(SQL)
    assert PAYLOAD in sealer.open(sub.answers_enc)[_free_text_ids(questionnaire)[0]]


def test_payloads_in_a_page_with_errors_are_escaped(injected, questionnaire):
    client, _journey, _answers = injected
    page = questionnaire.questions["age"].page_id
    html = client.get(url(client, page)).get_data(as_text=True)
    response = client.post(url(client, page), data={"csrf_token": csrf_token(html), "age": PAYLOAD})
    assert response.status_code == 400
    _assert_escaped(response.get_data(as_text=True), "age with an error")


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    return re.sub(r"\s+", " ", text)


def test_payloads_in_the_pdf_are_text_not_markup(injected):
    if importlib.util.find_spec("screener.pdf") is None:
        pytest.skip("screener.pdf does not exist yet")
    client, _journey, _answers = injected
    response = client.get("/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    compact = text.replace(" ", "")
    for literal in (
        "<script>",
        "<b>bold</b>",
        "<fontcolor=red>",
        "DROPTABLEsubmission",
        "{{config.SECRET_KEY}}",
    ):
        assert literal in compact, f"{literal!r} lost from the PDF (markup interpreted?)"


def test_payloads_in_the_csv_export_are_neutralised(app, injected, questionnaire):
    if "/staff/export.csv" not in {r.rule for r in app.url_map.iter_rules()}:
        pytest.skip("/staff/export.csv does not exist yet")
    from tests import staff_helpers

    client, journey, _answers = injected
    journey.post(
        "/send",
        {
            "name": FORMULA,
            "method": "phone",
            "phone": "(303) 555 0142",
            "time": "@SUM(1+1)",
            "consent": "y",
        },
    )
    staff = app.test_client()
    staff_helpers.make_therapist(app, admin=True)
    staff_helpers.login(staff)
    response = staff_helpers.post(staff, "/staff/export.csv", {"private": "1"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, row = table[0], table[1]
    cell = dict(zip(header, row, strict=True))
    assert cell["contact_name"] == "'" + FORMULA
    assert cell["contact_time"] == "'@SUM(1+1)"
    free = [v for k, v in cell.items() if k.startswith("answer_")]
    assert free and all(v.startswith("'=") for v in free)
    for value in row:
        assert not value.startswith(("=", "+", "-", "@")), value


# -- access control ---------------------------------------------------------------------------
def test_one_clients_answers_never_reach_another_session(app, questionnaire, personas):
    alice, bob = app.test_client(), app.test_client()
    send_persona(alice, questionnaire, personas["P03"], CONTACTS["P03"])
    Journey(bob, questionnaire).run(personas["P01"].answers)
    alice_sub = rows(app, Submission)[0]
    alice_draft = next(d for d in rows(app, Draft) if d.submission_id == alice_sub.id)
    secrets = ("lithium", CONTACTS["P03"]["name"], alice_sub.reference)
    for path in ("/", "/check", "/result", "/send", "/save", "/delete", "/sent", "/summary.pdf"):
        response = bob.get(path)
        body = (
            response.get_data(as_text=True)
            if response.mimetype != "application/pdf"
            else _pdf_text(response.data)
        )
        for secret in secrets:
            assert secret not in body, f"{secret!r} reached Bob on {path}"
    # Alice's page addresses are not pages of Bob's draft
    assert bob.get(url(alice, "age")).status_code == 404
    # no route takes a draft id, a submission id or a reference from a client
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("client."):
            assert set(rule.arguments) <= {"token"}, rule.rule
    # a cookie naming Alice's draft, signed with any other key, is ignored
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer(
        "not-the-secret-key",
        salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": __import__("hashlib").sha1},
    )
    mallory = app.test_client()
    mallory.set_cookie("session", forged.dumps({"draft": alice_draft.id}))
    for path in ("/check", "/result", "/summary.pdf", "/sent"):
        response = mallory.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/resume"), (
            path
        )
    # a resume code guess does not reach it either
    html = mallory.get("/resume").get_data(as_text=True)
    response = mallory.post(
        "/resume", data={"csrf_token": csrf_token(html), "code": alice_sub.reference}
    )
    assert response.status_code == 400


def test_ids_references_and_codes_are_random_not_sequential(app, questionnaire, personas):
    for _ in range(3):
        send_persona(app.test_client(), questionnaire, personas["P01"], CONTACTS["P01"])
    ids = [d.id for d in rows(app, Draft)] + [s.id for s in rows(app, Submission)]
    assert all(len(i) >= 32 and not i.isdigit() for i in ids)
    assert len(set(ids)) == len(ids)
    references = [drafts.new_reference() for _ in range(300)]
    assert len(set(references)) == 300
    assert all(re.fullmatch(r"KAP-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", r) for r in references)
    assert references != sorted(references)
    for position in range(4, 13):  # every character position varies
        assert len({r[position] for r in references}) > 10 or references[0][position] == "-"
    codes = {drafts.issue_resume_code(Draft()) for _ in range(200)}
    assert len(codes) == 200 and all(len(drafts.normalise_code(c)) == 16 for c in codes)


def test_staff_routes_require_login(app, questionnaire, personas):
    staff_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff")]
    if not staff_rules:
        pytest.skip("no staff routes yet")
    send_persona(app.test_client(), questionnaire, personas["P01"], CONTACTS["P01"])
    reference = rows(app, Submission)[0].reference
    client = app.test_client()
    # the sign-in page, and the one-time set-password links (an unknown link is a 404)
    public = {"/staff/login", "/staff/set-password/<token>"}
    checked = 0
    for rule in staff_rules:
        if rule.rule in public:
            continue
        url = rule.rule.replace("<reference>", reference)
        url = re.sub(r"<[^>]+>", "1", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            html = client.get("/staff/login").get_data(as_text=True)
            data = (
                {"csrf_token": csrf_token(html), "status": "closed", "body": "x"}
                if method == "POST"
                else None
            )
            response = client.open(url, method=method, data=data)
            response.close()
            assert response.status_code in (302, 303, 401, 403), (method, url)
            if response.status_code in (302, 303):
                assert "/staff/login" in response.headers["Location"], (method, url)
            body = response.get_data(as_text=True)
            assert (
                CONTACTS["P01"]["name"] not in body
                and reference not in body.replace("%2F", "/").split("next=")[0]
            )
            checked += 1
    assert checked >= 3


# -- rate limits and the size cap ------------------------------------------------------------
@pytest.fixture
def limited(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    yield app
    app.extensions["screener"].engine.dispose()


def _friendly_429(response):
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too Many Requests" not in html and "Traceback" not in html
    assert re.search(r"wait about (a minute|\d+ (minutes|hours))", html), html[:2000]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_repeated_wrong_resume_codes_get_a_friendly_429(limited):
    allowed = int(RESUME_LIMIT.split()[0])
    client = limited.test_client()
    token = csrf_token(client.get("/resume").get_data(as_text=True))
    statuses = [
        client.post(
            "/resume", data={"csrf_token": token, "code": f"ABCD-EFGH-JKMN-{n:04d}"}
        ).status_code
        for n in range(allowed)
    ]
    assert statuses == [400] * allowed
    response = client.post("/resume", data={"csrf_token": token, "code": "ABCD-EFGH-JKMN-PQRS"})
    _friendly_429(response)
    assert 'value="ABCD-EFGH-JKMN-PQRS"' in response.get_data(as_text=True)  # kept as typed
    # another address is not affected
    other = limited.test_client()
    token = csrf_token(other.get("/resume").get_data(as_text=True))
    response = other.post(
        "/resume",
        data={"csrf_token": token, "code": "x"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 400


def test_real_use_is_not_limited_but_floods_are(limited, questionnaire, personas):
    # several people on one address: restarts, full journeys with changes, sends and PDFs
    for name in ("P01", "P03", "P07"):
        client = limited.test_client()
        journey = Journey(client, questionnaire)
        journey.run(personas[name].answers)
        for _ in range(3):
            journey.answer_page(personas[name].answers) if "/q/" in journey.location else None
        journey.post(
            "/send",
            {"name": "A Person", "method": "email", "email": "a@example.com", "consent": "y"},
        )
        if importlib.util.find_spec("screener.pdf"):
            for _ in range(2):
                assert client.get("/summary.pdf").status_code == 200
    # a flood of starts is stopped
    client = limited.test_client()

    def start():
        token = csrf_token(client.get("/").get_data(as_text=True))  # a start renews it
        return client.post("/start", data={"csrf_token": token})

    allowed = int(START_LIMIT.split()[0])
    statuses = [start().status_code for _ in range(allowed)]
    assert statuses == [302] * (allowed - 3) + [429] * 3  # the three journeys above used 3
    _friendly_429(start())


def test_a_flood_of_page_posts_is_stopped(limited, questionnaire):
    client = limited.test_client()
    journey = Journey(client, questionnaire)
    journey.start()
    token = csrf_token(client.get("/").get_data(as_text=True))
    statuses = [
        client.post(url(client, "age"), data={"csrf_token": token, "age": "x"}).status_code
        for _ in range(130)
    ]
    assert statuses[:100] == [400] * 100 and statuses[-1] == 429


def test_the_request_body_size_is_capped(app, client, questionnaire):
    journey = Journey(client, questionnaire)
    journey.start()
    html = client.get(url(client, "age")).get_data(as_text=True)
    big = "9" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(url(client, "age"), data={"csrf_token": csrf_token(html), "age": big})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "more than we can accept" in page and "988" in page
    for path in ("/resume", "/send", "/start", "/staff/login"):
        assert client.post(path, data={"x": big}).status_code == 413, path
    # the draft is intact
    assert client.get(url(client, "age")).status_code == 200
    with app.extensions["screener"].sessionmaker() as session:
        assert session.scalars(select(Draft)).one()


def test_a_made_up_page_address_with_non_ascii_text_is_not_found(fuzzed):
    """Found by the widened strategies: hmac.compare_digest raises on non-ASCII text."""
    token = csrf_token(fuzzed.client.get("/").get_data(as_text=True))
    for made_up in ("000000000000000\x80", "\u0661" * 16, "é" * 16):
        response = fuzzed.client.post("/q/" + quote(made_up, safe=""), data={"csrf_token": token})
        assert response.status_code == 404, made_up
