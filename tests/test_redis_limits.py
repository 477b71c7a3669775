"""Two app instances share one rate limit through the real Redis (RATELIMIT_STORAGE_URI)."""

from __future__ import annotations

import pytest

from screener.web.limits import RESUME_LIMIT
from tests.conftest_db import make_app, redis_url
from tests.journey_helpers import csrf_token

pytestmark = pytest.mark.redis


def _wrong_code(client) -> int:
    token = csrf_token(client.get("/resume").get_data(as_text=True))
    return client.post(
        "/resume", data={"csrf_token": token, "code": "2222-3333-4444-5555"}
    ).status_code


def test_two_instances_share_the_resume_limit_through_redis(tmp_path, redis_prefix):
    import redis

    allowed = int(RESUME_LIMIT.split()[0])
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": redis_url(),
        "RATELIMIT_KEY_PREFIX": redis_prefix,
    }
    first = make_app(tmp_path / "one", **config)
    try:
        client = first.test_client()
        assert [_wrong_code(client) for _ in range(allowed)] == [400] * allowed
        assert _wrong_code(client) == 429
    finally:
        first.extensions["screener"].engine.dispose()

    store = redis.Redis.from_url(redis_url())
    try:
        assert list(store.scan_iter(match=f"*{redis_prefix}*")), "no counter reached Redis"
    finally:
        store.close()

    # A second instance, with its own database and its own connection to Redis: the only
    # thing it shares with the first is the Redis server, and the limit already holds there.
    second = make_app(tmp_path / "two", **config)
    try:
        assert _wrong_code(second.test_client()) == 429
    finally:
        second.extensions["screener"].engine.dispose()
