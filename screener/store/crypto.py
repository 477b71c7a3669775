"""Encryption at rest for answers, contact details and notes (Fernet from `cryptography`).

Two levels (envelope encryption): the master key(s) in SCREENER_DATA_KEY only wrap data
keys; each draft and submission has a random data key of its own, stored wrapped on its
row, which seals that record's values. Deleting the row deletes its key (crypto-shredding),
and rotating the master key rewraps the data keys without touching the values.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyError_(ValueError):
    """A data key is missing or malformed."""


class Sealer:
    """Seals any JSON-able value with one Fernet (or MultiFernet) and opens it again."""

    def __init__(self, fernet: Fernet | MultiFernet):
        self._fernet = fernet

    def seal(self, value) -> bytes:
        """Any JSON-able value → ciphertext."""
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def open(self, token: bytes | None, default=None):
        if not token:
            return default
        return json.loads(self._decrypt(token))

    def _decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(bytes(token))
        except InvalidToken as exc:
            raise KeyError_("a stored value cannot be decrypted with the configured keys") from exc


class Vault(Sealer):
    """The master keys: encrypts with the first, decrypts with any (so keys can rotate)."""

    def __init__(self, keys: str | list[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise KeyError_("no data key configured (SCREENER_DATA_KEY)")
        try:
            fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])
        except (ValueError, TypeError) as exc:
            raise KeyError_(
                "SCREENER_DATA_KEY must be Fernet keys (32 url-safe base64 bytes),"
                " separated by commas"
            ) from exc
        super().__init__(fernet)

    def new_record_key(self) -> bytes:
        """A fresh random data key for one record, wrapped (encrypted) by the master key."""
        return self._fernet.encrypt(Fernet.generate_key())

    def record(self, wrapped: bytes | None) -> Sealer:
        """The sealer of a record with this wrapped key; rows from before per-record keys
        (`wrapped` is None) were sealed with the master key itself."""
        if not wrapped:
            return self
        return Sealer(Fernet(self._decrypt(wrapped)))

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt with the first (newest) master key."""
        return self._fernet.rotate(bytes(token))
