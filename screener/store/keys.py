"""Per-record data keys (crypto-shredding): made with a record, deleted with it, and then
gone from the database files too.

A draft's or submission's values are sealed with a data key of its own, kept wrapped by the
master key in the `record_key` table, apart from the ciphertext. Deleting a record deletes
its key row in the same transaction. PostgreSQL keeps a deleted row in the table's file as a
dead tuple until the space is reused, so `rewrite_key_table` then rewrites that small table
(VACUUM FULL): no copy of a deleted key is left in it, and the dead tuples of the records'
own tables hold ciphertext that nothing in the database opens any more.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from sqlalchemy import delete, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .crypto import Vault
from .models import RecordKey

log = logging.getLogger(__name__)

#: how long a rewrite waits for the table's lock before giving up (the next delete or the
#: daily purge rewrites it again); requests reading a key queue behind a waiting rewrite,
#: so this bounds how long a long-running transaction elsewhere can stall them
REWRITE_LOCK_TIMEOUT = "2s"
SET_LOCK_TIMEOUT = text("SELECT set_config('lock_timeout', :value, false)")
#: how long a rewrite waits for snapshots older than the delete to end (see below): after
#: a client's delete, which the client waits for; and in the purge and rotate-key jobs
SNAPSHOT_WAIT = 2.0
BATCH_SNAPSHOT_WAIT = 60.0

#: the next transaction id to be given out, as an `xid` (32 bits, as pg_stat_activity has)
NEXT_XID = text("SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)::text")
#: what may still need a row deleted before :mark (age() counts back from the next xid, so
#: the comparison survives wraparound): a snapshot held by a session of this database (or a
#: replica's, through its sender or slot), and a transaction that has written, in any
#: database, as every snapshot taken while it runs (the rewrite's own too) keeps what it
#: cannot see deleted. A plain VACUUM's snapshot is left out, as PostgreSQL leaves it out.
#: A role without pg_read_all_stats sees its own sessions only.
OLDER_SNAPSHOTS = text(
    """
    SELECT count(*) FROM (
        SELECT backend_xmin AS horizon FROM pg_stat_activity
         WHERE pid <> pg_backend_pid() AND (datname = current_database() OR datname IS NULL)
           AND pid NOT IN (SELECT pid FROM pg_stat_progress_vacuum)
        UNION ALL
        SELECT backend_xid FROM pg_stat_activity WHERE pid <> pg_backend_pid()
        UNION ALL
        SELECT transaction FROM pg_prepared_xacts
        UNION ALL
        SELECT xmin FROM pg_replication_slots
    ) AS horizons
    WHERE age(horizon) > age(CAST(:mark AS xid))
    """
)


def new_key(vault: Vault) -> RecordKey:
    """A fresh random data key for one record, wrapped by the master key."""
    return RecordKey(key_enc=vault.new_record_key())


def shred(session: Session, key_ids: Iterable[int | None]) -> int:
    """Delete these key rows, once the records sealed with them are deleted (the foreign
    keys refuse it before). Returns how many were deleted."""
    ids = sorted({key_id for key_id in key_ids if key_id is not None})
    if not ids:
        return 0
    session.flush()  # the records' own deletes go first
    return session.execute(delete(RecordKey).where(RecordKey.id.in_(ids))).rowcount or 0


def rewrite_key_table(engine: Engine, snapshot_wait: float = SNAPSHOT_WAIT) -> bool:
    """PostgreSQL: rewrite `record_key` so no dead tuple of a deleted (or rewrapped) key
    stays in its files. False when that may not have happened: another database, the table
    busy for longer than REWRITE_LOCK_TIMEOUT, or an older snapshot still open (logged; the
    next delete or the daily purge rewrites the table again).

    VACUUM FULL copies the live rows into a new file and drops the old one, holding an
    ACCESS EXCLUSIVE lock meanwhile: brief, as the table is one small row a record. It must
    also copy a deleted row that a snapshot taken before the delete can still see, so it
    first waits (up to `snapshot_wait` seconds) for such snapshots to end. It cannot run inside a
    transaction, hence the autocommit connection.
    """
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        settled = _wait_for_older_snapshots(conn, snapshot_wait)
        conn.execute(SET_LOCK_TIMEOUT, {"value": REWRITE_LOCK_TIMEOUT})
        try:
            conn.exec_driver_sql("VACUUM FULL record_key")
        except OperationalError:
            conn.invalidate()  # not back to the pool with the short lock timeout
            log.warning("record_key busy: not rewritten now; the next delete or purge will")
            return False
        conn.exec_driver_sql("RESET lock_timeout")
    if not settled:
        log.warning(
            "a transaction older than the delete was still open: deleted keys may stay in "
            "record_key's files until the next delete or purge rewrites it"
        )
    return settled


def _wait_for_older_snapshots(conn: Connection, seconds: float) -> bool:
    """Wait until no session of this database (nor a replica, through its slot) holds a
    snapshot from before now; False if one still does after that many seconds."""
    mark = conn.execute(NEXT_XID).scalar_one()
    deadline = time.monotonic() + seconds
    while conn.execute(OLDER_SNAPSHOTS, {"mark": mark}).scalar_one():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
