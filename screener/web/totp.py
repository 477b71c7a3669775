"""Authenticator codes (TOTP, RFC 6238 with pyotp) and recovery codes for staff sign-in.

The secret is sealed with the data key (the vault) in the database. A code is accepted one
time step either side of now, and only once: its step is claimed with a conditional UPDATE
(screener.store.accounts.claim_step), so a replayed or raced code is refused. Recovery codes
are random, shown once, and stored as argon2 hashes.
"""

from __future__ import annotations

import re
import secrets
import time

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ..store import Therapist
from ..store import accounts as store
from . import app_state

ISSUER = "KAP pre-screener"
STEP = 30
WINDOW = 1
RECOVERY_CODES = 10
#: no 0/O or 1/I/L: read off paper
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE = re.compile(r"^\d{6}\Z")


def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str) -> bytes:
    return app_state.get().vault.seal(secret)


def secret_of(therapist: Therapist) -> str | None:
    if not therapist.totp_secret_enc:
        return None
    return app_state.get().vault.open(therapist.totp_secret_enc)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI, for an <img> under the app's CSP (no inline SVG)."""
    import segno  # only enrolment draws a QR code; no need to load it in every worker

    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c")


def grouped(secret: str) -> str:
    """The key as text, in groups of four for typing."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def clean_code(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "")


def matching_step(secret: str, typed: str, now: float | None = None) -> int | None:
    """The time step whose code was typed (now, or one step either side), or None."""
    code = clean_code(typed)
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP)
    now = time.time() if now is None else now
    current = int(now // STEP)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def use_code(therapist: Therapist, secret: str, typed: str) -> bool:
    """Whether `typed` is a current code not used before; claims its step if so."""
    step = matching_step(secret, typed)
    return step is not None and store.claim_step(app_state.db(), therapist.id, step)


# -- recovery codes ------------------------------------------------------------------------------
def new_recovery_codes() -> list[str]:
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]


def normal_recovery(typed: str) -> str:
    return clean_code(typed).upper()


def store_recovery_codes(therapist_id: int, codes: list[str], hasher) -> None:
    hashes = [hasher.hash(normal_recovery(code)) for code in codes]
    store.replace_codes(app_state.db(), therapist_id, hashes)


def use_recovery_code(therapist_id: int, typed: str, hasher) -> bool:
    """Whether `typed` is one of the account's unused recovery codes; uses it up if so."""
    code = normal_recovery(typed)
    if not re.fullmatch(r"[A-Z0-9]{10}", code):
        return False
    db = app_state.db()
    for row in store.unused_codes(db, therapist_id):
        try:
            hasher.verify(row.code_hash, code)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
        return store.claim_code(db, row)
    return False
