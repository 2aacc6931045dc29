"""ScriptBatch against the real Redis: calls made together go out as one command, and each
still gets its own keys, arguments and reply."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from xbt_shared.redis_batch import ScriptBatch

ECHO = "return {#KEYS, #ARGV, KEYS[1] or false, ARGV[#ARGV] or false}"
COUNT = "return redis.call('INCR', KEYS[1])"
MAYBE = "if ARGV[1] == 'none' then return nil end\nreturn ARGV[1]"


@pytest.fixture
async def redis(isolated_env: dict[str, Any]) -> AsyncIterator[Redis]:
    client = Redis.from_url(isolated_env["redis_url"])
    yield client
    await client.aclose()


async def test_each_call_sees_its_own_keys_and_arguments(
    redis: Redis, isolated_env: dict[str, Any]
) -> None:
    batch = ScriptBatch(redis, ECHO)
    p = isolated_env["redis_prefix"]
    replies = await asyncio.gather(
        batch([f"{p}a"], ["1"]),
        batch([f"{p}b", f"{p}c"], ["x", "y", "z"]),
        batch([], []),
        batch([f"{p}d"], []),
    )
    assert replies == [
        [1, 1, f"{p}a".encode(), b"1"],
        [2, 3, f"{p}b".encode(), b"z"],
        [0, 0, None, None],
        [1, 0, f"{p}d".encode(), None],
    ]


async def test_many_concurrent_calls_each_run_once_and_in_order(
    redis: Redis, isolated_env: dict[str, Any]
) -> None:
    batch = ScriptBatch(redis, COUNT)
    key = f"{isolated_env['redis_prefix']}counter"
    replies = await asyncio.gather(*(batch([key], []) for _ in range(200)))
    assert replies == list(range(1, 201))
    assert int(await redis.get(key)) == 200


async def test_a_call_that_returns_nothing_gets_none(redis: Redis) -> None:
    batch = ScriptBatch(redis, MAYBE)
    assert await asyncio.gather(batch([], ["a"]), batch([], ["none"]), batch([], ["b"])) == [
        b"a",
        None,
        b"b",
    ]


async def test_a_failing_call_fails_alone(redis: Redis, isolated_env: dict[str, Any]) -> None:
    batch = ScriptBatch(redis, COUNT)
    p = isolated_env["redis_prefix"]
    await redis.set(f"{p}text", "not a number")
    first, failed, last = await asyncio.gather(
        batch([f"{p}n"], []), batch([f"{p}text"], []), batch([f"{p}n"], []), return_exceptions=True
    )
    assert (first, last) == (1, 2)
    assert isinstance(failed, ResponseError) and "not an integer" in str(failed)
    assert int(await redis.get(f"{p}n")) == 2
