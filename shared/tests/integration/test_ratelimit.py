"""The token bucket against the real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from xbt_shared.ratelimit import Limit, RateLimiter


@pytest.fixture
async def limiter(isolated_env: dict[str, Any]) -> AsyncIterator[RateLimiter]:
    redis = Redis.from_url(isolated_env["redis_url"], decode_responses=True)
    yield RateLimiter(redis, prefix=isolated_env["redis_prefix"])
    await redis.aclose()


async def test_burst_then_refused_with_retry_after(limiter: RateLimiter) -> None:
    buckets = {"u:1": Limit(rate=1, burst=3)}
    decisions = [await limiter.hit(buckets) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert 0 < decisions[-1].retry_after_ms <= 1000
    assert decisions[-1].retry_after_seconds == 1


async def test_refill(limiter: RateLimiter) -> None:
    buckets = {"u:2": Limit(rate=20, burst=1)}
    assert (await limiter.hit(buckets)).allowed
    assert not (await limiter.hit(buckets)).allowed
    await asyncio.sleep(0.06)
    assert (await limiter.hit(buckets)).allowed


async def test_all_buckets_or_none(limiter: RateLimiter) -> None:
    tenant = Limit(rate=0.01, burst=2)
    assert (await limiter.hit({"user:a": Limit(1, 10), "tenant:x": tenant})).allowed
    assert (await limiter.hit({"user:b": Limit(1, 10), "tenant:x": tenant})).allowed
    refused = await limiter.hit({"user:c": Limit(1, 1), "tenant:x": tenant})
    assert not refused.allowed
    # user:c was not charged for the refused request.
    assert (await limiter.hit({"user:c": Limit(1, 1)})).allowed


async def test_concurrent_hits_never_overspend(limiter: RateLimiter) -> None:
    buckets = {"hot": Limit(rate=0.001, burst=25)}
    results = await asyncio.gather(*(limiter.hit(buckets) for _ in range(60)))
    assert sum(d.allowed for d in results) == 25
