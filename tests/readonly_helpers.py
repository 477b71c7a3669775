"""A database that really refuses writes, for the sign-in and readiness tests (no mocks).

SQLite: the file is made read-only (chmod 0444) and the app reopens it read-only
(``mode=ro``): root ignores file modes, so the open mode is what makes it stick for every
user. PostgreSQL: ``default_transaction_read_only`` on the database, for new connections.
"""

from __future__ import annotations

import contextlib
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url

from screener.store import make_engine, make_sessionmaker


@contextlib.contextmanager
def read_only_database(app):
    svc = app.extensions["screener"]
    good_engine, good_sessions = svc.engine, svc.sessionmaker
    url = good_engine.url
    good_engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = url.database
        os.chmod(path, 0o444)
        engine = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        restore = lambda: os.chmod(path, 0o600)  # noqa: E731
    else:
        name = make_url(url).database
        with good_engine.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
            conn.commit()
        good_engine.dispose()
        engine = make_engine(url.render_as_string(hide_password=False))

        def restore():
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("SET default_transaction_read_only = off"))
                conn.execute(
                    text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
                )

    svc.engine, svc.sessionmaker = engine, make_sessionmaker(engine)
    try:
        yield
    finally:
        restore()
        engine.dispose()
        svc.engine, svc.sessionmaker = good_engine, good_sessions
