"""`/api/gateway/v1/whoami`: the gateway's own authenticated route, behind the same edge."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from xbt_gateway.settings import GatewaySettings

WHOAMI = "/api/gateway/v1/whoami"


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


async def test_whoami_tells_the_caller_what_its_token_says(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(
        sub="u-7", tid="hexi", roles=("teacher",), school="hx-1", classes=["c-1"], name="王老师"
    )
    resp = await gateway.get(WHOAMI, headers=auth(token))
    assert resp.status_code == 200
    body = resp.json()
    assert body["user_id"] == "u-7"
    assert body["tenant"] == "hexi"
    assert body["roles"] == ["teacher"]
    assert body["school"] == "hx-1"
    assert body["classes"] == ["c-1"]
    assert body["name"] == "王老师"
    assert body["guest"] is False
    assert body["expires_at"] > 0
    assert resp.headers["cache-control"] == "no-store"


async def test_whoami_needs_a_valid_token(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    missing = await gateway.get(WHOAMI)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    expired = await gateway.get(WHOAMI, headers=auth(signing_key.token(expires_in=-60)))
    assert expired.status_code == 401


async def test_whoami_keeps_the_tenant_rules(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(tid="heping")
    other = await gateway.get(WHOAMI, headers=auth(token, **{"X-Xbt-Tenant": "hexi"}))
    assert other.status_code == 403
    query = await gateway.get(f"{WHOAMI}?tenant=hexi", headers=auth(token))
    assert query.status_code == 403


async def test_whoami_is_rate_limited(make_gateway: Any, signing_key: Any) -> None:
    client: httpx.AsyncClient = await make_gateway(user_rate=0.5, user_burst=2)
    token = signing_key.token(sub="eager")
    codes = [(await client.get(WHOAMI, headers=auth(token))).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


async def test_other_gateway_paths_and_methods(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token()
    unknown = await gateway.get("/api/gateway/v1/elsewhere", headers=auth(token))
    assert unknown.status_code == 404
    post = await gateway.post(WHOAMI, headers=auth(token))
    assert post.status_code == 405
    assert post.headers["allow"] == "GET, HEAD"


def test_no_upstream_may_be_named_gateway() -> None:
    with pytest.raises(ValueError, match="gateway's own"):
        GatewaySettings(upstreams={"gateway": "http://127.0.0.1:9"})
