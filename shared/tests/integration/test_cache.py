"""The versioned cache against the real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from redis.asyncio import Redis

from xbt_shared.cache import VersionedCache

SCOPES = ["city", "heping"]


@pytest.fixture
async def cache(isolated_env: dict[str, Any]) -> AsyncIterator[VersionedCache]:
    redis = Redis.from_url(isolated_env["redis_url"])
    yield VersionedCache(redis, prefix=isolated_env["redis_prefix"], namespace="test")
    await redis.aclose()


def loader(value: Any) -> tuple[list[int], Any]:
    calls: list[int] = []

    async def load() -> Any:
        calls.append(1)
        return value

    return calls, load


async def test_loaded_once_then_served_until_a_scope_moves(cache: VersionedCache) -> None:
    calls, load = loader({"n": 1})
    first = await cache.get_or_load(SCOPES, "k", load)
    again = await cache.get_or_load(SCOPES, "k", load)
    assert (first.body, again.body, len(calls)) == (b'{"n":1}', b'{"n":1}', 1)
    assert again.etag == first.etag and again.versions == first.versions
    await cache.invalidate("heping")
    moved = await cache.get_or_load(SCOPES, "k", load)
    assert len(calls) == 2 and moved.versions[0] == first.versions[0]
    assert moved.versions[1] != first.versions[1]


async def test_current_names_the_versions_an_answer_is_stamped_with(
    cache: VersionedCache,
) -> None:
    now = await cache.current(SCOPES)
    assert list(now) == SCOPES and all(int(v) > 0 for v in now.values())
    stamped = await cache.get_or_load(SCOPES, "k", loader(1)[1])
    assert [v for _, v in stamped.versions] == [now["city"], now["heping"]]
    bumped = await cache.invalidate("city")
    assert (await cache.current(SCOPES))["city"] == str(bumped) == str(int(now["city"]) + 1)


async def test_an_answer_not_fresh_at_its_versions_is_neither_kept_nor_stamped(
    cache: VersionedCache,
) -> None:
    seen: list[Mapping[str, str]] = []

    def stale(versions: Mapping[str, str]) -> bool:
        seen.append(dict(versions))
        return False

    calls, load = loader(["old"])
    answer = await cache.get_or_load(SCOPES, "k", load, fresh=stale)
    assert answer.body == b'["old"]' and answer.versions == ()
    assert seen == [await cache.current(SCOPES)]
    # nothing was stored: the next reader loads again
    calls2, load2 = loader(["new"])
    assert (await cache.get_or_load(SCOPES, "k", load2, fresh=lambda v: True)).body == b'["new"]'
    assert (await cache.get_or_load(SCOPES, "k", load)).body == b'["new"]'
    assert (len(calls), len(calls2)) == (1, 1)
