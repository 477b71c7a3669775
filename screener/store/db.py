"""SQLAlchemy engine and sessions.

SQLite (the embedded default) gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE.
PostgreSQL (``postgresql+psycopg://…``) gets a connection pool sized for one gunicorn worker
(``SCREENER_DB_POOL_SIZE``, ``SCREENER_DB_MAX_OVERFLOW``, ``SCREENER_DB_POOL_RECYCLE``) and
none of the SQLite settings.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

#: a sync gunicorn worker serves one request at a time; the overflow covers CLI commands
#: and the start-up (a request uses one session, so one connection, throughout)
POOL_SIZE = 2
MAX_OVERFLOW = 4
POOL_RECYCLE = 1800  # seconds; below typical firewall/pgbouncer idle cut-offs


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(
    url: str,
    pool_size: int | None = None,
    max_overflow: int | None = None,
    pool_recycle: int | None = None,
) -> Engine:
    if is_sqlite(url):
        _private_file(make_url(url).database)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _tune_sqlite(engine)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE if pool_size is None else pool_size,
        max_overflow=MAX_OVERFLOW if max_overflow is None else max_overflow,
        pool_recycle=POOL_RECYCLE if pool_recycle is None else pool_recycle,
        pool_timeout=10,
        # errors name the statement, never the values bound to it (answers, emails)
        hide_parameters=True,
    )


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600), whatever the umask.

    SQLite gives the -wal and -shm files the database file's own mode, so they follow. A
    file of ours made by an older version is tightened too.
    """
    if (
        not database
        or database == ":memory:"
        or not os.path.isdir(os.path.dirname(database) or ".")
    ):
        return  # in memory, or a folder that is missing: SQLite reports that on connect
    fd = os.open(database, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        path = database + suffix
        if os.path.exists(path) and os.stat(path).st_uid == os.geteuid():
            os.chmod(path, 0o600)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take over transaction control from pysqlite so we can say BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Overwrite deleted rows at once, so "delete my answers" leaves no ciphertext behind.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred BEGIN that reads then writes fails with SQLITE_BUSY_SNAPSHOT under
        # concurrent writers, and the busy timeout cannot help; IMMEDIATE waits instead.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


#: False only inside read_only(): a transaction that will never write
_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)


@contextmanager
def read_only():
    """Transactions begun inside only read, so on SQLite they need not take the write lock.

    The caller must end the transaction before leaving (commit or rollback): any write
    afterwards then begins a new, IMMEDIATE transaction.
    """
    token = _immediate.set(False)
    try:
        yield
    finally:
        _immediate.reset(token)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
