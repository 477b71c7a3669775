"""The therapists' pages: queue, detail, PDF, status, notes, assignment, CSV, audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from screener.store import AuditEntry, Note, Submission, utcnow
from screener.store.audit import AuditImmutable
from screener.store.export import csv_cell
from tests.staff_helpers import (
    CONTACT,
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

PDF_MODULE = Path(__file__).resolve().parent.parent / "screener" / "pdf"
REF = re.compile(r"KAP-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def staff(app, client):
    make_therapist(app)
    login(client)
    return client


def queue_refs(client, url="/staff/") -> list[str]:
    html = client.get(url).get_data(as_text=True)
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return list(dict.fromkeys(REF.findall(body)))


def ago(**kw) -> dt.datetime:
    return utcnow() - dt.timedelta(**kw)


# -- every staff URL is for staff only ------------------------------------------------------
def staff_urls(reference):
    return [
        ("GET", "/staff/"),
        ("GET", "/staff/?status=new&page=2"),
        ("GET", f"/staff/s/{reference}"),
        ("GET", f"/staff/s/{reference}/summary.pdf"),
        ("GET", f"/staff/s/{reference}/summary.pdf?inline=1"),
        ("GET", f"/staff/s/{reference}/fhir.json"),
        ("GET", "/staff/api-tokens/"),
        ("POST", "/staff/api-tokens/"),
        ("POST", "/staff/api-tokens/1/revoke"),
        ("GET", "/staff/export.csv"),
        ("GET", "/staff/export.csv?private=1"),
        ("POST", "/staff/export.csv"),
        ("GET", "/staff/audit"),
        ("POST", f"/staff/s/{reference}/status"),
        ("POST", f"/staff/s/{reference}/notes"),
        ("POST", f"/staff/s/{reference}/assign"),
    ]


def test_every_staff_url_sends_an_anonymous_visitor_to_sign_in(app, client, personas):
    reference = submit_answers(app, personas["P01"].answers)
    from tests.journey_helpers import csrf_token

    token = csrf_token(client.get("/").get_data(as_text=True))
    for method, url in staff_urls(reference):
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(
                url, data={"csrf_token": token, "status": "closed", "body": "x", "therapist": ""}
            )
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/staff/login?next="), url
        assert "Dana" not in response.get_data(as_text=True)
    assert submission(app, reference).status == "new"
    with svc(app).sessionmaker() as session:
        assert session.scalars(select(Note)).first() is None


def test_every_staff_page_is_no_store(app, client, personas):
    make_therapist(app, email="admin@example.com", admin=True)
    login(client, email="admin@example.com")
    staff = client
    reference = submit_answers(app, personas["P01"].answers)
    for method, url in staff_urls(reference):
        if method == "GET":
            response = staff.get(url)
            if url.endswith("summary.pdf") and not PDF_MODULE.exists():
                continue
            # a GET of the export exports nothing: it sends the therapist to its form
            assert response.status_code == (303 if "export.csv" in url else 200), url
            assert response.headers["Cache-Control"] == "no-store", url


# -- queue --------------------------------------------------------------------------------
def test_queue_is_urgent_first_then_oldest_first(app, staff, personas):
    p01_new = submit_answers(app, personas["P01"].answers, created_at=ago(hours=1))
    p01_old = submit_answers(app, personas["P01"].answers, created_at=ago(days=3))
    p05 = submit_answers(app, personas["P05"].answers, created_at=ago(days=5))
    p07 = submit_answers(app, personas["P07"].answers, created_at=ago(days=1))
    p08_new = submit_answers(app, personas["P08"].answers, created_at=ago(minutes=5))
    p08_old = submit_answers(app, personas["P08"].answers, created_at=ago(days=2))
    assert [submission(app, r).urgency for r in (p08_new, p07, p05, p01_new)] == [3, 2, 1, 0]
    assert queue_refs(staff) == [p08_old, p08_new, p07, p05, p01_old, p01_new]


def test_queue_rows_show_what_a_therapist_needs(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers, created_at=ago(hours=3))
    html = staff.get("/staff/").get_data(as_text=True)
    page = text(html)
    row = text(html.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert reference in row
    assert "3 hours ago" in row
    assert re.search(r"\d{2} \w{3} \d{4}, \d{2}:\d{2} M[SD]T", row)  # absolute, Denver time
    assert "Medical review" in row  # the outcome's short label, not the client's sentence
    assert "A consultation is recommended" not in row
    assert "High blood pressure" in row and "Takes a stimulant" in row
    assert 'class="badge badge--review"' in html
    assert "Aged 65 or over" not in row  # info flags are not badges
    assert "New" in row and "Unassigned" in row
    assert "1 submission." in page


def test_header_counts_unreviewed_urgent_submissions_on_every_staff_page(app, staff, personas):
    assert "No urgent submissions waiting" in text(staff.get("/staff/").get_data(as_text=True))
    urgent = submit_answers(app, personas["P08"].answers)
    submit_answers(app, personas["P07"].answers)
    submit_answers(app, personas["P05"].answers)
    for url in ("/staff/", f"/staff/s/{urgent}"):
        assert "2 urgent submissions not reviewed" in text(staff.get(url).get_data(as_text=True))
    post(staff, f"/staff/s/{urgent}/status", {"status": "in_review", "current": "new"})
    assert "1 urgent submission not reviewed" in text(staff.get("/staff/").get_data(as_text=True))


def test_filters_by_status_outcome_flag_and_date(app, staff, personas):
    p01 = submit_answers(app, personas["P01"].answers, created_at=ago(days=10))
    p05 = submit_answers(app, personas["P05"].answers, created_at=ago(days=4))
    p08 = submit_answers(app, personas["P08"].answers, created_at=ago(hours=1))
    p03 = submit_answers(app, personas["P03"].answers, created_at=ago(days=2))
    post(staff, f"/staff/s/{p05}/status", {"status": "in_review", "current": "new"})
    assert queue_refs(staff, "/staff/?status=in_review") == [p05]
    assert set(queue_refs(staff, "/staff/?status=new")) == {p01, p08, p03}
    assert queue_refs(staff, "/staff/?outcome=support_first") == [p08]
    assert set(queue_refs(staff, "/staff/?outcome=consult_with_medical_questions")) == {p05, p03}
    assert queue_refs(staff, "/staff/?flag=bp_high") == [p05]
    assert queue_refs(staff, "/staff/?flag=safety_urgent") == [p08]
    assert queue_refs(staff, "/staff/?flag=needs_medical_review&status=new") == [p03]
    # the filter reads days in the practice's time zone, so the test must too
    now = dt.datetime.now(ZoneInfo(app.config["STAFF_TIMEZONE"]))
    day = (now - dt.timedelta(days=5)).date().isoformat()
    to = (now - dt.timedelta(days=3)).date().isoformat()
    assert queue_refs(staff, f"/staff/?from={day}&to={to}") == [p05]
    assert queue_refs(staff, "/staff/?urgent=1") == [p08]
    empty = text(staff.get("/staff/?flag=bp_very_high").get_data(as_text=True))
    assert "No submissions match these filters." in empty


def test_flag_filter_matches_whole_ids_only(app, staff, personas):
    p05 = submit_answers(app, personas["P05"].answers)
    with svc(app).sessionmaker.begin() as session:
        session.execute(update(Submission).values(flag_ids="bp_high_x xbp_high"))
    assert queue_refs(staff, "/staff/?flag=bp_high") == []
    with svc(app).sessionmaker.begin() as session:
        session.execute(update(Submission).values(flag_ids="bp_high"))
    assert queue_refs(staff, "/staff/?flag=bp_high") == [p05]


def test_bad_filters_are_explained_not_crashed_on(app, staff, personas):
    submit_answers(app, personas["P01"].answers)
    response = staff.get("/staff/?status=nope&flag=%27%20OR%201%3D1&from=yesterday&page=x")
    page = text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Choose a status from the list." in page
    assert "Choose a flag from the list." in page
    assert "real date" in page
    assert len(queue_refs(staff, "/staff/?status=nope")) == 1


def test_queue_paginates_25_a_page_keeping_filters(app, staff, personas):
    refs = [
        submit_answers(app, personas["P01"].answers, created_at=ago(minutes=60 - i))
        for i in range(27)
    ]
    submit_answers(app, personas["P05"].answers)
    first = staff.get("/staff/?status=new").get_data(as_text=True)
    assert "28 submissions, showing 1–25." in text(first)
    assert "Page 1 of 2" in text(first)
    assert 'href="/staff/?page=2&amp;status=new"' in first
    assert queue_refs(staff, "/staff/?status=new&page=2") == refs[-3:]
    assert "showing 26–28" in text(staff.get("/staff/?status=new&page=2").get_data(as_text=True))
    assert queue_refs(staff, "/staff/?page=99")[-1] == refs[-1]  # clamped to the last page


def test_queue_opens_only_the_rows_of_its_page(app, staff, personas, monkeypatch):
    """First names are decrypted for the page's 25 rows, never for the whole queue."""
    for _ in range(27):
        submit_answers(app, personas["P01"].answers)
    vault = svc(app).vault
    opened = []
    record = vault.record

    def counting(wrapped):
        opened.append(wrapped)
        return record(wrapped)

    monkeypatch.setattr(vault, "record", counting)
    assert len(queue_refs(staff)) == 25
    assert len(opened) == 25
    opened.clear()
    assert len(queue_refs(staff, "/staff/?page=2")) == 2
    assert len(opened) == 2


# -- detail -------------------------------------------------------------------------------
def test_detail_of_a_medical_persona(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers)
    response = staff.get(f"/staff/s/{reference}")
    assert response.status_code == 200
    page = text(response.get_data(as_text=True))
    assert "A consultation is recommended" in page
    assert "Reasons the client was given" in page
    assert "Needs review (" in page and "For information (" in page
    assert "High blood pressure" in page
    # the answers that raised the flag, in the client's words
    assert re.search(r"Raised by these answers: .*blood pressure", page)
    assert "Questions for the first call" in page
    assert "Screening scores, not a diagnosis" in page and "PHQ-9" in page
    assert "Dana Example" in page and "(303) 555 0142" in page
    assert "Preferred contact method Phone" in page
    assert "Good time to contact Weekday mornings" in page
    assert "All answers" in page and "How old are you? 66" in page
    assert "Medical review" in page


def test_detail_of_a_support_first_persona(app, staff, personas):
    reference = submit_answers(app, personas["P08"].answers)
    html = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    page = text(html)
    assert "Please reach out for immediate support first" in page
    assert "Urgent (1)" in page and "High-risk safety answers" in page
    assert "Contact per the urgent procedure" in page
    assert "Follow the practice's urgent-contact procedure before anything else." in page
    assert "Support first" in page
    assert 'class="badge badge--urgent"' in html


def test_detail_uses_the_submissions_pinned_questionnaire(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers)
    services = svc(app)
    current = services.questionnaire
    # a newer questions.yaml renamed the flag; the old submission keeps its own wording
    import dataclasses

    renamed = tuple(
        dataclasses.replace(f, label="Renamed BP flag") if f.id == "bp_high" else f
        for f in current.flags
    )
    services.questionnaire = dataclasses.replace(current, flags=renamed, content_hash="0" * 64)
    services.versions[current.content_hash] = current
    try:
        page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
        assert "High blood pressure" in page and "Renamed BP flag" not in page
        row = text(staff.get("/staff/").get_data(as_text=True))
        assert "High blood pressure" in row
    finally:
        services.questionnaire = current


def test_unknown_reference_is_404(staff):
    assert staff.get("/staff/s/KAP-0000-0000").status_code == 404


def test_viewing_is_audited_by_reference_without_answers(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers)
    staff.get(f"/staff/s/{reference}")
    entry = audit_rows(app, "view_submission")[-1]
    assert (entry.reference, entry.actor, entry.ip) == (
        reference,
        "therapist@example.com",
        "127.0.0.1",
    )
    assert "Dana" not in entry.detail and "303" not in entry.detail


# -- PDF ----------------------------------------------------------------------------------
@pytest.mark.skipif(not PDF_MODULE.exists(), reason="screener/pdf is not written yet")
def test_pdf_download_and_inline_view(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers)
    download = staff.get(f"/staff/s/{reference}/summary.pdf")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="kap-prescreen-summary-{reference}.pdf"'
    )
    assert download.headers["Cache-Control"] == "no-store"
    inline = staff.get(f"/staff/s/{reference}/summary.pdf?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert [e.action for e in audit_rows(app)][-2:] == ["pdf_download", "pdf_view"]
    assert audit_rows(app, "pdf_download")[-1].reference == reference


@pytest.mark.skipif(not PDF_MODULE.exists(), reason="screener/pdf is not written yet")
def test_pdf_is_the_document_the_client_gets(app, staff, personas):
    from screener.pdf import SummaryMeta, render_summary
    from screener.questionnaire import evaluate

    reference = submit_answers(app, personas["P08"].answers)
    sub = submission(app, reference)
    q = svc(app).questionnaire
    expected = render_summary(
        evaluate(q, personas["P08"].answers),
        q,
        SummaryMeta(reference=reference, created_at=sub.created_at),
    )
    assert staff.get(f"/staff/s/{reference}/summary.pdf").data == expected


# -- status, notes, assignment -------------------------------------------------------------
def test_status_walks_the_workflow_and_keeps_history(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    url = f"/staff/s/{reference}/status"
    for old, new in (
        ("new", "in_review"),
        ("in_review", "contacted"),
        ("contacted", "consultation_booked"),
        ("consultation_booked", "closed"),
    ):
        response = post(staff, url, {"status": new, "current": old})
        assert response.status_code == 303
    assert submission(app, reference).status == "closed"
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "Current status: Closed" in page
    assert "In review → Contacted" in page and "Consultation booked → Closed" in page
    assert page.count("therapist@example.com") >= 4
    assert "This submission is closed." in page
    details = [e.detail for e in audit_rows(app, "status_change")]
    assert details == [
        "new → in_review",
        "in_review → contacted",
        "contacted → consultation_booked",
        "consultation_booked → closed",
    ]


def test_not_a_fit_now_branch(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    for old, new in (
        ("new", "in_review"),
        ("in_review", "contacted"),
        ("contacted", "not_a_fit_now"),
        ("not_a_fit_now", "closed"),
    ):
        post(staff, f"/staff/s/{reference}/status", {"status": new, "current": old})
    assert submission(app, reference).status == "closed"


def test_invalid_status_changes_are_refused_with_a_clear_message(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    url = f"/staff/s/{reference}/status"
    response = post(staff, url, {"status": "new", "current": "new"}, follow_redirects=True)
    assert "The status is already “New”." in text(response.get_data(as_text=True))
    response = post(staff, url, {"status": "archived", "current": "new"}, follow_redirects=True)
    assert "Choose a new status from the list." in text(response.get_data(as_text=True))
    response = post(
        staff, url, {"status": "in_review", "current": "contacted"}, follow_redirects=True
    )
    assert "Someone changed the status" in text(response.get_data(as_text=True))
    assert submission(app, reference).status == "new"
    assert audit_rows(app, "status_change") == []


def test_notes_are_appended_with_author_and_time_and_stored_encrypted(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    url = f"/staff/s/{reference}/notes"
    post(staff, url, {"body": "Left a voicemail, will try again Thursday."})
    post(staff, url, {"body": "Spoke with client; booking consult."})
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    first = page.index("Left a voicemail")
    assert first < page.index("Spoke with client")
    assert re.search(
        r"therapist@example.com · \d{2} \w{3} \d{4}, \d{2}:\d{2} M[SD]T "
        r"Left a voicemail",
        page,
    )
    with svc(app).sessionmaker() as session:
        bodies = [n.body_enc for n in session.scalars(select(Note))]
    assert len(bodies) == 2 and all(b"voicemail" not in b for b in bodies)
    entries = audit_rows(app, "note_added")
    assert len(entries) == 2 and all(e.reference == reference for e in entries)
    assert not any("voicemail" in e.detail for e in audit_rows(app))


def test_empty_note_is_refused(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    response = post(staff, f"/staff/s/{reference}/notes", {"body": "   "})
    assert response.status_code == 400
    assert "Enter the note before you add it." in text(response.get_data(as_text=True))
    assert audit_rows(app, "note_added") == []


def test_there_is_no_way_to_edit_or_delete_a_note(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    post(staff, f"/staff/s/{reference}/notes", {"body": "A note"})
    rules = {r.rule for r in app.url_map.iter_rules()}
    assert not any("note" in r and r != "/staff/s/<reference>/notes" for r in rules)
    for method in ("put", "delete", "patch"):
        assert getattr(staff, method)(f"/staff/s/{reference}/notes").status_code == 405


def test_assign_to_a_therapist(app, staff, personas):
    other = make_therapist(app, email="second@example.com")
    make_therapist(app, email="inactive@example.com", active=False)
    reference = submit_answers(app, personas["P01"].answers)
    page = text(staff.get(f"/staff/s/{reference}").get_data(as_text=True))
    assert "second@example.com" in page and "inactive@example.com" not in page
    url = f"/staff/s/{reference}/assign"
    response = post(staff, url, {"therapist": str(other)}, follow_redirects=True)
    assert "Assigned to second@example.com." in text(response.get_data(as_text=True))
    assert "second@example.com" in text(staff.get("/staff/").get_data(as_text=True))
    post(staff, url, {"therapist": ""})
    assert submission(app, reference).assigned_to_id is None
    response = post(staff, url, {"therapist": "9999"}, follow_redirects=True)
    assert "Choose a therapist from the list." in text(response.get_data(as_text=True))
    assert [e.detail for e in audit_rows(app, "assign")] == ["to second@example.com", "unassigned"]


# -- CSV ----------------------------------------------------------------------------------
def read_csv(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_csv_export_of_the_filtered_queue(app, staff, personas):
    p05 = submit_answers(app, personas["P05"].answers, created_at=ago(days=1))
    p08 = submit_answers(app, personas["P08"].answers)
    submit_answers(app, personas["P01"].answers)
    response = post(staff, "/staff/export.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="kap-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert [r["reference"] for r in rows][:2] == [p08, p05]
    row = rows[1]
    assert row["outcome"] == "consult_with_medical_questions"
    assert "bp_high" in row["flags"].split()
    assert row["status"] == "new" and row["assigned_to"] == ""
    assert row["phq9_score"].isdigit() and row["phq9_band"]
    assert "contact_name" not in row and not any(k.startswith("answer_") for k in row)
    assert "Dana" not in response.get_data(as_text=True)
    filtered = read_csv(post(staff, "/staff/export.csv", {"outcome": "support_first"}))
    assert [r["reference"] for r in filtered] == [p08]
    entry = audit_rows(app, "csv_export")[-1]
    assert entry.detail.startswith("1 rows; outcome=support_first")


def test_csv_free_text_and_contact_only_when_chosen(app, staff, personas):
    free_text = [
        q.id for q in svc(app).questionnaire.questions.values() if q.type in ("text", "longtext")
    ]
    answers = dict(personas["P01"].answers)
    submit_answers(app, answers)
    rows = read_csv(post(staff, "/staff/export.csv", {"private": "1"}))
    row = rows[0]
    assert row["contact_name"] == "Dana Example" and row["contact_phone"] == "(303) 555 0142"
    assert row["contact_method"] == "phone" and row["contact_time"] == "Weekday mornings"
    assert all(f"answer_{qid}" in row for qid in free_text)
    assert "with contact details and free text" in audit_rows(app, "csv_export")[-1].detail
    page = text(staff.get("/staff/").get_data(as_text=True))
    assert "Also include contact details and free-text answers" in page


def test_csv_neutralises_formulas(app, staff, personas):
    contact = dict(
        CONTACT, name='=HYPERLINK("http://evil")', time="+1 555", email="@SUM(A1)", phone="-2+3"
    )
    submit_answers(app, personas["P01"].answers, contact=contact)
    row = read_csv(post(staff, "/staff/export.csv", {"private": "1"}))[0]
    assert row["contact_name"] == '\'=HYPERLINK("http://evil")'
    assert row["contact_time"] == "'+1 555"
    assert row["contact_email"] == "'@SUM(A1)"
    assert row["contact_phone"] == "'-2+3"
    for raw, safe in (
        ("=1+1", "'=1+1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        (12, "12"),
        (None, ""),
        ("a=b", "a=b"),
    ):
        assert csv_cell(raw) == safe


# -- audit log ----------------------------------------------------------------------------
def test_every_action_leaves_one_audit_entry(app, staff, personas):
    reference = submit_answers(app, personas["P05"].answers)
    before = len(audit_rows(app))
    staff.get(f"/staff/s/{reference}")
    post(staff, f"/staff/s/{reference}/status", {"status": "in_review", "current": "new"})
    post(staff, f"/staff/s/{reference}/notes", {"body": "private words"})
    post(
        staff,
        f"/staff/s/{reference}/assign",
        {"therapist": str(submission(app, reference).assigned_to_id or 1)},
    )
    post(staff, "/staff/export.csv")
    actions = [e.action for e in audit_rows(app)[before:]]
    # post() loads the queue for a CSRF token: the queue itself is not audited
    assert actions == ["view_submission", "status_change", "note_added", "assign", "csv_export"]
    for entry in audit_rows(app)[before:]:
        assert entry.actor == "therapist@example.com" and entry.ip == "127.0.0.1"
        assert entry.at is not None
        assert "private words" not in entry.detail


def test_audit_log_is_for_admins_with_filters(app, client, personas):
    make_therapist(app)
    make_therapist(app, email="admin@example.com", admin=True)
    reference = submit_answers(app, personas["P01"].answers)
    login(client)
    assert "Audit log" not in text(client.get("/staff/").get_data(as_text=True))
    assert client.get("/staff/audit").status_code == 403
    client.get(f"/staff/s/{reference}")
    post(client, "/staff/logout")
    login(client, email="admin@example.com")
    page = text(client.get("/staff/audit").get_data(as_text=True))
    assert "Audit log" in page
    assert "Viewed a submission" in page and "Signed in" in page and "Signed out" in page
    filtered = text(
        client.get(f"/staff/audit?action=view_submission&reference={reference}").get_data(
            as_text=True
        )
    )
    assert "1 entry." in filtered and reference in filtered and "127.0.0.1" in filtered
    by_actor = client.get("/staff/audit?actor=admin@").get_data(as_text=True)
    rows = text(by_actor.split("<tbody>", 1)[1])
    assert "Signed in" in rows and "Viewed a submission" not in rows


def test_audit_entries_cannot_be_changed_or_deleted(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    staff.get(f"/staff/s/{reference}")
    sessionmaker = svc(app).sessionmaker
    with sessionmaker() as session:
        entry = session.scalars(select(AuditEntry)).first()
        entry.detail = "tampered"
        with pytest.raises(AuditImmutable):
            session.flush()
        session.rollback()
        entry = session.scalars(select(AuditEntry)).first()
        session.delete(entry)
        with pytest.raises(AuditImmutable):
            session.flush()
        session.rollback()
        with pytest.raises(AuditImmutable):
            session.execute(update(AuditEntry).values(actor="someone else"))
        with pytest.raises(AuditImmutable):
            session.execute(delete(AuditEntry))
    assert all(e.detail != "tampered" for e in audit_rows(app))
    rules = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in rules] == [["GET"]]
    assert staff.post("/staff/audit").status_code in (400, 405)


def test_purging_submissions_keeps_their_audit_entries(app, staff, personas):
    reference = submit_answers(app, personas["P01"].answers)
    staff.get(f"/staff/s/{reference}")
    with svc(app).sessionmaker.begin() as session:
        session.execute(delete(Submission))
    assert audit_rows(app, "view_submission")[-1].reference == reference
