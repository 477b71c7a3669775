"""The therapist's morning (issue 16): queue columns and order, saved filters, next and
previous, tombstones, one-step statuses, follow-up dates, the clinician brief PDF, the CSV,
the lock message and the account commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from screener.pdf import CONFIDENTIAL
from screener.store import AuditEntry, Submission, Therapist, Tombstone, utcnow
from tests.journey_helpers import Journey, csrf_token
from tests.staff_helpers import (
    PASSWORD,
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
    submission,
    submit_answers,
    svc,
    text,
    therapist,
)

REF = re.compile(r"KAP-[0-9A-Z]{4}-[0-9A-Z]{4}")
DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def staff(app, client):
    make_therapist(app)
    login(client)
    return client


def ago(**kw) -> dt.datetime:
    return utcnow() - dt.timedelta(**kw)


def queue_refs(client, url="/staff/") -> list[str]:
    html = client.get(url).get_data(as_text=True)
    table = html.split('<table class="table queue"', 1)
    body = table[1].split("</table>", 1)[0] if len(table) == 2 else ""
    return list(dict.fromkeys(REF.findall(body)))


def queue_rows(html: str) -> list[str]:
    table = html.split('<table class="table queue"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr>.*?</tr>", table.split("<tbody>", 1)[1], flags=re.S)


def cells(html: str, reference: str) -> dict:
    """{column class: text} of one queue row."""
    for row in queue_rows(html):
        if reference in row:
            found = re.findall(r'<td class="col-([a-z]+)">(.*?)</td>', row, flags=re.S)
            return {name: text(cell) for name, cell in found}
    raise AssertionError(f"{reference} is not in the queue")


def today_local() -> dt.date:
    return utcnow().replace(tzinfo=dt.UTC).astimezone(DENVER).date()


# -- the queue's columns ----------------------------------------------------------------------
def test_every_column_of_a_queue_row(app, staff, personas):
    contact = {
        "name": "Walter Brindlecombe Jr",
        "method": "phone",
        "phone": "(303) 555 0142",
        "time": "Weekday mornings",
        "voicemail": "no",
    }
    reference = submit_answers(app, personas["P05"].answers, contact, created_at=ago(hours=50))
    html = staff.get("/staff/").get_data(as_text=True)
    head = text(html.split("<thead>", 1)[1].split("</thead>", 1)[0])
    assert head == (
        "Reference First name Contact Age Outcome Scores Urgency Status Assigned to Waiting "
        "Acknowledged"
    )
    row = cells(html, reference)
    assert row["name"] == "Walter"  # the first name only
    assert row["contact"] == "Phone Weekday mornings No voicemail"
    assert row["age"] == "66"
    assert row["outcome"] == "Medical review"
    assert row["scores"] == "PHQ-9 13 moderate GAD-7 4 minimal"
    assert row["urgency"].startswith("Medical review") and "High blood pressure" in row["urgency"]
    assert row["status"] == "New"
    assert row["assigned"] == "Unassigned"
    assert row["waiting"].startswith("2 days ago")
    assert "Brindlecombe" not in html and "555 0142" not in html  # first name only, no number


def test_outcome_labels_are_short(app, staff, personas):
    expected = {
        "P01": "Consult",
        "P08": "Support first",
        "P03": "Medical review",
        "P09": "Explore options",
        "P12": "Under 18",
    }
    refs = {name: submit_answers(app, personas[name].answers) for name in expected}
    html = staff.get("/staff/").get_data(as_text=True)
    assert {name: cells(html, refs[name])["outcome"] for name in expected} == expected


def test_safety_history_sorts_above_routine_and_the_rule_is_on_the_page(app, staff, personas):
    routine = submit_answers(app, personas["P01"].answers, created_at=ago(days=5))
    past_attempt = submit_answers(app, personas["P10"].answers, created_at=ago(hours=1))
    medical = submit_answers(app, personas["P05"].answers, created_at=ago(days=4))
    passive = submit_answers(app, personas["P07"].answers, created_at=ago(minutes=3))
    assert queue_refs(staff) == [passive, past_attempt, medical, routine]
    page = text(staff.get("/staff/").get_data(as_text=True))
    assert "Order: follow-ups due today come first; then support first" in page
    assert "safety history (a past attempt)" in page
    html = staff.get("/staff/").get_data(as_text=True)
    assert cells(html, past_attempt)["urgency"].startswith("Safety history")


# -- saved filters ----------------------------------------------------------------------------
def test_saved_filters_mine_unassigned_urgent_and_waiting(app, staff, personas):
    make_therapist(app, email="other@example.com")
    me, other = therapist(app).id, therapist(app, "other@example.com").id
    mine = submit_answers(app, personas["P01"].answers, created_at=ago(hours=2))
    theirs = submit_answers(app, personas["P05"].answers, created_at=ago(hours=3))
    urgent = submit_answers(app, personas["P07"].answers, created_at=ago(hours=4))
    old_waiting = submit_answers(app, personas["P03"].answers, created_at=ago(days=3))
    old_done = submit_answers(app, personas["P09"].answers, created_at=ago(days=4))
    post(staff, f"/staff/s/{mine}/assign", {"therapist": str(me)})
    post(staff, f"/staff/s/{theirs}/assign", {"therapist": str(other)})
    post(staff, f"/staff/s/{old_done}/status", {"status": "contacted", "current": "new"})

    assert queue_refs(staff, "/staff/?view=mine") == [mine]
    assert set(queue_refs(staff, "/staff/?view=unassigned")) == {urgent, old_waiting, old_done}
    assert queue_refs(staff, "/staff/?view=urgent") == [urgent]
    assert queue_refs(staff, "/staff/?view=waiting") == [old_waiting]
    html = staff.get("/staff/?view=waiting").get_data(as_text=True)
    nav = html.split('aria-label="Saved filters">', 1)[1].split("</nav>", 1)[0]
    assert text(nav) == "All Mine Unassigned Urgent Waiting over 2 days"
    assert re.search(r'aria-current="page">Waiting over 2 days<', nav)
    # a saved filter combines with the others, and a bad one is explained
    assert queue_refs(staff, "/staff/?view=unassigned&status=contacted") == [old_done]
    page = text(staff.get("/staff/?view=everything").get_data(as_text=True))
    assert "Choose a saved filter from the list." in page


# -- next and previous ------------------------------------------------------------------------
def test_next_and_previous_follow_the_queues_current_order_and_filters(app, staff, personas):
    first = submit_answers(app, personas["P08"].answers, created_at=ago(hours=1))
    second = submit_answers(app, personas["P05"].answers, created_at=ago(hours=2))
    third = submit_answers(app, personas["P01"].answers, created_at=ago(hours=3))
    assert queue_refs(staff) == [first, second, third]

    def pager(url):
        html = staff.get(url).get_data(as_text=True)
        prev = re.search(r'href="/staff/s/([^"?]+)[^"]*" rel="prev"', html)
        nxt = re.search(r'href="/staff/s/([^"?]+)[^"]*" rel="next"', html)
        return (prev.group(1) if prev else None, nxt.group(1) if nxt else None)

    assert pager(f"/staff/s/{first}") == (None, second)
    assert pager(f"/staff/s/{second}") == (first, third)
    assert pager(f"/staff/s/{third}") == (second, None)
    # within a filter: P05 and P01 are both unurgent, so "Unassigned & not urgent" skips P08
    post(staff, f"/staff/s/{first}/assign", {"therapist": str(therapist(app).id)})
    assert pager(f"/staff/s/{second}?view=unassigned") == (None, third)
    html = staff.get(f"/staff/s/{second}?view=unassigned").get_data(as_text=True)
    assert f'href="/staff/s/{third}?view=unassigned" rel="next"' in html
    queue = staff.get("/staff/?view=unassigned").get_data(as_text=True)
    assert f'href="/staff/s/{second}?view=unassigned"' in queue


# -- tombstones -------------------------------------------------------------------------------
def test_a_client_deleted_urgent_submission_leaves_a_tombstone(app, staff, personas):
    client = app.test_client()
    Journey(client, svc(app).questionnaire).run(personas["P07"].answers)
    html = client.get("/send").get_data(as_text=True)
    client.post(
        "/send",
        data={
            "csrf_token": csrf_token(html),
            "name": "Sam Tombstone",
            "method": "phone",
            "phone": "(303) 555 0199",
            "consent": "y",
        },
    )
    (reference,) = queue_refs(staff)
    key = submission(app, reference).key_enc
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/delete", data={"csrf_token": token}).status_code == 200

    with svc(app).sessionmaker() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
        stone = session.get(Tombstone, reference)
        assert stone.urgency == 2 and stone.queue_rank == 3 and stone.deleted_at
        columns = {c.name for c in Tombstone.__table__.columns}
        assert not any(c.endswith("_enc") for c in columns)  # no answers, contact or key
    assert key is not None
    html = staff.get("/staff/").get_data(as_text=True)
    deleted = text(html.split('id="deleted"', 1)[1].split("</ul>", 1)[0])
    assert reference in deleted and "Deleted" in deleted and "Urgent" in deleted
    assert "Sam" not in html
    response = staff.get(f"/staff/s/{reference}")
    assert response.status_code == 410
    page = text(response.get_data(as_text=True))
    assert "The client deleted this submission on" in page
    assert "It was urgent (Urgent)." in page
    assert "Sam" not in page and "555 0199" not in page and "Weekday" not in page
    assert staff.get("/staff/s/KAP-0000-0000").status_code == 404


# -- statuses ---------------------------------------------------------------------------------
def test_any_status_in_one_step_and_called_booked_is_one_action(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    html = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    options = re.findall(r'<option value="([a-z_]+)">', html.split('id="new-status"', 1)[1])
    assert options[:6] == [
        "in_review",
        "no_answer",
        "contacted",
        "consultation_booked",
        "not_a_fit_now",
        "closed",
    ]
    assert "Called — consultation booked" in html
    url = f"/staff/s/{reference}/status"
    response = post(staff, url, {"status": "consultation_booked", "current": "new"})
    assert response.status_code == 303
    assert submission(app, reference).status == "consultation_booked"
    assert [e.detail for e in audit_rows(app, "status_change")] == ["new → consultation_booked"]


def test_tried_to_call_is_stamped_with_the_time(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    before = utcnow()
    response = post(
        staff,
        f"/staff/s/{reference}/status",
        {"status": "no_answer", "current": "new"},
        follow_redirects=True,
    )
    page = text(response.get_data(as_text=True))
    assert re.search(r"Recorded: tried to call, no answer, at \d{2} \w{3} \d{4}, \d{2}:\d{2}", page)
    sub = submission(app, reference)
    assert sub.status == "no_answer" and sub.status_at >= before
    stamp = sub.status_at.replace(tzinfo=dt.UTC).astimezone(DENVER)
    row = cells(staff.get("/staff/").get_data(as_text=True), reference)
    assert row["status"] == f"Tried to call — no answer at {stamp:%d %b %Y, %H:%M} {stamp.tzname()}"


def test_a_wrong_step_is_corrected_and_both_are_kept(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    url = f"/staff/s/{reference}/status"
    post(staff, url, {"status": "closed", "current": "new"})
    html = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    assert "Correct it: back to “New”" in text(html)
    post(staff, url, {"status": "new", "current": "closed", "correction": "1"})
    assert submission(app, reference).status == "new"
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "New → Closed" in page and "Closed → New (correction)" in page
    assert [e.detail for e in audit_rows(app, "status_change")] == ["new → closed"]
    assert [e.detail for e in audit_rows(app, "status_corrected")] == ["closed → new"]


# -- follow-up dates --------------------------------------------------------------------------
def test_a_follow_up_due_today_puts_the_case_back_at_the_top(app, staff, personas):
    urgent = submit_answers(app, personas["P08"].answers, created_at=ago(hours=1))
    routine = submit_answers(app, personas["P01"].answers, created_at=ago(hours=3))
    later = submit_answers(app, personas["P09"].answers, created_at=ago(hours=2))
    assert queue_refs(staff) == [urgent, routine, later]
    today = today_local()
    url = f"/staff/s/{routine}/follow-up"
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = post(staff, url, {"on": tomorrow}, follow_redirects=True)
    assert "goes back to the top of the queue that day" in text(response.get_data(as_text=True))
    assert queue_refs(staff) == [urgent, routine, later]  # not yet
    post(staff, url, {"on": today.isoformat()})
    assert queue_refs(staff) == [routine, urgent, later]
    row = cells(staff.get("/staff/").get_data(as_text=True), routine)
    assert row["status"].endswith("Follow up today")
    # a date that has passed stays at the top until the case moves on
    with svc(app).sessionmaker.begin() as session:
        session.scalars(
            select(Submission).where(Submission.reference == later)
        ).one().follow_up_on = today - dt.timedelta(days=2)
    assert queue_refs(staff) == [routine, later, urgent]  # both due: the usual order
    # the next status change completes a due follow-up; a future one stays
    post(staff, f"/staff/s/{later}/status", {"status": "contacted", "current": "new"})
    assert submission(app, later).follow_up_on is None
    assert queue_refs(staff) == [routine, urgent, later]
    assert [e.detail for e in audit_rows(app, "follow_up")] == [tomorrow, today.isoformat()]


def test_a_follow_up_date_in_the_past_or_not_a_date_is_refused(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    url = f"/staff/s/{reference}/follow-up"
    for value in ("2001-01-01", "tomorrow", ""):
        response = post(staff, url, {"on": value}, follow_redirects=True)
        assert "Enter the follow-up date as a real date from today" in text(
            response.get_data(as_text=True)
        )
    assert submission(app, reference).follow_up_on is None
    post(staff, url, {"on": today_local().isoformat()})
    post(staff, url, {"clear": "1"})
    assert submission(app, reference).follow_up_on is None


# -- detail -----------------------------------------------------------------------------------
def test_detail_summary_safety_panel_and_every_flag_shows_what_raised_it(app, staff, personas):
    reference = submit_answers(app, personas["P08"].answers)
    html = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    top = html.split('class="summary-top"', 1)[1].split("</section>", 1)[0]
    for heading in (
        "Contact details",
        "Outcome",
        "Safety answers",
        "Flags to act on",
        "Questions for the first call",
    ):
        assert heading in text(top)
    acting = top.split('id="flags-summary"', 1)[1].split("</ul>", 1)[0]
    assert "High-risk safety answers" in text(acting) and 'href="#a-si_intent"' in acting
    panel = text(top.split('class="table cssrs"', 1)[1].split("</table>", 1)[0])
    assert panel.index("wished you were not alive") < panel.index("thoughts about ending your own")
    assert "Are you having thoughts of ending your life right now?" in panel
    assert re.search(r"ending your own life\? Yes", panel)
    # every flag, info ones too, names what raised it; score flags name the score
    flags = html.split('<h2 id="flags">', 1)[1].split('<h2 id="scores">', 1)[0]
    info = flags.split("For information", 1)[1].split("</table>", 1)[0]
    for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", info, flags=re.S):
        assert text(row.rsplit("<td>", 1)[1]), f"nothing raised: {text(row)}"
    assert "GAD-7" in text(info) or "What brings you" in text(info)
    # the answers that raised a flag are highlighted and linked from it
    assert 'href="#a-si_intent"' in flags
    assert re.search(r'class="summary-row answer--raised" id="a-si_intent"', html)
    assert 'id="a-age"' in html and 'answer--raised" id="a-age"' not in html


def test_voicemail_and_safe_time_are_asked_on_send_and_shown_sealed(app, staff, personas):
    client = app.test_client()
    Journey(client, svc(app).questionnaire).run(personas["P01"].answers)
    html = client.get("/send").get_data(as_text=True)
    assert "can we leave a voicemail?" in text(html)
    assert "A time when you can talk safely and privately" in text(html)
    response = client.post(
        "/send",
        data={
            "csrf_token": csrf_token(html),
            "name": "Dana Voicemail",
            "method": "phone",
            "phone": "(303) 555 0142",
            "time": "after six",
            "voicemail": "no",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    (reference,) = queue_refs(staff)
    sub = submission(app, reference)
    assert b"voicemail" not in sub.contact_enc
    contact = svc(app).vault.record(sub.key_enc).open(sub.contact_enc)
    assert contact["voicemail"] == "no" and contact["time"] == "after six"
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "Voicemail OK No: do not leave a message" in page
    assert "Good time to contact after six" in page


# -- the clinician brief PDF ------------------------------------------------------------------
def test_clinician_brief_pdf_parsed_back(app, staff, personas):
    contact = {
        "name": "Alex Briefson",
        "method": "phone",
        "phone": "(720) 555 0100",
        "time": "evenings",
        "voicemail": "yes",
    }
    reference = submit_answers(app, personas["P08"].answers, contact)
    response = staff.get(f"/staff/s/{reference}/brief.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="kap-clinician-brief-{reference}.pdf"'
    )
    reader = PdfReader(BytesIO(response.data))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    whole = " ".join(pages)
    assert CONFIDENTIAL == "Confidential — for the treating clinician"
    for page in pages:
        assert CONFIDENTIAL in page and reference in page
        assert svc(app).questionnaire.meta.crisis_text in page  # the summary's footer
        assert re.search(r"Page \d+ of \d+", page)
    assert "Alex Briefson" in whole and "(720) 555 0100" in whole and "evenings" in whole
    assert "Voicemail OK: Yes" in whole
    assert "Urgent (" in whole and "High-risk safety answers" in whole
    assert "Contact per the urgent procedure" in whole  # the staff text
    assert "Raised by:" in whole
    assert "Questions for the call" in whole
    assert "Follow the practice's urgent-contact procedure before anything else." in whole
    assert "PHQ-9" in whole and "Scores" in whole
    assert "Answers" in whole and "How old are you?" in whole
    assert reader.metadata.title.startswith("Clinician brief")
    assert [e.reference for e in audit_rows(app, "brief_download")] == [reference]


def test_the_clients_pdf_is_not_the_brief(app, staff, personas):
    reference = submit_answers(app, personas["P08"].answers)
    summary = staff.get(f"/staff/s/{reference}/summary.pdf").data
    whole = " ".join(p.extract_text() for p in PdfReader(BytesIO(summary)).pages)
    assert "Confidential" not in whole and "Clinician brief" not in whole


# -- CSV --------------------------------------------------------------------------------------
def read_csv(response) -> list[dict]:
    body = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_is_in_the_practice_zone_with_labels_age_rank_and_history(app, staff, personas):
    received = ago(days=1)
    reference = submit_answers(app, personas["P10"].answers, created_at=received)
    url = f"/staff/s/{reference}/status"
    post(staff, url, {"status": "no_answer", "current": "new"})
    post(staff, url, {"status": "consultation_booked", "current": "no_answer"})
    (row,) = read_csv(post(staff, "/staff/export.csv"))
    local = received.replace(tzinfo=dt.UTC).astimezone(DENVER)
    assert row["received_local"] == f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    assert row["outcome"] == "consult_recommended" and row["outcome_label"] == "Consult"
    assert row["urgency_rank"] == "2" and row["urgency_label"] == "Safety history"
    assert row["age"] == str(personas["P10"].answers["age"])
    assert row["status"] == "consultation_booked"
    assert row["status_label"] == "Consultation booked"
    history = row["status_history"].split("; ")
    assert len(history) == 2
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} M[SD]T: New → Tried to call — no answer "
        r"\(therapist@example.com\)",
        history[0],
    )
    assert history[1].endswith(
        "Tried to call — no answer → Consultation booked (therapist@example.com)"
    )
    # "Mine" applies to the export too
    assert read_csv(post(staff, "/staff/export.csv", {"view": "mine"})) == []


# -- accounts ---------------------------------------------------------------------------------
def lock(app, email="therapist@example.com"):
    with svc(app).sessionmaker.begin() as session:
        person = session.scalars(select(Therapist).where(Therapist.email == email)).one()
        person.locked_until = utcnow() + dt.timedelta(minutes=15)
        return person.locked_until


def test_the_lock_message_needs_the_right_password(app, client):
    make_therapist(app)
    until = lock(app)
    page = text(login(client).get_data(as_text=True))
    local = until.replace(tzinfo=dt.UTC).astimezone(DENVER)
    assert "This account is locked" in page
    assert f"It opens again at {local:%H:%M} {local.tzname()}" in page
    wrong = text(login(client, password="not the password at all").get_data(as_text=True))
    assert "locked" not in wrong and "Those details did not work." in wrong
    unknown = text(login(client, email="nobody@example.com").get_data(as_text=True))
    assert "locked" not in unknown and "Those details did not work." in unknown


def test_cli_reset_password_unlock_and_reactivate(app, runner, client):
    make_therapist(app)
    new_password = "a brand new password for the morning"
    lock(app)
    result = runner.invoke(
        args=["reset-password", "therapist@example.com", "--password-stdin"],
        input=new_password + "\n",
    )
    assert result.exit_code == 0, result.output
    assert new_password not in result.output
    assert login(client, password=new_password).status_code == 303  # reset lifts the lock
    client.post(
        "/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/").data.decode())}
    )

    lock(app)
    assert "This account is locked" in text(login(client, password=new_password).data.decode())
    result = runner.invoke(args=["unlock-therapist", "therapist@example.com"])
    assert result.exit_code == 0 and "Unlocked therapist@example.com." in result.output
    assert login(client, password=new_password).status_code == 303
    client.post(
        "/staff/logout", data={"csrf_token": csrf_token(client.get("/staff/").data.decode())}
    )

    runner.invoke(args=["deactivate-therapist", "therapist@example.com"])
    assert login(client, password=new_password).status_code != 303
    result = runner.invoke(args=["reactivate-therapist", "therapist@example.com"])
    assert result.exit_code == 0 and "Reactivated therapist@example.com." in result.output
    assert login(client, password=new_password).status_code == 303
    assert runner.invoke(args=["unlock-therapist", "nobody@example.com"]).exit_code == 1
    actions = [e.action for e in audit_rows(app) if e.actor == "cli"]
    assert actions == [
        "password_reset",
        "account_unlocked",
        "account_deactivated",
        "account_reactivated",
    ]
    assert PASSWORD not in " ".join(e.detail for e in audit_rows(app))
    assert all(isinstance(e, AuditEntry) for e in audit_rows(app))


def test_the_purge_removes_tombstones_with_the_submissions_of_their_age(app, personas):
    from screener.store import maintenance

    state = svc(app)
    with state.sessionmaker.begin() as session:
        for reference, days in (("KAP-OLD0-0001", 400), ("KAP-NEW0-0001", 3)):
            session.add(
                Tombstone(
                    reference=reference,
                    urgency=0,
                    queue_rank=0,
                    received_at=ago(days=days),
                    deleted_at=ago(days=1),
                    status="new",
                )
            )
    maintenance.purge(state.sessionmaker, state.engine, draft_days=30, submission_days=365)
    with state.sessionmaker() as session:
        assert [t.reference for t in session.scalars(select(Tombstone))] == ["KAP-NEW0-0001"]


def test_a_call_back_request_shows_its_first_name_safe_time_and_voicemail(app, staff, personas):
    """A call-back request made before Send: the queue row and the brief use its details."""
    from screener.questionnaire import evaluate
    from screener.store import drafts

    state = svc(app)
    q = state.questionnaire
    callback = {"first_name": "Robin", "phone": "(720) 555 0111", "time": "noon", "voicemail": "no"}
    with state.sessionmaker.begin() as session:
        draft = drafts.create_draft(session, state.vault, q)
        sub = drafts.submit(
            session, state.vault, draft, evaluate(q, personas["P01"].answers), callback=callback
        )
        reference, rank = sub.reference, sub.queue_rank
    assert rank == 3  # a call-back request is urgent whatever the answers say
    html = staff.get("/staff/").get_data(as_text=True)
    row = cells(html, reference)
    assert row["name"] == "Robin"
    assert row["contact"] == "Phone (call-back) noon No voicemail"
    assert "Call-back requested" in row["outcome"] and "not yet sent" in row["outcome"]
    pdf = staff.get(f"/staff/s/{reference}/brief.pdf").data
    whole = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(BytesIO(pdf)).pages)
    assert "Call-back requested" in whole and "(720) 555 0111" in whole
