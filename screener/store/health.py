"""What the readiness check asks of the store: can it write, and does the data key fit?

Both answer True or False only; the caller logs nothing from here and shows no detail.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .crypto import KeyError_, Vault
from .models import KeyCheck

#: the value sealed in key_check; any readable constant would do
KNOWN = "kap-screener key check"


def seal_key_check(session: Session, vault: Vault) -> None:
    """Store the sealed known value once, the first time the database is used."""
    if session.scalar(select(KeyCheck.id).limit(1)) is None:
        session.add(KeyCheck(sealed=vault.seal(KNOWN)))


def key_fits(engine: Engine, vault: Vault) -> bool:
    """The stored value opens with the configured key (False for a wrong key, or none)."""
    with Session(engine) as session:
        sealed = session.scalar(select(KeyCheck.sealed).order_by(KeyCheck.id).limit(1))
    if sealed is None:
        return False
    try:
        return vault.open(sealed) == KNOWN
    except KeyError_:
        return False


def can_write(engine: Engine) -> bool:
    """A row can be written (disk space, permissions, a read-only replica): tried in a
    transaction that is rolled back, so nothing stays."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            conn.execute(insert(KeyCheck).values(sealed=b"write check"))
        finally:
            transaction.rollback()
    return True
