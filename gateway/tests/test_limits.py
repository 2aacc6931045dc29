"""Rate limits against the real Redis (per-test key prefix), and the Redis-down policy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from xbt_gateway.problems import LimiterUnavailable
from xbt_shared.ratelimit import Limit
from xbt_shared.testing import free_port

LOGIN = "/api/identity/v1/auth/login"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_user_limit_answers_429_with_retry_after(
    make_gateway: Any, signing_key: Any, isolated_env: dict[str, Any]
) -> None:
    client: httpx.AsyncClient = await make_gateway(user_rate=0.5, user_burst=3)
    token = signing_key.token(sub="busy-pupil", tid="hexi")
    codes = [
        (await client.get("/api/catalog/v1/x", headers=auth(token))).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 200]
    resp = await client.get("/api/catalog/v1/x", headers=auth(token))
    assert resp.status_code == 429
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"] == "/problems/rate-limited"
    assert int(resp.headers["retry-after"]) >= 1
    # another user of the same tenant is unaffected
    other = signing_key.token(sub="calm-pupil", tid="hexi")
    assert (await client.get("/api/catalog/v1/x", headers=auth(other))).status_code == 200
    # the keys carry the prefix and the tenant
    redis = Redis.from_url(isolated_env["redis_url"], decode_responses=True)
    try:
        keys = {k async for k in redis.scan_iter(match=f"{isolated_env['redis_prefix']}*")}
    finally:
        await redis.aclose()
    prefix = isolated_env["redis_prefix"]
    assert f"{prefix}rl:t:hexi:u:busy-pupil" in keys
    assert f"{prefix}rl:t:hexi:all" in keys


async def test_tenant_limit_counts_all_users_of_a_tenant(
    make_gateway: Any, signing_key: Any
) -> None:
    client: httpx.AsyncClient = await make_gateway(tenant_rate=0.5, tenant_burst=4)
    codes = []
    for i in range(5):
        token = signing_key.token(sub=f"pupil-{i}", tid="nankai")
        codes.append((await client.get("/api/catalog/v1/x", headers=auth(token))).status_code)
    assert codes == [200, 200, 200, 200, 429]
    elsewhere = signing_key.token(sub="pupil-0", tid="hebei")
    assert (await client.get("/api/catalog/v1/x", headers=auth(elsewhere))).status_code == 200


async def test_login_is_limited_per_username(make_gateway: Any) -> None:
    client: httpx.AsyncClient = await make_gateway(login_user_rate=0.1, login_user_burst=2)
    body = {"tenant": "heping", "username": "Alice", "password": "wrong"}
    first = await client.post(LOGIN, json=body)
    assert first.status_code == 200
    assert first.json()["body"] == '{"tenant":"heping","username":"Alice","password":"wrong"}'
    assert (await client.post(LOGIN, json={**body, "username": "alice "})).status_code == 200
    limited = await client.post(LOGIN, json=body)
    assert limited.status_code == 429
    assert "retry-after" in limited.headers
    # another user, and the same name in another district, may still log in
    assert (await client.post(LOGIN, json={**body, "username": "bob"})).status_code == 200
    assert (await client.post(LOGIN, json={**body, "tenant": "hexi"})).status_code == 200


async def test_login_is_limited_per_address(make_gateway: Any) -> None:
    school = await make_gateway(login_ip_rate=0.1, login_ip_burst=3, client_ip="10.9.9.9")
    codes = [
        (
            await school.post(LOGIN, json={"tenant": "hexi", "username": f"u{i}", "password": "p"})
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


async def test_login_address_comes_from_trusted_proxy(make_gateway: Any) -> None:
    client = await make_gateway(
        login_ip_rate=0.1, login_ip_burst=1, trusted_proxy_hops=1, client_ip="10.0.0.2"
    )
    body = {"tenant": "hexi", "username": "u", "password": "p"}

    async def login(forwarded_for: str, username: str) -> int:
        resp = await client.post(
            LOGIN, json={**body, "username": username}, headers={"X-Forwarded-For": forwarded_for}
        )
        return resp.status_code

    assert await login("1.1.1.1", "a") == 200
    assert await login("2.2.2.2", "b") == 200
    # a client cannot escape by prepending addresses: the ingress appended the real one
    assert await login("9.9.9.9, 1.1.1.1", "c") == 429


async def test_login_body_is_capped(make_gateway: Any) -> None:
    client = await make_gateway(login_max_body_bytes=1024)
    resp = await client.post(
        LOGIN, json={"tenant": "hexi", "username": "u", "password": "p" * 2000}
    )
    assert resp.status_code == 413


async def test_anonymous_requests_are_limited_per_address(make_gateway: Any) -> None:
    client = await make_gateway(anon_ip_rate=0.1, anon_ip_burst=2, client_ip="10.7.7.7")
    codes = [(await client.get("/api/identity/v1/tenants")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_redis_down_fails_open_for_reads_and_closed_for_logins(
    make_gateway: Any, signing_key: Any
) -> None:
    client: httpx.AsyncClient = await make_gateway(
        redis_url=f"redis://127.0.0.1:{free_port()}/0", redis_timeout_seconds=0.2
    )
    token = signing_key.token()
    assert (await client.get("/api/catalog/v1/x", headers=auth(token))).status_code == 200
    assert (await client.post("/api/catalog/v1/x", headers=auth(token))).status_code == 200
    assert (await client.get("/api/identity/v1/tenants")).status_code == 200
    login = await client.post(LOGIN, json={"tenant": "hexi", "username": "u", "password": "p"})
    assert login.status_code == 503
    assert login.json()["type"] == "/problems/rate-limiter-unavailable"
    assert "retry-after" in login.headers
    anonymous_write = await client.post("/api/identity/v1/auth/refresh", json={})
    assert anonymous_write.status_code == 503


async def test_rate_zero_switches_a_bucket_off(make_gateway: Any, signing_key: Any) -> None:
    client = await make_gateway(user_rate=0, tenant_rate=0, user_burst=1)
    token = signing_key.token(sub="bench-user")
    codes = {
        (await client.get("/api/catalog/v1/x", headers=auth(token))).status_code for _ in range(5)
    }
    assert codes == {200}


async def test_a_burst_beyond_the_redis_pool_waits_then_decides_without_redis(
    make_gateway: Any,
) -> None:
    client = await make_gateway(redis_max_connections=1, redis_timeout_seconds=0.05)
    limiter = client.app.state.runtime.limiter
    buckets = {"ip:1.2.3.4:anon": Limit(1, 5)}
    await limiter.charge(buckets, kind="anonymous", fail_open=False)  # a free slot: Redis
    await limiter._slots.acquire()  # every slot busy
    try:
        await limiter.charge(buckets, kind="anonymous", fail_open=True)
        with pytest.raises(LimiterUnavailable):
            await limiter.charge(buckets, kind="login", fail_open=False)
    finally:
        limiter._slots.release()
    await limiter.charge(buckets, kind="anonymous", fail_open=False)  # and back to Redis


async def test_oidc_login_form_is_limited_like_login(make_gateway: Any) -> None:
    client: httpx.AsyncClient = await make_gateway(login_user_rate=0.1, login_user_burst=1)
    form = {"tenant": "hexi", "username": "wang", "password": "guess", "client_id": "c"}
    first = await client.post("/api/identity/v1/oidc/authorize", data=form)
    assert first.status_code == 200
    assert "username=wang" in first.json()["body"]  # forwarded as sent
    second = await client.post("/api/identity/v1/oidc/authorize", data=form)
    assert second.status_code == 429
    # the same user through the JSON login shares the bucket
    json_body = {"tenant": "hexi", "username": "wang", "password": "guess"}
    assert (await client.post(LOGIN, json=json_body)).status_code == 429
