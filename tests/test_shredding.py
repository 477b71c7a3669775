"""Data that outlives deletion: each draft and submission has a data key of its own, wrapped
by the master key and deleted with the record (crypto-shredding); SQLite's write-ahead log
is checkpointed after a client deletes; rotate-key rewraps the keys only."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, func, select, text, update

from screener.questionnaire import evaluate
from screener.store import (
    Base,
    Draft,
    KeyError_,
    Note,
    RecordKey,
    Submission,
    Vault,
    drafts,
    utcnow,
)
from tests import pg_files
from tests.conftest_db import fresh_database
from tests.conftest_db import make_app as make_db_app
from tests.journey_helpers import csrf_token
from tests.security_helpers import CONTACTS, db_path, make_app, rows, send_persona
from tests.staff_helpers import (
    fast_hashing,  # noqa: F401  (fixture)
    login,
    make_therapist,
    post,
)


def svc(app):
    return app.extensions["screener"]


def _mine(app, draft_id: str) -> tuple[Draft, Submission]:
    with svc(app).sessionmaker() as session:
        draft = session.get(Draft, draft_id)
        sub = session.scalars(select(Submission).where(Submission.id == draft.submission_id)).one()
        return draft, sub


def _sent_with_a_note(app, questionnaire, personas) -> tuple:
    """A client who sent P01 and a therapist's note on it: (client, draft id, reference)."""
    client = app.test_client()
    send_persona(client, questionnaire, personas["P01"], CONTACTS["P01"])
    with client.session_transaction() as session:
        draft_id = session["draft"]
    _draft, sub = _mine(app, draft_id)
    make_therapist(app, email=f"t{draft_id[:6].lower()}@example.org")
    staff = app.test_client()
    login(staff, email=f"t{draft_id[:6].lower()}@example.org")
    post(staff, f"/staff/s/{sub.reference}/notes", {"body": "Left a voicemail at nine"})
    return client, draft_id, sub.reference


def _delete(client) -> None:
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/delete", data={"csrf_token": token}).status_code == 200


def test_a_copy_of_deleted_ciphertext_cannot_be_opened_with_the_master_key(
    any_db_app, questionnaire, personas
):
    app = any_db_app
    vault = svc(app).vault
    client, draft_id, _reference = _sent_with_a_note(app, questionnaire, personas)
    draft, sub = _mine(app, draft_id)
    (note,) = [n for n in rows(app, Note) if n.submission_id == sub.id]
    # the copies an attacker might hold: a backup, a dead tuple, an old WAL frame
    copies = [draft.state_enc, sub.answers_enc, sub.contact_enc, note.body_enc]
    keys = [draft.key_enc, sub.key_enc, sub.key_enc, sub.key_enc]
    assert draft.key_enc and sub.key_enc and draft.key_enc != sub.key_enc
    # before the delete: each opens with its record's key, and only with it
    assert vault.record(sub.key_enc).open(sub.contact_enc)["name"] == CONTACTS["P01"]["name"]
    assert vault.record(sub.key_enc).open(note.body_enc) == "Left a voicemail at nine"
    for copy, key in zip(copies, keys, strict=True):
        vault.record(key).open(copy)
        with pytest.raises(KeyError_):
            vault.open(copy)

    _delete(client)

    # the keys are gone with the rows: nothing left in the database opens the copies
    keys_left = rows(app, RecordKey)
    assert {draft.key_id, sub.key_id}.isdisjoint(key.id for key in keys_left)
    remaining = [key.key_enc for key in keys_left]
    assert draft.key_enc not in remaining and sub.key_enc not in remaining
    for copy in copies:
        for key in [None, *remaining]:
            with pytest.raises(KeyError_):
                vault.record(key).open(copy)


def test_delete_leaves_no_ciphertext_in_the_sqlite_file_or_its_log(app, questionnaire, personas):
    client = app.test_client()
    send_persona(client, questionnaire, personas["P03"], CONTACTS["P03"])
    with client.session_transaction() as session:
        draft, sub = _mine(app, session["draft"])
    secrets = [sub.contact_enc, sub.answers_enc, sub.key_enc, draft.state_enc, draft.key_enc]
    path = db_path(app)
    log = path.with_name(path.name + "-wal")

    def stored() -> bytes:  # the files as they are: no checkpoint of the test's own
        return path.read_bytes() + (log.read_bytes() if log.exists() else b"")

    assert all(secret in stored() for secret in secrets)
    _delete(client)
    left = [i for i, secret in enumerate(secrets) if secret in stored()]
    assert left == [], "deleted values are still in the database file or its log"


OLD = "Called the old number twice"


def _legacy_submission(app, personas) -> str:
    """A submission and note as stored before per-record keys: sealed with the master key."""
    state = svc(app)
    q, vault = state.questionnaire, state.vault
    therapist_id = make_therapist(app, email="legacy@example.org")
    with state.sessionmaker.begin() as session:
        draft = Draft(
            id=drafts.new_id(),
            definition_hash=q.content_hash,
            state_enc=vault.seal(drafts.DraftState(answers={"age": 40}).as_dict()),
        )
        session.add(draft)
        evaluation = evaluate(q, personas["P01"].answers)
        sub = Submission(
            id=drafts.new_id(),
            reference=drafts.new_reference(),
            definition_hash=q.content_hash,
            draft_id=draft.id,
            answers_enc=vault.seal(evaluation.answers),
            contact_enc=vault.seal(CONTACTS["P05"]),
            outcome_id=evaluation.outcome.id,
            flag_ids=" ".join(evaluation.flag_ids),
            urgency=drafts.urgency(evaluation),
        )
        session.add(sub)
        session.flush()
        draft.submission_id = sub.id
        session.add(Note(submission_id=sub.id, author_id=therapist_id, body_enc=vault.seal(OLD)))
        return sub.reference


def test_rows_from_before_record_keys_still_open_and_rotate_key_gives_them_one(tmp_path, personas):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(tmp_path, DATA_KEY=key_a)
    reference = _legacy_submission(app, personas)
    staff = app.test_client()
    login(staff, email="legacy@example.org")
    page = staff.get(f"/staff/s/{reference}").get_data(as_text=True)
    assert CONTACTS["P05"]["name"] in page and OLD in page  # the master key opens them
    svc(app).engine.dispose()

    both = make_app(tmp_path, DATA_KEY=f"{key_b},{key_a}")
    result = both.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "rewrapped the data keys of 1 draft(s) and 1 submission(s)" in result.output
    assert "(2 older record(s) given a key of their own)" in result.output
    svc(both).engine.dispose()

    only_b = make_app(tmp_path, DATA_KEY=key_b)
    vault = svc(only_b).vault
    (sub,) = rows(only_b, Submission)
    (draft,) = rows(only_b, Draft)
    (note,) = rows(only_b, Note)
    assert sub.key_enc and draft.key_enc
    assert vault.record(sub.key_enc).open(sub.contact_enc) == CONTACTS["P05"]
    assert vault.record(sub.key_enc).open(note.body_enc) == OLD
    assert vault.record(draft.key_enc).open(draft.state_enc)["answers"] == {"age": 40}
    for sealed in (sub.contact_enc, sub.answers_enc, note.body_enc, draft.state_enc):
        with pytest.raises(KeyError_):
            vault.open(sealed)  # sealed with the record's key now, not the master key
    svc(only_b).engine.dispose()


@pytest.fixture
def own_pg_url():
    """A PostgreSQL database of the test's own, so no other test's rows or snapshots mix in."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def own_app(tmp_path):
    """own_app(url, data_key=None): an app on that database (with a new data key unless
    given); every one made is closed at the end, also when the test fails."""
    made = []

    def make(url: str, data_key: str | None = None):
        made.append(make_db_app(tmp_path, url, DATA_KEY=data_key or Fernet.generate_key().decode()))
        return made[-1]

    yield make
    for app in made:
        svc(app).engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request, tmp_path):
    """An empty database of the test's own: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"
        return
    with fresh_database() as url:
        yield url


def _tables(app) -> dict[str, list]:
    """Every row of every table, as stored (the sealed values as their raw bytes)."""
    with svc(app).engine.connect() as conn:
        return {
            name: list(conn.execute(select(table).order_by(*table.primary_key.columns)))
            for name, table in Base.metadata.tables.items()
        }


def test_rotate_key_rewraps_the_key_table_rows_only(empty_db_url, own_app, questionnaire, personas):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = own_app(empty_db_url, key_a)
    _sent_with_a_note(app, questionnaire, personas)
    send_persona(app.test_client(), questionnaire, personas["P03"], CONTACTS["P03"])
    before = _tables(app)
    svc(app).engine.dispose()

    both = own_app(empty_db_url, f"{key_b},{key_a}")
    result = both.test_cli_runner().invoke(args=["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "rewrapped the data keys of 2 draft(s) and 2 submission(s)" in result.output
    assert "(0 older record(s) given a key of their own)" in result.output
    after = _tables(both)
    engine = svc(both).engine

    changed = sorted(name for name in before if before[name] != after[name])
    # the keys and the readiness canary (sealed with the master key itself) are rewrapped;
    # drafts, submissions and notes stay byte for byte the same
    assert changed == ["key_check", "record_key"]
    old, new = before["record_key"], after["record_key"]
    assert [row.id for row in old] == [row.id for row in new] and len(new) == 4
    old_wrapped = [bytes(row.key_enc) for row in old]
    assert not set(old_wrapped) & {bytes(row.key_enc) for row in new}
    for row in new:
        with pytest.raises(KeyError_):
            Vault(key_a).record(row.key_enc)  # the old master key no longer unwraps it
    names = {
        Vault(key_b).record(s.key_enc).open(s.contact_enc)["name"] for s in rows(both, Submission)
    }
    assert names == {CONTACTS["P01"]["name"], CONTACTS["P03"]["name"]}
    assert not any(name in result.output for name in names)
    if engine.dialect.name == "postgresql":  # no dead row of an old wrapping in its files
        key_files = pg_files.files(engine, "record_key")
        assert key_files and all(not pg_files.holding(key_files, key) for key in old_wrapped)


def test_a_draft_from_before_record_keys_gets_its_own_on_its_next_change(app, personas):
    state = svc(app)
    vault = state.vault
    answers = dict(evaluate(state.questionnaire, personas["P01"].answers).answers)
    with state.sessionmaker.begin() as session:
        draft = Draft(
            id=drafts.new_id(),
            definition_hash=state.questionnaire.content_hash,
            state_enc=vault.seal(drafts.DraftState(answers=answers, page="check").as_dict()),
        )
        session.add(draft)
    client = app.test_client()
    with client.session_transaction() as session:
        session["draft"] = draft.id
    assert client.get("/check").status_code == 200  # read with the master key; and noted
    (stored,) = rows(app, Draft)
    assert stored.key_enc is not None
    assert vault.record(stored.key_enc).open(stored.state_enc)["answers"] == answers
    with pytest.raises(KeyError_):
        vault.open(stored.state_enc)


@pytest.mark.postgres
def test_after_a_delete_no_file_of_the_postgres_database_holds_the_deleted_keys(
    own_pg_url, own_app, questionnaire, personas
):
    """PostgreSQL keeps a deleted row as a dead tuple in the table's file until its space
    is reused: the submission's still holds its ciphertext, but the keys that opened it are
    gone from every file of the database (the WAL aside: see the README)."""
    app = own_app(own_pg_url)
    engine = svc(app).engine
    client, draft_id, _reference = _sent_with_a_note(app, questionnaire, personas)
    draft, sub = _mine(app, draft_id)
    (note,) = [n for n in rows(app, Note) if n.submission_id == sub.id]
    deleted_keys = [draft.key_enc, sub.key_enc]
    copies = [draft.state_enc, sub.answers_enc, sub.contact_enc, note.body_enc]
    with pg_files.autocommit(engine) as conn:
        conn.execute(text("ANALYZE"))  # statistics sample values: none may be a key
    everywhere = pg_files.files(engine)
    assert all(pg_files.holding(everywhere, key) for key in deleted_keys), "scan sees keys"

    _delete(client)

    everywhere = pg_files.files(engine)
    for key in deleted_keys:
        found = pg_files.relations(engine, pg_files.holding(everywhere, key))
        assert found == [], "a deleted key is still in the database files"
    key_table = pg_files.files(engine, "record_key")
    assert key_table and all(not pg_files.holding(key_table, k) for k in deleted_keys)
    # the submission's dead tuple still holds its ciphertext: no key left opens it
    assert pg_files.holding(pg_files.files(engine, "submission"), sub.contact_enc)
    vault = svc(app).vault
    remaining = [key.key_enc for key in rows(app, RecordKey)]
    for copy in copies:
        for key in [None, *remaining]:
            with pytest.raises(KeyError_):
                vault.record(key).open(copy)


@contextlib.contextmanager
def _held(engine, holder: str):
    """An open transaction that still needs rows deleted after it began: a snapshot in this
    database, or a transaction with an id (as any write has) in another database."""
    if holder == "snapshot here":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            conn.execute(select(func.count()).select_from(Draft.__table__))
            yield
            conn.rollback()
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_current_xact_id()"))
        yield
        conn.rollback()


@pytest.mark.postgres
@pytest.mark.parametrize("holder", ["snapshot here", "writer elsewhere"])
def test_the_key_table_is_rewritten_only_once_older_transactions_have_ended(
    holder, own_pg_url, own_app, pg_url, questionnaire, personas
):
    """VACUUM FULL must copy a deleted row that a snapshot taken before the delete can still
    see (a staff export running when the client pressed Delete, autovacuum's ANALYZE), and
    a transaction open in any database holds back every later snapshot. The rewrite waits
    for them to end first, or the key would be copied along."""
    app = own_app(own_pg_url)
    engine = svc(app).engine
    client, draft_id, _reference = _sent_with_a_note(app, questionnaire, personas)
    draft, sub = _mine(app, draft_id)
    token = csrf_token(client.get("/").get_data(as_text=True))
    statuses = []
    deleting = threading.Thread(
        target=lambda: statuses.append(
            client.post("/delete", data={"csrf_token": token}).status_code
        )
    )
    elsewhere = create_engine(pg_url)
    try:
        with _held(engine if holder == "snapshot here" else elsewhere, holder):
            deleting.start()
            deleting.join(timeout=1.0)  # the delete commits, then waits for the holder
    finally:
        deleting.join()
        elsewhere.dispose()
    assert statuses == [200]
    everywhere = pg_files.files(engine)
    for key in (draft.key_enc, sub.key_enc):
        found = pg_files.relations(engine, pg_files.holding(everywhere, key))
        assert found == [], "a deleted key is still in the database files"


@pytest.mark.postgres
def test_after_a_purge_no_file_of_the_postgres_database_holds_the_purged_keys(
    own_pg_url, own_app, questionnaire, personas
):
    app = own_app(own_pg_url)
    engine = svc(app).engine
    _client, draft_id, _reference = _sent_with_a_note(app, questionnaire, personas)
    draft, sub = _mine(app, draft_id)
    with svc(app).sessionmaker.begin() as session:
        long_ago = utcnow() - dt.timedelta(days=3650)
        session.execute(update(Submission).values(created_at=long_ago))
    result = app.test_cli_runner().invoke(args=["purge"])
    assert "1 submission(s) older than" in result.output, result.output
    assert rows(app, RecordKey) == [] and rows(app, Draft) == []
    everywhere = pg_files.files(engine)
    for key in (draft.key_enc, sub.key_enc):
        found = pg_files.relations(engine, pg_files.holding(everywhere, key))
        assert found == [], "a purged key is still in the database files"
