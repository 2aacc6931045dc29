"""Stores against the real Mongo-wire server and Redis, on this test's own databases and keys
(no app: a store needs only its connection)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from xbt_shared.mongo import Mongo


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    client = Mongo(
        isolated_env["mongodb_uri"], service="identity", db_prefix=isolated_env["db_prefix"]
    )
    yield client
    await client.close()


@pytest.fixture
async def redis(isolated_env: dict[str, Any]) -> AsyncIterator[Redis]:
    client = Redis.from_url(isolated_env["redis_url"], decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def redis_prefix(isolated_env: dict[str, Any]) -> str:
    prefix: str = isolated_env["redis_prefix"]
    return prefix
