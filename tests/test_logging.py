"""Structured request logs: id, route, method, status, duration; never personal data."""

from __future__ import annotations

import json
import logging
import re

import pytest

from screener.web.logs import REDACTED, JsonFormatter, RedactFormValues
from tests.journey_helpers import Journey, csrf_token, resume_code
from tests.security_helpers import CONTACTS, send_persona, with_unique_free_text

JOURNEYS = ("P01", "P03", "P07", "P10")


def _lines(caplog) -> list[str]:
    """Every captured record as the JSON handler writes it (message, fields, traceback)."""
    formatter = JsonFormatter()
    return [formatter.format(record) for record in caplog.records]


def test_whole_journeys_leave_no_personal_data_in_the_logs(app, questionnaire, personas, caplog):
    caplog.set_level(logging.DEBUG)
    needles, codes = [], []
    for name in JOURNEYS:
        answers = with_unique_free_text(personas[name], name)
        client = app.test_client()
        send_persona(client, questionnaire, personas[name], CONTACTS[name], answers)
        needles += [v for k, v in CONTACTS[name].items() if k != "method" and v]
        needles += [answers[k] for k in answers if answers[k] != personas[name].answers[k]]
    # save for later and resume elsewhere, with a wrong code first
    client = app.test_client()
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_page(personas["P01"].answers)
    html = journey.post("/save").get_data(as_text=True)
    code = resume_code(html)
    codes.append(code)
    other = app.test_client()
    token = csrf_token(other.get("/resume").get_data(as_text=True))
    other.post("/resume", data={"csrf_token": token, "code": "WRONG-CODE-2345-6789"})
    assert other.post("/resume", data={"csrf_token": token, "code": code}).status_code == 302
    lines = _lines(caplog)
    assert len(lines) > 100
    text = "\n".join(lines)
    assert needles and len(needles) >= 10
    for needle in needles + codes + [c.replace("-", "") for c in codes] + ["WRONG-CODE"]:
        assert needle not in text, f"{needle!r} is in the logs"
    for number in ("42", "900 mg"):  # an age and a dose as they would appear in form data
        assert f"age={number}" not in text and f"'{number}'" not in text


def test_each_request_logs_id_route_method_status_and_duration(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/q/age?change=1&secret=hunter2")
    requests = [r for r in caplog.records if r.name == "screener.request"]
    assert len(requests) == 1
    record = requests[0]
    assert record.request_id == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", record.request_id)
    assert record.route == "/q/<token>"  # the rule: neither the page nor the query string
    assert record.method == "GET" and record.status == 302
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    line = json.loads(JsonFormatter().format(record))
    assert {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "route",
        "method",
        "status",
        "duration_ms",
    } <= set(line)
    assert "hunter2" not in json.dumps(line) and "change=1" not in json.dumps(line)


def test_unmatched_addresses_are_logged_without_the_path(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/dana.quill@example.org/secret-path")
    (record,) = [r for r in caplog.records if r.name == "screener.request"]
    assert record.route == "<unmatched>" and record.status == 404
    assert "dana" not in JsonFormatter().format(record)


def test_request_ids_are_unique_and_a_proxy_id_is_kept_only_if_safe(client):
    ids = {client.get("/").headers["X-Request-Id"] for _ in range(20)}
    assert len(ids) == 20
    kept = client.get("/", headers={"X-Request-Id": "lb-1234abcd"})
    assert kept.headers["X-Request-Id"] == "lb-1234abcd"
    for bad in ("bad id; forged=line", "x" * 200, "short", "<script>"):
        replaced = client.get("/", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-Id"]), bad


def test_the_filter_redacts_form_values_from_any_log_line(app, caplog):
    caplog.set_level(logging.INFO)
    with app.test_request_context(
        "/send", method="POST", data={"name": "Dana Quillfeather", "code": "7K3M-9QXD-2345"}
    ):
        app.logger.info("oops %s sent %s", "Dana Quillfeather", "7K3M-9QXD-2345")
        try:
            raise ValueError("bad value Dana Quillfeather")
        except ValueError:
            app.logger.exception("failed for 7K3M-9QXD-2345")
    text = "\n".join(_lines(caplog))
    assert "Quillfeather" not in text and "7K3M" not in text
    assert text.count(REDACTED) >= 3
    assert "ValueError" in text  # the traceback itself is kept


def test_the_filter_redacts_values_escaped_in_an_error_message(app, caplog):
    """A NUL (or any control character) is written as \\x00 in a repr or a driver's error."""
    caplog.set_level(logging.INFO)
    typed = "dana\x00quill@example.org"
    with app.test_request_context("/staff/login", method="POST", data={"email": typed}):
        app.logger.error("query failed: parameters %r", {"email": typed})
        app.logger.error("as escaped text: %s", typed.encode("unicode_escape").decode())
    text = "\n".join(_lines(caplog))
    assert "quill@example" not in text and "dana" not in text
    assert text.count(REDACTED) == 2


def test_the_filter_is_harmless_outside_requests():
    record = logging.LogRecord("screener", logging.INFO, __file__, 1, "plain %s", ("x",), None)
    assert RedactFormValues().filter(record) and record.getMessage() == "plain x"


def test_server_errors_are_logged_with_their_request_id_but_no_form_values(tmp_path, caplog):
    from tests.security_helpers import make_app

    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)

    def boom():
        from flask import request

        raise RuntimeError(f"cannot handle {request.form.get('name')}")

    app.add_url_rule("/test-boom", "test_boom", boom, methods=["POST"])
    caplog.set_level(logging.INFO)
    try:
        response = app.test_client().post("/test-boom", data={"name": "Walt Brindlecombe"})
    finally:
        app.extensions["screener"].engine.dispose()
    assert response.status_code == 500
    text = "\n".join(_lines(caplog))
    assert "Brindlecombe" not in text and "RuntimeError" in text
    assert response.headers["X-Request-Id"] in text


@pytest.mark.parametrize("testing", [False])
def test_production_logs_are_json_lines_on_stderr(tmp_path, capsys, testing):
    from tests.security_helpers import make_app

    def drop_json_handlers():
        logger = logging.getLogger("screener")
        for handler in list(logger.handlers):
            if getattr(handler, "_screener_json", False):
                logger.removeHandler(handler)

    drop_json_handlers()  # one from an earlier app writes to an earlier test's stderr
    app = make_app(tmp_path, TESTING=testing)
    try:
        app.test_client().get("/")
    finally:
        app.extensions["screener"].engine.dispose()
        drop_json_handlers()
    err = capsys.readouterr().err.strip().splitlines()
    line = json.loads(err[-1])
    assert line["route"] == "/" and line["status"] == 200 and line["request_id"]


@pytest.mark.parametrize(
    "referer, reason",
    [
        (None, "The referrer header is missing."),
        ("https://elsewhere.example/", "The referrer does not match the host."),
        ("https://localhost/", "The CSRF token is invalid."),
    ],
)
def test_a_refused_post_logs_why_but_never_the_token(client, caplog, referer, reason):
    caplog.set_level(logging.INFO)
    base = "https://localhost"
    token = csrf_token(client.get("/", base_url=base).get_data(as_text=True))
    sent = token if "invalid" not in reason else token[:-4] + "AAAA"
    headers = {"Referer": referer} if referer else {}
    response = client.post("/start", data={"csrf_token": sent}, headers=headers, base_url=base)
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)
    lines = _lines(caplog)
    refused = [json.loads(line) for line in lines if "csrf check failed" in line]
    assert [line["message"] for line in refused] == [f"csrf check failed: {reason}"]
    assert refused[0]["level"] == "WARNING" and refused[0]["request_id"]
    for line in lines:
        assert token not in line and sent not in line and token[:20] not in line
