"""Opaque page addresses: `/q/<token>` never says which page of the questionnaire it is.

Some pages exist only after a sensitive answer (the follow-ups on suicidal thoughts, the
trauma screen, the support page), so a readable path such as `/q/safety_now` would tell an
access log, a proxy or a shared browser's history what a client answered. A token is an
HMAC of the draft id and the page id under the app's secret key: the same page has a
different address in every draft, and nobody without the key and the draft's id can tell
which page a token stands for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

#: the support page shares the pages' token space, so its address is opaque too
SUPPORT = ":support"  # not a valid page id (ids are [a-z][a-z0-9_]*), so never a clash
_BYTES = 10  # 80 bits: 16 characters of base32


def page_token(secret: str, draft_id: str, page_id: str) -> str:
    mac = hmac.new(secret.encode(), f"page\0{draft_id}\0{page_id}".encode(), hashlib.sha256)
    return base64.b32encode(mac.digest()[:_BYTES]).decode().lower()


def resolve(secret: str, draft_id: str, page_ids: Iterable[str], token: str) -> str | None:
    """The page id whose token this is, or None (another draft's, an old key's, or made up)."""
    token = (token or "").lower()
    # tokens are 16 base32 characters; compare_digest refuses non-ASCII text (a TypeError)
    if len(token) != 16 or not token.isascii() or not token.isalnum():
        return None
    for page_id in page_ids:
        if hmac.compare_digest(page_token(secret, draft_id, page_id), token):
            return page_id
    return None
