"""`flask --app screener purge`: retention of drafts and submissions, really gone, counts only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from screener.store import (
    AuditEntry,
    Draft,
    Note,
    RecordKey,
    StatusChange,
    Submission,
    Therapist,
    utcnow,
)
from tests.journey_helpers import Journey
from tests.security_helpers import CONTACTS, make_app, raw_bytes, rows, send_persona


def _age(app, model, ids, days, column):
    with app.extensions["screener"].sessionmaker.begin() as session:
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values({column: utcnow() - dt.timedelta(days=days)})
        )


def _draft_only(app, questionnaire, answers, pages=3) -> str:
    """A draft with a few pages answered, never sent; returns its id."""
    before = {d.id for d in rows(app, Draft)}
    journey = Journey(app.test_client(), questionnaire)
    journey.start()
    for _ in range(pages):
        journey.answer_page(answers)
    (new,) = {d.id for d in rows(app, Draft)} - before
    return new


def _sent(app, questionnaire, persona, contact) -> tuple[str, str]:
    """A sent submission; returns (submission id, draft id)."""
    before = {s.id for s in rows(app, Submission)}
    send_persona(app.test_client(), questionnaire, persona, contact)
    (new,) = [s for s in rows(app, Submission) if s.id not in before]
    (draft,) = [d for d in rows(app, Draft) if d.submission_id == new.id]
    return new.id, draft.id


def _staff_activity(app, submission_id: str) -> None:
    svc = app.extensions["screener"]
    with svc.sessionmaker.begin() as session:
        therapist = Therapist(email=f"{submission_id[:6]}@example.com", password_hash="x")
        session.add(therapist)
        session.flush()
        submission = session.get(Submission, submission_id)
        session.add(
            Note(
                submission_id=submission_id,
                author_id=therapist.id,
                body_enc=svc.vault.record(submission.key_enc).seal("left a voicemail"),
            )
        )
        session.add(
            StatusChange(
                submission_id=submission_id, by_id=therapist.id, old="new", new="contacted"
            )
        )
        session.add(
            AuditEntry(actor=therapist.email, action="view", reference=submission.reference)
        )


def test_purge_removes_what_has_expired_and_keeps_the_rest(app, runner, questionnaire, personas):
    answers = personas["P01"].answers
    fresh_draft = _draft_only(app, questionnaire, answers)
    old_draft = _draft_only(app, questionnaire, answers)
    edge_draft = _draft_only(app, questionnaire, answers)
    old_sub, old_sub_draft = _sent(app, questionnaire, personas["P03"], CONTACTS["P03"])
    fresh_sub, fresh_sub_draft = _sent(app, questionnaire, personas["P01"], CONTACTS["P01"])
    _staff_activity(app, old_sub)
    old_reference = next(s.reference for s in rows(app, Submission) if s.id == old_sub)
    _age(app, Draft, [old_draft], 31, "updated_at")
    _age(app, Draft, [edge_draft], 29, "updated_at")
    _age(app, Submission, [old_sub], 366, "created_at")
    # a sent draft untouched for long is kept while its submission is kept
    _age(app, Draft, [fresh_sub_draft, old_sub_draft], 200, "updated_at")
    old_ciphertext = next(s.contact_enc for s in rows(app, Submission) if s.id == old_sub)
    assert old_ciphertext in raw_bytes(app)

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    # one unsent draft expired; the other draft went with the submission it was sent as
    assert (
        "removed 1 draft(s) older than 30 days, 1 submission(s) older than 365 days "
        "(with 1 note(s) and the 1 draft(s) they were sent from)" in result.output
    )
    assert {d.id for d in rows(app, Draft)} == {fresh_draft, edge_draft, fresh_sub_draft}
    assert {s.id for s in rows(app, Submission)} == {fresh_sub}
    assert rows(app, Note) == [] and rows(app, StatusChange) == []
    # their data keys went with them: every key left belongs to a record left
    kept = {r.key_id for r in rows(app, Draft) + rows(app, Submission)}
    assert {k.id for k in rows(app, RecordKey)} == kept and len(kept) == 4
    # audit entries stay, holding the reference only
    audit = rows(app, AuditEntry)
    assert [a.reference for a in audit if a.action == "view"] == [old_reference]
    (purged,) = [a for a in audit if a.action == "purge"]
    assert purged.reference == ""
    assert purged.detail == "drafts=1 submissions=1 notes=1 sent_drafts=1"
    # counts only: no reference, name, contact or answer
    for secret in (
        old_reference,
        "KAP-",
        CONTACTS["P03"]["name"],
        "Priya",
        "lithium",
        old_sub,
        old_draft,
    ):
        assert secret not in result.output
    # the data is really gone from the file, not only marked free
    assert old_ciphertext not in raw_bytes(app)

    again = runner.invoke(args=["purge"])
    assert again.exit_code == 0
    assert "removed 0 draft(s) older than 30 days, 0 submission(s)" in again.output
    assert {d.id for d in rows(app, Draft)} == {fresh_draft, edge_draft, fresh_sub_draft}
    assert {s.id for s in rows(app, Submission)} == {fresh_sub}


def test_submission_retention_is_configurable(tmp_path, questionnaire, personas):
    app = make_app(tmp_path, SUBMISSION_RETENTION_DAYS=30)
    try:
        kept, _ = _sent(app, questionnaire, personas["P01"], CONTACTS["P01"])
        gone, _ = _sent(app, questionnaire, personas["P03"], CONTACTS["P03"])
        _age(app, Submission, [kept], 29, "created_at")
        _age(app, Submission, [gone], 31, "created_at")
        result = app.test_cli_runner().invoke(args=["purge"])
        assert "1 submission(s) older than 30 days" in result.output
        assert {s.id for s in rows(app, Submission)} == {kept}
    finally:
        app.extensions["screener"].engine.dispose()


def test_an_expired_draft_is_gone_for_its_browser_too(app, runner, client, questionnaire, personas):
    journey = Journey(client, questionnaire)
    journey.start()
    journey.answer_page(personas["P01"].answers)
    _age(app, Draft, [d.id for d in rows(app, Draft)], 45, "updated_at")
    assert "removed 1 draft(s)" in runner.invoke(args=["purge"]).output
    response = client.get("/check")
    assert response.status_code == 302 and response.headers["Location"].endswith("/resume")


def test_purge_on_an_empty_database_is_fine(runner):
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0
    assert "removed 0 draft(s)" in result.output
