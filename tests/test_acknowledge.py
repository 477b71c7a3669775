"""Acknowledge and escalate, on the staff side: the queue shows how long an urgent submission
has waited and whether someone acknowledged it; one audited button acknowledges it and calls
off its escalation; admins see every notification's delivery state."""

from __future__ import annotations

import datetime as dt
import secrets
import threading

import pytest
from sqlalchemy import select

from screener.store import Acknowledgement, utcnow
from tests.journey_helpers import csrf_token
from tests.notify_helpers import deliver, outbox_rows
from tests.staff_helpers import (
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
    submission,
    submit_answers,
    svc,
    text,
)


@pytest.fixture
def staff(app, client):
    make_therapist(app)
    login(client)
    return client


def queue_row(client, reference, url="/staff/") -> str:
    html = client.get(url).get_data(as_text=True)
    rows = [row for row in html.split("<tr>") if reference in row]
    assert rows, reference
    return text(rows[0])


def submission_id(app, reference) -> str:
    return submission(app, reference).id


def audit_rows_for(app, action, reference) -> list:
    return [e for e in audit_rows(app, action) if e.reference == reference]


def acks(app) -> list[Acknowledgement]:
    with svc(app).sessionmaker() as session:
        return list(session.scalars(select(Acknowledgement)))


def test_the_queue_shows_how_long_an_urgent_submission_has_waited(app, staff, personas):
    three_hours = utcnow() - dt.timedelta(hours=3, minutes=5)
    urgent = submit_answers(app, personas["P08"].answers, created_at=three_hours)
    routine = submit_answers(app, personas["P01"].answers)
    row = queue_row(staff, urgent)
    assert "Not yet: waiting 3 hours" in row and f"Acknowledge {urgent}" in row
    assert "Not urgent" in queue_row(staff, routine)
    assert "Acknowledge" not in queue_row(staff, routine)


def test_one_button_acknowledges_audits_and_calls_off_the_escalation(app, staff, personas):
    reference = submit_answers(app, personas["P08"].answers)
    deliver(app)  # the urgent notification went out
    response = post(staff, f"/staff/s/{reference}/acknowledge", {"next": "/staff/?urgent=1"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/?urgent=1"
    page = text(staff.get("/staff/?urgent=1").get_data(as_text=True))
    assert f"{reference} acknowledged. Its escalation is called off." in page
    row = queue_row(staff, reference)
    assert "Yes, by therapist@example.com" in row and "after under a minute" in row
    [entry] = audit_rows(app, "acknowledged")
    assert (entry.actor, entry.reference) == ("therapist@example.com", reference)
    escalations = [r for r in outbox_rows(app) if r.kind == "escalation"]
    assert escalations and {r.state for r in escalations} == {"cancelled"}
    assert deliver(app, now=utcnow() + dt.timedelta(days=7)).sent == 0
    assert audit_rows(app, "escalated") == []
    # pressing it again changes nothing and says who was first
    post(staff, f"/staff/s/{reference}/acknowledge")
    again = text(staff.get("/staff/").get_data(as_text=True))
    assert f"{reference} was already acknowledged by therapist@example.com." in again
    assert len(acks(app)) == 1 and len(audit_rows(app, "acknowledged")) == 1


def test_the_detail_page_of_an_urgent_submission_acknowledges_it_too(app, staff, personas):
    reference = submit_answers(app, personas["P07"].answers)
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "Acknowledged Not yet: waiting under a minute Acknowledge" in page
    detail = f"/staff/s/{reference}"
    response = post(staff, f"{detail}/acknowledge", {"next": detail}, page=detail)
    assert response.headers["Location"] == detail
    page = text(staff.get(detail).get_data(as_text=True))
    assert "Acknowledged Yes, by therapist@example.com after under a minute" in page
    routine = submit_answers(app, personas["P01"].answers)
    assert "Acknowledged" not in text(staff.get(f"/staff/s/{routine}").get_data(as_text=True))


def test_acknowledge_needs_the_csrf_token_and_an_urgent_submission(app, staff, personas):
    urgent = submit_answers(app, personas["P07"].answers)
    routine = submit_answers(app, personas["P01"].answers)
    assert staff.post(f"/staff/s/{urgent}/acknowledge").status_code == 400
    assert acks(app) == []
    post(staff, f"/staff/s/{routine}/acknowledge")
    page = text(staff.get("/staff/").get_data(as_text=True))
    assert f"{routine} is not urgent, so it needs no acknowledgement." in page
    assert acks(app) == [] and audit_rows(app, "acknowledged") == []
    # an outside address in `next` is never followed
    response = post(staff, f"/staff/s/{urgent}/acknowledge", {"next": "//evil.example/x"})
    assert response.headers["Location"] == "/staff/"
    assert post(staff, "/staff/s/KAP-NONE-NONE/acknowledge").status_code == 404


def test_acknowledge_is_for_signed_in_staff_only(app, client, personas):
    reference = submit_answers(app, personas["P08"].answers)
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post(f"/staff/s/{reference}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    assert client.get("/staff/notifications").status_code == 302
    assert acks(app) == []


def test_two_therapists_acknowledging_at_once_make_one_acknowledgement(any_db_app, personas):
    app = any_db_app
    reference = submit_answers(app, personas["P08"].answers)
    clients = []
    for n in range(2):
        email = f"t{n}-{secrets.token_hex(4)}@example.com"
        make_therapist(app, email=email)
        client = app.test_client()
        login(client, email=email)
        clients.append((client, csrf_token(client.get("/staff/").get_data(as_text=True))))
    barrier = threading.Barrier(2)
    statuses = []

    def press(client, token):
        barrier.wait(10)
        response = client.post(f"/staff/s/{reference}/acknowledge", data={"csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=press, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [303, 303]
    assert len([a for a in acks(app) if a.submission_id == submission_id(app, reference)]) == 1
    assert len(audit_rows_for(app, "acknowledged", reference)) == 1


def test_admins_see_each_notifications_delivery_state(app, client, personas):
    make_therapist(app, email="admin@example.com", admin=True)
    make_therapist(app)
    urgent = submit_answers(app, personas["P08"].answers)
    routine = submit_answers(app, personas["P01"].answers)
    deliver(app)
    login(client)  # a therapist, not an admin
    assert client.get("/staff/notifications").status_code == 403
    assert "Notifications" not in text(client.get("/staff/").get_data(as_text=True))
    admin = app.test_client()
    login(admin, email="admin@example.com")
    html = admin.get("/staff/notifications").get_data(as_text=True)
    page = text(html)
    assert "Notifications" in text(admin.get("/staff/").get_data(as_text=True))
    assert urgent in page and routine in page
    assert "Sent to console (the server log: no email or webhook is configured)" in page
    assert "Urgent console Support first Delivered 1 Delivered" in page
    assert "Escalation console Support first Waiting 0 Due" in page
    assert "Digest console Routine Waiting 0 Due" in page
    assert "Now 2 waiting, 0 being delivered, 1 delivered, 0 not needed" in page
    assert admin.get("/staff/notifications").headers["Cache-Control"] == "no-store"
