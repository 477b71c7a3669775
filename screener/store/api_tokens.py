"""Tokens for the read-only staff API: made, found, revoked. Only a token's sha256 is kept.

A token is 32 random bytes (`kap_` + URL-safe text), so a fast hash is enough: nobody can
guess one to test against the hash, unlike a password.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ApiToken, utcnow

PREFIX = "kap_"
MAX_DAYS = 365
MAX_NAME = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create(
    db: Session, therapist_id: int, name: str, days: int, created_by: str
) -> tuple[str, ApiToken]:
    """(the token, shown once; its row, added to `db`)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        therapist_id=therapist_id,
        name=name[:MAX_NAME],
        token_hash=token_hash(token),
        created_by=created_by,
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    db.add(row)
    db.flush()
    return token, row


@dataclass(frozen=True)
class Check:
    """What a presented token is: `token` set when it may be used, else `refusal` says why."""

    token: ApiToken | None
    refusal: str = ""


def check(db: Session, presented: str, now: dt.datetime | None = None) -> Check:
    if not presented.startswith(PREFIX) or len(presented) > 200:
        return Check(None, "unknown token")
    digest = token_hash(presented)
    row = db.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return Check(None, "unknown token")
    now = now or utcnow()
    if row.revoked_at is not None:
        return Check(None, "revoked token")
    if row.expires_at <= now:
        return Check(None, "expired token")
    if not row.therapist.active:
        return Check(None, "deactivated account")
    return Check(row)


def revoke(db: Session, token_id: int) -> ApiToken | None:
    row = db.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        return row
    return None


def listing(db: Session) -> list[ApiToken]:
    return list(
        db.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    )
