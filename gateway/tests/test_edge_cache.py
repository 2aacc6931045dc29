"""The edge cache against the real Redis: shared reads answered by the gateway from its copy
while the versions they were computed under are current, kept apart by tenant, school,
roles and guest status, never kept when they must not be."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from xbt_gateway.edge_cache import Copy, LocalCopies
from xbt_shared.testing import free_port

SHARED = "/api/catalog/v1/shared"


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture
async def redis(isolated_env: dict[str, Any]) -> AsyncIterator[Redis]:
    client = Redis.from_url(isolated_env["redis_url"], decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def version(redis: Redis, isolated_env: dict[str, Any]) -> str:
    """A content version key as a service keeps it, and the stamp header naming it."""
    key = f"{isolated_env['redis_prefix']}t:heping:catalog:version"
    await redis.set(key, "41")
    return key


def stamp(key: str, version: str = "41") -> dict[str, str]:
    return {"X-Test-Versions": f"{key}={version}"}


async def get(client: httpx.AsyncClient, path: str, token: str, **headers: str) -> httpx.Response:
    resp = await client.get(path, headers=auth(token, **headers))
    # A copy is written after its answer has gone: let it land before the next request.
    edge_cache = client.app.state.runtime.edge_cache  # type: ignore[attr-defined]
    if edge_cache is not None:
        await edge_cache.settled()
    return resp


async def test_a_repeat_is_answered_from_the_copy(
    gateway: httpx.AsyncClient, signing_key: Any, version: str
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(gateway, f"{SHARED}/a", token, **stamp(version))
    second = await get(gateway, f"{SHARED}/a", token, **stamp(version))
    assert first.status_code == second.status_code == 200
    assert first.json()["calls"] == second.json()["calls"]  # the service saw one call
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "private, max-age=30, must-revalidate"
    assert second.headers["content-type"].startswith("application/json")
    # the directive is between the service and the gateway
    assert "x-xbt-edge-cache" not in first.headers
    assert "x-xbt-edge-cache" not in second.headers
    # another query is another answer
    other = await get(gateway, f"{SHARED}/a?page=2", token, **stamp(version))
    assert other.json()["calls"] == first.json()["calls"] + 1


async def test_a_bumped_version_is_a_miss(
    gateway: httpx.AsyncClient, signing_key: Any, redis: Redis, version: str
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(gateway, f"{SHARED}/b", token, **stamp(version))
    await redis.incr(version)  # what publishing does
    after = await get(gateway, f"{SHARED}/b", token, **stamp(version, "42"))
    assert after.json()["calls"] == first.json()["calls"] + 1
    again = await get(gateway, f"{SHARED}/b", token, **stamp(version, "42"))
    assert again.json()["calls"] == after.json()["calls"]


async def test_a_version_the_gateway_cannot_see_is_never_current(
    gateway: httpx.AsyncClient, signing_key: Any, isolated_env: dict[str, Any]
) -> None:
    # A service on another Redis: its version key does not exist here.
    missing = f"{isolated_env['redis_prefix']}t:heping:catalog:elsewhere"
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(gateway, f"{SHARED}/c", token, **stamp(missing, "7"))
    second = await get(gateway, f"{SHARED}/c", token, **stamp(missing, "7"))
    assert second.json()["calls"] == first.json()["calls"] + 1


@pytest.mark.parametrize(
    ("who", "shares"),
    [
        ({"sub": "p-2", "school": "s-1"}, True),  # another pupil of the same school
        ({"sub": "p-3", "school": "s-2"}, False),  # another school
        ({"sub": "p-4", "tid": "hexi", "school": "s-1"}, False),  # another district
        ({"sub": "t-1", "school": "s-1", "roles": ("teacher",)}, False),  # other roles
        ({"sub": "g-1", "roles": ("guest",)}, False),  # a guest
    ],
)
async def test_copies_are_kept_apart_by_audience(
    gateway: httpx.AsyncClient,
    signing_key: Any,
    version: str,
    who: dict[str, Any],
    shares: bool,
) -> None:
    pupil = signing_key.token(sub="p-1", school="s-1")
    first = await get(gateway, f"{SHARED}/d", pupil, **stamp(version))
    other = await get(gateway, f"{SHARED}/d", signing_key.token(**who), **stamp(version))
    assert other.status_code == 200
    assert (other.json()["calls"] == first.json()["calls"]) is shares


async def test_a_city_admin_naming_a_district_has_its_own_copy(
    gateway: httpx.AsyncClient, signing_key: Any, version: str
) -> None:
    admin = signing_key.token(sub="c-1", tid="city", roles=("city_admin",))
    heping = await get(
        gateway, f"{SHARED}/e", admin, **stamp(version), **{"X-Xbt-Tenant": "heping"}
    )
    hexi = await get(gateway, f"{SHARED}/e", admin, **stamp(version), **{"X-Xbt-Tenant": "hexi"})
    again = await get(gateway, f"{SHARED}/e", admin, **stamp(version), **{"X-Xbt-Tenant": "hexi"})
    assert hexi.json()["calls"] == heping.json()["calls"] + 1
    assert again.json()["calls"] == hexi.json()["calls"]


async def test_if_none_match_is_answered_at_the_edge(
    gateway: httpx.AsyncClient, signing_key: Any, version: str
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    etag = (await get(gateway, f"{SHARED}/f", token, **stamp(version))).headers["etag"]
    hit = await get(gateway, f"{SHARED}/f", token, **stamp(version), **{"If-None-Match": etag})
    assert hit.status_code == 304
    assert hit.content == b""
    assert hit.headers["etag"] == etag
    assert "content-type" not in hit.headers
    stale = await get(gateway, f"{SHARED}/f", token, **stamp(version), **{"If-None-Match": '"x"'})
    assert stale.status_code == 200


async def test_a_miss_with_if_none_match_still_keeps_the_answer(
    gateway: httpx.AsyncClient, signing_key: Any, version: str
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    etag = (await get(gateway, f"{SHARED}/g", signing_key.token(sub="x", school="s-9"))).headers[
        "etag"
    ]
    # This audience has no copy yet: the service gets the request without the validator...
    miss = await get(gateway, f"{SHARED}/g", token, **stamp(version), **{"If-None-Match": etag})
    assert miss.status_code == 304
    # ...so the whole answer was kept, and a client without a validator gets it from the copy.
    full = await get(gateway, f"{SHARED}/g", token, **stamp(version))
    assert full.status_code == 200
    assert full.json()["if_none_match"] is None
    again = await get(gateway, f"{SHARED}/g", token, **stamp(version))
    assert again.json()["calls"] == full.json()["calls"]


async def test_answers_from_the_copy_bump_the_services_counter(
    gateway: httpx.AsyncClient,
    signing_key: Any,
    redis: Redis,
    version: str,
    isolated_env: dict[str, Any],
) -> None:
    views = f"{isolated_env['redis_prefix']}t:heping:catalog:views"
    token = signing_key.token(sub="p-1", school="s-1")
    headers = {**stamp(version), "X-Test-Count": f"{views} r-1"}
    for _ in range(4):
        assert (await get(gateway, f"{SHARED}/h", token, **headers)).status_code == 200
    # the first answer came from the service (which counts its own view); three from the copy
    assert await redis.hget(views, "r-1") == "3"


@pytest.mark.parametrize(
    "extra",
    [
        {"X-Test-Status": "404"},  # not a 200
        {"X-Test-Cookie": "1"},  # about one client
        {"X-Test-Versions": ""},  # no versions: not a valid directive
        {"X-Test-Max-Age": "0"},
    ],
)
async def test_answers_that_must_not_be_kept(
    gateway: httpx.AsyncClient, signing_key: Any, version: str, extra: dict[str, str]
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    headers = {**stamp(version), **extra}
    first = await get(gateway, f"{SHARED}/i", token, **headers)
    second = await get(gateway, f"{SHARED}/i", token, **headers)
    assert second.json()["calls"] == first.json()["calls"] + 1
    assert "x-xbt-edge-cache" not in second.headers


async def test_large_answers_and_other_services_are_not_kept(
    make_gateway: Any, signing_key: Any, version: str
) -> None:
    client = await make_gateway(edge_cache_max_bytes=1000)
    token = signing_key.token(sub="p-1", school="s-1")
    big = [await get(client, f"{SHARED}/j?pad=2000", token, **stamp(version)) for _ in range(2)]
    assert big[1].json()["calls"] == big[0].json()["calls"] + 1
    assert len(big[1].content) > 2000
    small = [await get(client, f"{SHARED}/k", token, **stamp(version)) for _ in range(2)]
    assert small[1].json()["calls"] == small[0].json()["calls"]
    path = "/api/identity/v1/shared/k"  # identity is not in edge_cache_services
    ident = [await get(client, path, token, **stamp(version)) for _ in range(2)]
    assert ident[1].json()["calls"] == ident[0].json()["calls"] + 1


async def test_copies_expire_with_the_directives_max_age(
    gateway: httpx.AsyncClient,
    signing_key: Any,
    redis: Redis,
    version: str,
    isolated_env: dict[str, Any],
) -> None:
    token = signing_key.token(sub="p-1", school="s-1")
    await get(gateway, f"{SHARED}/l", token, **stamp(version), **{"X-Test-Max-Age": "30"})
    keys = [
        k async for k in redis.scan_iter(match=f"{isolated_env['redis_prefix']}t:heping:edge:*")
    ]
    assert len(keys) == 2  # the record and the response it names
    assert all([0 < await redis.ttl(k) <= 30 for k in keys])


async def test_without_redis_the_service_answers(
    make_gateway: Any, signing_key: Any, version: str
) -> None:
    client = await make_gateway(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(client, f"{SHARED}/m", token, **stamp(version))
    second = await get(client, f"{SHARED}/m", token, **stamp(version))
    assert first.status_code == second.status_code == 200
    assert second.json()["calls"] == first.json()["calls"] + 1
    assert "x-xbt-edge-cache" not in second.headers


async def test_a_refused_request_neither_reads_a_copy_nor_counts_a_view(
    make_gateway: Any,
    signing_key: Any,
    redis: Redis,
    version: str,
    isolated_env: dict[str, Any],
) -> None:
    client = await make_gateway(user_rate=0.01, user_burst=2)
    views = f"{isolated_env['redis_prefix']}t:heping:catalog:views"
    token = signing_key.token(sub="p-1", school="s-1")
    headers = {**stamp(version), "X-Test-Count": f"{views} r-2"}
    codes = [(await get(client, f"{SHARED}/n", token, **headers)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]  # the service, the copy, then the limit
    assert await redis.hget(views, "r-2") == "1"


async def test_with_the_limiter_off_copies_still_answer(
    make_gateway: Any, signing_key: Any, version: str
) -> None:
    client = await make_gateway(user_rate=0, tenant_rate=0)
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(client, f"{SHARED}/o", token, **stamp(version))
    second = await get(client, f"{SHARED}/o", token, **stamp(version))
    assert second.json()["calls"] == first.json()["calls"]


async def test_another_gateway_process_answers_from_the_copy_in_redis(
    make_gateway: Any, signing_key: Any, version: str
) -> None:
    one, two = await make_gateway(), await make_gateway()
    token = signing_key.token(sub="p-1", school="s-1")
    first = await get(one, f"{SHARED}/p", token, **stamp(version))
    other = await get(two, f"{SHARED}/p", token, **stamp(version))  # not in its memory
    again = await get(two, f"{SHARED}/p", token, **stamp(version))  # now it is
    assert first.json()["calls"] == other.json()["calls"] == again.json()["calls"]
    assert other.content == first.content
    assert other.headers["etag"] == first.headers["etag"]


def test_memory_keeps_the_latest_revision_within_its_budget() -> None:
    local = LocalCopies(max_bytes=3 * (1000 + 256))
    page = Copy([(b"etag", b'"a"')], b"x" * 1000)
    for n in range(4):
        local.put(f"k{n}", b"r1", page)
    assert len(local) == 3 and local.get("k0", b"r1") is None  # the oldest went
    assert local.get("k3", b"r1") is page
    assert local.get("k3", b"r2") is None  # another revision is not this one
    local.put("k3", b"r2", page)
    assert local.get("k3", b"r2") is page and local.get("k3", b"r1") is None
    local.put("huge", b"r1", Copy([], b"x" * 10_000))  # larger than the budget: not kept
    assert local.get("huge", b"r1") is None and len(local) == 3
