"""Encryption at rest for answers, contact details and notes (Fernet from `cryptography`)."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyError_(ValueError):
    """A data key is missing or malformed."""


class Vault:
    """Encrypts with the first key; decrypts with any (so keys can be rotated)."""

    def __init__(self, keys: str | list[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise KeyError_("no data key configured (SCREENER_DATA_KEY)")
        try:
            self._fernet = MultiFernet(
                [Fernet(k.encode() if isinstance(k, str) else k) for k in keys]
            )
        except (ValueError, TypeError) as exc:
            raise KeyError_(
                "SCREENER_DATA_KEY must be Fernet keys (32 url-safe base64 bytes),"
                " separated by commas"
            ) from exc

    def seal(self, value) -> bytes:
        """Any JSON-able value → ciphertext."""
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def open(self, token: bytes | None, default=None):
        if not token:
            return default
        try:
            return json.loads(self._fernet.decrypt(bytes(token)))
        except InvalidToken as exc:
            raise KeyError_("a stored value cannot be decrypted with the configured keys") from exc

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt with the first (newest) key."""
        return self._fernet.rotate(bytes(token))
