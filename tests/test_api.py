"""The read-only staff API: tokens made in the browser, every refusal, the endpoints, JSON
errors only, the OpenAPI document checked against real responses, fuzzed query strings."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from sqlalchemy import select, update

from screener.store import ApiToken, Therapist, api_tokens, utcnow
from tests.journey_helpers import csrf_token
from tests.staff_helpers import (
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    submit_answers,
    svc,
    text,
)
from tests.test_fhir import assert_valid

#: `make fuzz` sets this for many more, new examples each run (as in test_hostile.py)
FUZZ = int(os.environ.get("SCREENER_FUZZ_EXAMPLES") or 0)
TOKEN_RE = re.compile(r'id="new-token" type="text" readonly value="(kap_[A-Za-z0-9_-]+)"')


@pytest.fixture
def admin(app, client):
    make_therapist(app, email="admin@example.com", admin=True)
    login(client, email="admin@example.com")
    return client


def make_token(admin, app, email="therapist@example.com", name="OpenEMR import", days="90"):
    """Make a token as an admin does, in the browser; returns the token shown once."""
    with svc(app).sessionmaker() as session:
        therapist_id = session.scalars(select(Therapist.id).where(Therapist.email == email)).one()
    html = admin.get("/staff/api-tokens/").get_data(as_text=True)
    response = admin.post(
        "/staff/api-tokens/",
        data={
            "csrf_token": csrf_token(html),
            "therapist": str(therapist_id),
            "name": name,
            "days": days,
        },
    )
    assert response.status_code == 200
    return TOKEN_RE.search(response.get_data(as_text=True)).group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(app, admin):
    """(a token of therapist@example.com, a P01 submission's reference)."""
    make_therapist(app)
    token = make_token(admin, app)
    reference = submit_answers(app, {})
    return token, reference


def urls(reference: str) -> list[str]:
    return [
        "/api/v1/submissions",
        "/api/v1/submissions?status=new",
        f"/api/v1/submissions/{reference}",
        f"/api/v1/submissions/{reference}/fhir",
        f"/api/v1/submissions/{reference}/pdf",
    ]


# -- tokens: made by an admin, shown once, stored hashed ---------------------------------------
def test_an_admin_makes_a_token_that_is_shown_once_and_stored_hashed(app, admin, personas):
    make_therapist(app)
    token = make_token(admin, app)
    assert len(token) > 40
    page = admin.get("/staff/api-tokens/").get_data(as_text=True)
    assert token not in page
    assert "OpenEMR import" in page and "therapist@example.com" in page and "Never" in page
    with svc(app).sessionmaker() as session:
        row = session.scalars(select(ApiToken)).one()
        assert row.token_hash == api_tokens.token_hash(token) and token not in row.token_hash
        assert dt.timedelta(days=89) < row.expires_at - utcnow() <= dt.timedelta(days=90)
        assert row.created_by == "admin@example.com" and row.last_used_at is None
    entry = audit_rows(app, "api_token_created")[-1]
    assert entry.actor == "admin@example.com" and token not in entry.detail
    reference = submit_answers(app, personas["P01"].answers)
    assert (
        app.test_client().get(f"/api/v1/submissions/{reference}", headers=bearer(token)).status_code
        == 200
    )
    assert "Never" not in text(admin.get("/staff/api-tokens/").get_data(as_text=True))


def test_the_token_form_says_what_is_wrong_and_keeps_what_was_typed(app, admin):
    html = admin.get("/staff/api-tokens/").get_data(as_text=True)
    response = admin.post(
        "/staff/api-tokens/",
        data={"csrf_token": csrf_token(html), "therapist": "99", "name": "x" * 101, "days": "7"},
    )
    assert response.status_code == 400
    page = text(response.get_data(as_text=True))
    assert "Choose whose token it is from the list." in page
    assert "The name can be at most 100 characters." in page
    assert "Choose how long the token lasts from the list." in page
    assert "x" * 101 in response.get_data(as_text=True)
    with svc(app).sessionmaker() as session:
        assert session.scalars(select(ApiToken)).first() is None


def test_only_admins_manage_tokens(app, client):
    make_therapist(app)
    assert client.get("/staff/api-tokens/").status_code == 302  # to sign in
    login(client)
    assert client.get("/staff/api-tokens/").status_code == 403
    html = client.get("/staff/").get_data(as_text=True)
    response = client.post(
        "/staff/api-tokens/", data={"csrf_token": csrf_token(html), "therapist": "1", "name": "x"}
    )
    assert response.status_code == 403


# -- refusals: every endpoint, every way --------------------------------------------------------
def _refusals(app, admin):
    make_therapist(app)
    make_therapist(app, email="gone@example.com")
    revoked = make_token(admin, app, name="revoked")
    expired = make_token(admin, app, name="expired")
    deactivated = make_token(admin, app, email="gone@example.com", name="deactivated")
    html = admin.get("/staff/api-tokens/").get_data(as_text=True)
    with svc(app).sessionmaker.begin() as session:
        rows = {row.name: row for row in session.scalars(select(ApiToken))}
        revoked_id = rows["revoked"].id
        rows["expired"].expires_at = utcnow() - dt.timedelta(seconds=1)
        session.execute(
            update(Therapist).where(Therapist.email == "gone@example.com").values(active=False)
        )
    response = admin.post(
        f"/staff/api-tokens/{revoked_id}/revoke", data={"csrf_token": csrf_token(html)}
    )
    assert response.status_code == 303
    return {
        "anonymous": ({}, "unauthorized"),
        "not bearer": ({"Authorization": "Basic dXNlcjpwYXNz"}, "unauthorized"),
        "bad token": (bearer("kap_" + "A" * 43), "invalid_token"),
        "not ours": (bearer("something-else"), "invalid_token"),
        "revoked": (bearer(revoked), "invalid_token"),
        "expired": (bearer(expired), "invalid_token"),
        "deactivated therapist": (bearer(deactivated), "invalid_token"),
    }


def test_every_endpoint_refuses_without_a_good_token(app, admin, personas):
    cases = _refusals(app, admin)
    reference = submit_answers(app, personas["P01"].answers)
    client = app.test_client()
    before = len(audit_rows(app, "api_call"))
    for name, (headers, code) in cases.items():
        for url in urls(reference):
            response = client.get(url, headers=headers)
            assert response.status_code == 401, (name, url)
            assert response.is_json and response.json["error"] == code, (name, url)
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), (name, url)
            body = response.get_data(as_text=True)
            assert "Dana" not in body and "phq9" not in body and "%PDF" not in body
    assert len(audit_rows(app, "api_call")) == before
    refused = audit_rows(app, "api_refused")
    assert len(refused) == len(cases) * len(urls(reference))
    assert {e.detail.split(":")[0] for e in refused} == {"unauthorized", "invalid_token"}
    assert "gone@example.com" in text(admin.get("/staff/api-tokens/").get_data(as_text=True))


def test_the_reason_a_token_is_refused_is_named(app, admin):
    cases = _refusals(app, admin)
    client = app.test_client()
    messages = {
        name: client.get("/api/v1/submissions", headers=headers).json["message"]
        for name, (headers, _) in cases.items()
    }
    assert "(revoked token)" in messages["revoked"]
    assert "(expired token)" in messages["expired"]
    assert "(deactivated account)" in messages["deactivated therapist"]
    assert "(unknown token)" in messages["bad token"]


def test_plain_http_is_refused_in_production(app, api):
    token, reference = api
    app.config["ENV"] = "production"
    client = app.test_client()
    for url in urls(reference):
        plain = client.get(url, headers=bearer(token))
        assert plain.status_code == 403 and plain.json["error"] == "https_required", url
        secure = client.get(url, headers=bearer(token), base_url="https://localhost")
        assert secure.status_code == 200, url


# -- the endpoints ------------------------------------------------------------------------------
def test_list_is_metadata_only_with_filters_and_a_cursor(app, api, personas):
    token, first = api
    old = submit_answers(app, personas["P08"].answers, created_at=utcnow() - dt.timedelta(days=3))
    refs = [submit_answers(app, personas["P01"].answers) for _ in range(4)]
    client = app.test_client()
    body = client.get("/api/v1/submissions", headers=bearer(token)).json
    assert [row["reference"] for row in body["data"]] == [old, first, *refs]
    assert body["next_cursor"] is None
    row = body["data"][0]
    assert set(row) == {
        "reference",
        "received",
        "outcome",
        "urgency",
        "urgency_label",
        "status",
        "assignee",
    }
    assert row["urgency"] == 3 and row["outcome"] == "support_first" and row["assignee"] is None
    assert "Dana" not in json.dumps(body)
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/submissions", query_string=query, headers=bearer(token)).json
        seen += [row["reference"] for row in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [old, first, *refs]
    since = (utcnow() - dt.timedelta(days=1)).date().isoformat()
    recent = client.get(f"/api/v1/submissions?since={since}", headers=bearer(token)).json
    assert old not in [row["reference"] for row in recent["data"]]
    urgent = client.get("/api/v1/submissions?urgency=3", headers=bearer(token)).json
    assert [row["reference"] for row in urgent["data"]] == [old]
    closed = client.get("/api/v1/submissions?status=closed", headers=bearer(token)).json
    assert closed["data"] == []


def test_detail_fhir_and_pdf_for_a_token_holder(app, api, personas):
    token, _ = api
    reference = submit_answers(app, personas["P01"].answers)
    client = app.test_client()
    detail = client.get(f"/api/v1/submissions/{reference}", headers=bearer(token)).json
    assert detail["reference"] == reference and detail["contact"]["name"] == "Dana Example"
    assert {"id": "phq9", "label": "PHQ-9", "value": 17, "band": "moderately severe"} in (
        detail["scores"]
    )
    age = next(a for a in detail["answers"] if a["question"] == "age")
    assert age == {
        "section": "About you",
        "question": "age",
        "label": "How old are you?",
        "answer": "42",
    }
    fhir = client.get(f"/api/v1/submissions/{reference}/fhir", headers=bearer(token))
    assert fhir.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert_valid(fhir.json)
    assert fhir.json["entry"][0]["resource"]["id"] == reference
    pdf = client.get(f"/api/v1/submissions/{reference}/pdf", headers=bearer(token))
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Content-Type"] == "application/pdf"
    calls = audit_rows(app, "api_call")[-3:]
    assert [(e.actor, e.reference) for e in calls] == [("therapist@example.com", reference)] * 3
    assert calls[1].detail.startswith(f"GET /api/v1/submissions/{reference}/fhir (token #")
    missing = client.get("/api/v1/submissions/KAP-NONE-0000", headers=bearer(token))
    assert missing.status_code == 404 and missing.json["error"] == "not_found"


def test_errors_are_json_never_html(app, api):
    token, reference = api
    client = app.test_client()
    for method, url in (
        ("GET", "/api/v1/nothing-here"),
        ("GET", "/api/v1/submissions/%00"),
        ("GET", "/api/v1/submissions/" + "A" * 5000),
        ("POST", "/api/v1/submissions"),
        ("DELETE", f"/api/v1/submissions/{reference}"),
        ("GET", "/api/v1/submissions?since=yesterday"),
        ("GET", "/api/v1/submissions?limit=0"),
        ("GET", "/api/v1/submissions?cursor=%%%"),
    ):
        response = client.open(url, method=method, headers=bearer(token))
        assert response.status_code in (400, 404, 405), url
        assert response.is_json and set(response.json) == {"error", "message"}, url
        assert "<html" not in response.get_data(as_text=True).lower()


@pytest.fixture
def limited(app):
    """Rate limits on (in this process's memory) before the app's first request."""
    from screener.web.limits import limiter

    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.reset()
    yield app
    limiter.reset()
    app.config["RATELIMIT_ENABLED"] = False


def test_the_api_is_rate_limited_per_token_in_json(limited, api):
    from screener.web import api as api_module

    app = limited
    token, _ = api
    allowed = int(api_module.API_LIMIT.split()[0])
    client = app.test_client()
    statuses = [
        client.get("/api/v1/submissions?limit=1", headers=bearer(token)).status_code
        for _ in range(allowed + 1)
    ]
    assert statuses == [200] * allowed + [429]
    refused = client.get("/api/v1/submissions", headers=bearer(token))
    assert refused.json["error"] == "rate_limited" and int(refused.headers["Retry-After"]) > 0
    other = client.get("/api/v1/submissions", headers=bearer("kap_other"))
    assert other.status_code == 401  # a count of its own: another token is not held up
    # made-up tokens each have a count of their own; the address's count stops them
    per_address = int(api_module.API_ADDRESS_LIMIT.split()[0])
    guesses = [
        client.get("/api/v1/submissions", headers=bearer(f"kap_guess{n}")).status_code
        for n in range(per_address)
    ]
    assert set(guesses) == {401, 429} and guesses[-1] == 429
    assert guesses.index(429) <= per_address - len(statuses)  # the earlier calls counted too
    assert client.get("/api/v1/submissions", headers=bearer("kap_new")).status_code == 429


# -- OpenAPI: the document matches what the API really sends --------------------------------------
def openapi(document: dict) -> OpenAPI:
    """openapi-core reads application/json itself; FHIR's own JSON type is read the same way."""
    return OpenAPI.from_dict(
        document,
        config=Config(extra_media_type_deserializers={"application/fhir+json": json.loads}),
    )


def test_openapi_document_describes_the_real_responses(app, api, personas):
    token, _ = api
    reference = submit_answers(app, personas["P01"].answers)
    client = app.test_client()
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = openapi(document.json)
    responses = [
        client.get(url, headers=bearer(token))
        for url in [
            *urls(reference),
            "/api/v1/submissions?limit=1",
            "/api/v1/submissions?since=nonsense",
            "/api/v1/submissions/KAP-NONE-0000",
        ]
    ]
    responses.append(client.get("/api/v1/submissions"))
    statuses = set()
    for response in responses:
        request = WerkzeugOpenAPIRequest(response.request)
        spec.validate_response(request, WerkzeugOpenAPIResponse(response))
        statuses.add(response.status_code)
    assert statuses == {200, 400, 401, 404}


def test_a_response_that_breaks_the_document_is_caught(app, api):
    token, reference = api
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").json
    document["components"]["schemas"]["SubmissionSummary"]["properties"].pop("assignee")
    response = client.get("/api/v1/submissions", headers=bearer(token))
    with pytest.raises(Exception, match="[Ii]nvalid|[Vv]alidat"):
        openapi(document).validate_response(
            WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
        )


# -- fuzzed query strings: never a 500, always JSON -----------------------------------------------
QUERY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "2026-12-01", "9999-12-31T23:59-05:00", "0001-01-01T00:00+05:00", "3"]),
    st.from_regex(r"[A-Za-z0-9_-]{0,60}", fullmatch=True),
)


def test_fuzzed_query_parameters_never_fail(app, api):
    token, _ = api
    client = app.test_client()

    @settings(
        max_examples=FUZZ or 150,
        deadline=None,
        database=None,
        derandomize=not FUZZ,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.dictionaries(
            st.sampled_from(["since", "status", "urgency", "limit", "cursor", "other"]),
            QUERY_TEXT,
            max_size=5,
        )
    )
    @example({"since": "\x00", "cursor": "\x00"})
    @example({"cursor": "MjAyNi0xMi0wMXx4"})
    @example({"cursor": "bm90IGEgZGF0ZXx4"})
    @example({"limit": "99999999999999999999"})
    @example({"urgency": "\u0663"})
    def run(query):
        response = client.get("/api/v1/submissions", query_string=query, headers=bearer(token))
        assert response.status_code in (200, 400), (query, response.status_code)
        assert response.is_json
        if response.status_code == 400:
            assert response.json["error"] == "bad_request"

    run()


def test_fuzzed_references_never_fail(app, api):
    token, reference = api
    client = app.test_client()

    @settings(
        max_examples=FUZZ or 100,
        deadline=None,
        database=None,
        derandomize=not FUZZ,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.text(min_size=1, max_size=60), st.sampled_from(["", "/fhir", "/pdf", "/x"]))
    @example("KAP-\x00", "")
    @example("..", "/fhir")
    def run(text, tail):
        response = client.get(
            f"/api/v1/submissions/{quote(text, safe='')}{tail}", headers=bearer(token)
        )
        assert response.status_code in (200, 404), (text, tail, response.status_code)
        assert response.content_type.startswith(
            ("application/json", "application/fhir+json", "application/pdf")
        )

    run()


# -- the same on PostgreSQL ---------------------------------------------------------------------
def test_cursor_pages_and_hostile_queries_on_each_database(any_db_app, personas):
    """PostgreSQL compares timestamps and refuses NUL bytes: neither may break a page."""
    app = any_db_app
    email = f"pg-{id(app)}@example.com"
    make_therapist(app, email=email)
    with svc(app).sessionmaker.begin() as session:
        therapist_id = session.scalars(select(Therapist.id).where(Therapist.email == email)).one()
        token, _ = api_tokens.create(session, therapist_id, "sync", 30, "test")
    same_time = utcnow() - dt.timedelta(hours=1)
    mine = [submit_answers(app, personas["P01"].answers, created_at=same_time) for _ in range(3)]
    mine.append(submit_answers(app, personas["P08"].answers))
    client = app.test_client()
    seen, cursor = [], None
    while True:
        query = {
            "limit": "2",
            "since": same_time.isoformat(),
            **({"cursor": cursor} if cursor else {}),
        }
        page = client.get("/api/v1/submissions", query_string=query, headers=bearer(token))
        assert page.status_code == 200, page.json
        seen += [row["reference"] for row in page.json["data"]]
        cursor = page.json["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert [ref for ref in seen if ref in mine][-1] == mine[-1]
    assert set(mine) <= set(seen)
    for query in (
        {"since": "2026-12-01\x00"},
        {"status": "new\x00"},
        {"cursor": "MjAyNi0xMi0wMVQwMDowMDowMHwA"},  # "2026-12-01T00:00:00|\x00"
        {"urgency": "3\x00"},
    ):
        response = client.get("/api/v1/submissions", query_string=query, headers=bearer(token))
        assert response.status_code == 400 and response.json["error"] == "bad_request", query
    response = client.get("/api/v1/submissions/KAP-\x00", headers=bearer(token))
    assert response.status_code == 404 and response.is_json
