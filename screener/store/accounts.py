"""Staff accounts in the database: signed-in devices, one-time links, the last used TOTP step.

No Flask here. Each single-use thing is claimed with one conditional UPDATE, so two requests
racing for the same link, code or time step cannot both win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from .models import AccountLink, RecoveryCode, StaffSession, Therapist, utcnow

LINK_HOURS = 72
#: a device's "last seen" is written at most this often, not on every request
SEEN_EVERY = dt.timedelta(minutes=1)


# -- signed-in devices ----------------------------------------------------------------------
def start_session(session: Session, therapist_id: int) -> str:
    """A new signed-in device; its id goes in that device's cookie."""
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(StaffSession(id=sid, therapist_id=therapist_id, started_at=now, last_seen_at=now))
    return sid


def find_session(session: Session, sid: str) -> StaffSession | None:
    return session.get(StaffSession, sid) if sid else None


def touch(session: Session, row: StaffSession) -> bool:
    """Note that the device was seen now (at most once a minute); True when written."""
    now = utcnow()
    if now - row.last_seen_at < SEEN_EVERY:
        return False
    row.last_seen_at = now
    return True


def idle_before(idle: dt.timedelta) -> dt.datetime:
    """Rows last seen before this have been idle past the timeout (allowing for "last seen"
    being written only once a minute)."""
    return utcnow() - idle - SEEN_EVERY


def is_idle(row: StaffSession, idle: dt.timedelta) -> bool:
    return row.last_seen_at < idle_before(idle)


def sessions_of(session: Session, therapist_id: int, idle: dt.timedelta) -> list[StaffSession]:
    """The account's sessions still within the inactivity timeout, most recent first."""
    return list(
        session.scalars(
            select(StaffSession)
            .where(
                StaffSession.therapist_id == therapist_id,
                StaffSession.last_seen_at >= idle_before(idle),
            )
            .order_by(StaffSession.last_seen_at.desc())
        )
    )


def end_idle(session: Session, therapist_id: int, idle: dt.timedelta) -> int:
    """Delete the account's sessions idle past the timeout (devices that never came back)."""
    stmt = delete(StaffSession).where(
        StaffSession.therapist_id == therapist_id,
        StaffSession.last_seen_at < idle_before(idle),
    )
    return session.execute(stmt).rowcount or 0


def end_session(session: Session, sid: str) -> int:
    return session.execute(delete(StaffSession).where(StaffSession.id == sid)).rowcount or 0


def end_sessions(session: Session, therapist_id: int, keep: str | None = None) -> int:
    """Sign the account out on every device (but `keep`); returns how many ended."""
    stmt = delete(StaffSession).where(StaffSession.therapist_id == therapist_id)
    if keep:
        stmt = stmt.where(StaffSession.id != keep)
    return session.execute(stmt).rowcount or 0


# -- one-time set-password links ----------------------------------------------------------------
def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(session: Session, therapist_id: int, purpose: str) -> str:
    """A new link token (shown once, never stored); earlier unused links of the account end."""
    now = utcnow()
    session.execute(
        update(AccountLink)
        .where(AccountLink.therapist_id == therapist_id, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            token_hash=token_hash(token),
            therapist_id=therapist_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + dt.timedelta(hours=LINK_HOURS),
        )
    )
    return token


def open_link(session: Session, token: str) -> AccountLink | None:
    """The unused, unexpired link with this token, or None (unknown, used, expired)."""
    if not token or len(token) > 100:
        return None
    link = session.scalars(
        select(AccountLink).where(AccountLink.token_hash == token_hash(token))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        return None
    return link


def claim_link(session: Session, link: AccountLink) -> bool:
    """Mark the link used; False if another request used it first."""
    result = session.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


# -- two-factor ---------------------------------------------------------------------------------
def set_secret_once(session: Session, therapist_id: int, sealed: bytes) -> bool:
    """Store an enrolment secret unless the account has one already."""
    result = session.execute(
        update(Therapist)
        .where(Therapist.id == therapist_id, Therapist.totp_secret_enc.is_(None))
        .values(totp_secret_enc=sealed)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_step(session: Session, therapist_id: int, step: int) -> bool:
    """Record `step` as the last code used; False if it (or a later one) was used already."""
    result = session.execute(
        update(Therapist)
        .where(
            Therapist.id == therapist_id,
            or_(Therapist.totp_last_step.is_(None), Therapist.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def unused_codes(session: Session, therapist_id: int) -> list[RecoveryCode]:
    return list(
        session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.therapist_id == therapist_id, RecoveryCode.used_at.is_(None)
            )
        )
    )


def claim_code(session: Session, code: RecoveryCode) -> bool:
    result = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == code.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def replace_codes(session: Session, therapist_id: int, hashes: list[str]) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.therapist_id == therapist_id))
    for code_hash in hashes:
        session.add(RecoveryCode(therapist_id=therapist_id, code_hash=code_hash))


def reset_two_factor(session: Session, therapist: Therapist) -> None:
    """Forget the authenticator and the recovery codes: the next sign-in enrols again."""
    therapist.totp_secret_enc = None
    therapist.totp_enrolled_at = None
    therapist.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.therapist_id == therapist.id))


def active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Therapist)
            .where(Therapist.is_admin.is_(True), Therapist.active.is_(True))
        )
        or 0
    )
