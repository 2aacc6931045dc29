"""Forwarding: headers in and out, bodies both ways, failures of the upstream."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from xbt_shared.testing import eventually

PROBLEM = "application/problem+json"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_token_is_forwarded_and_forged_identity_headers_are_not(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(sub="stu-42", roles=("student",), school="sch-7")
    resp = await gateway.get(
        "/api/identity/v1/echo/me",
        headers={
            **auth(token),
            "X-Xbt-User": "someone-else",
            "X-Xbt-Roles": "city_admin",
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "drop me",
            "Keep-Alive": "timeout=5",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        },
    )
    assert resp.status_code == 200, resp.text
    seen = resp.json()
    headers = seen["headers"]
    assert seen["path"] == "/identity/v1/echo/me"
    assert "x-xbt-user" not in headers
    assert "x-xbt-roles" not in headers
    assert headers["authorization"] == f"Bearer {token}"
    assert "x-secret-hop" not in headers
    assert "keep-alive" not in headers
    # the trace continues: same trace id, a new parent span
    trace_id = headers["traceparent"].split("-")[1]
    assert trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert headers["x-request-id"] == resp.headers["x-request-id"]
    assert headers["x-forwarded-prefix"] == "/api/identity"
    assert headers["x-forwarded-for"] == "10.0.0.1"
    assert "server" not in resp.headers


async def test_anonymous_request_passes_without_identity_headers(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.get(
        "/api/identity/v1/tenants", headers={"X-Xbt-User": "forged", "X-Xbt-School": "x"}
    )
    assert resp.status_code == 200
    headers = resp.json()["headers"]
    assert "x-xbt-user" not in headers
    assert "x-xbt-school" not in headers


async def test_request_id_is_propagated_and_echoed(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/catalog/v1/echo", headers={"X-Request-Id": "rid-123"})
    assert resp.headers["x-request-id"] == "rid-123"
    assert resp.json()["headers"]["x-request-id"] == "rid-123"
    assert resp.headers.get_list("x-request-id") == ["rid-123"]


async def test_path_and_query_are_preserved(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/catalog/v1/echo/a%2Fb/%E5%AD%A6?q=%E5%AD%A6&x=1&x=2")
    seen = resp.json()
    assert seen["path"] == "/catalog/v1/echo/a%2Fb/%E5%AD%A6"
    assert seen["query"] == "q=学&x=1&x=2"


async def test_unknown_service_is_404_problem(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/nosuch/v1/things")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert body["type"] == "/problems/unknown-service"
    assert body["request_id"] == resp.headers["x-request-id"]


async def test_only_versioned_paths_are_routed(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/identity/metrics")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM


async def test_dot_segments_are_refused(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/identity/v1/%2e%2e/metrics")
    assert resp.status_code == 400
    assert resp.headers["content-type"] == PROBLEM


async def test_well_known_paths_proxy(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/identity/v1/.well-known/openid-configuration")
    assert resp.status_code == 200
    assert resp.json()["jwks_uri"].endswith("/.well-known/jwks.json")


async def test_upstream_down_is_503_quickly(gateway: httpx.AsyncClient) -> None:
    started = time.monotonic()
    resp = await gateway.get("/api/down/v1/anything")
    assert time.monotonic() - started < 2.0
    assert resp.status_code == 503
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "/problems/upstream-unavailable"
    assert "retry-after" in resp.headers


async def test_slow_upstream_is_504(make_gateway: Any) -> None:
    client = await make_gateway(upstream_timeout_seconds=0.3)
    started = time.monotonic()
    resp = await client.get("/api/catalog/v1/slow", params={"seconds": "3"})
    assert time.monotonic() - started < 2.0
    assert resp.status_code == 504
    assert resp.json()["type"] == "/problems/upstream-timeout"


async def test_declared_body_too_large_is_413(make_gateway: Any) -> None:
    client = await make_gateway(max_body_bytes=1024)
    resp = await client.post("/api/catalog/v1/upload", content=b"x" * 2000)
    assert resp.status_code == 413
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "/problems/payload-too-large"


async def test_streamed_body_growing_too_large_is_413(make_gateway: Any) -> None:
    client = await make_gateway(max_body_bytes=200 * 1024)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * (32 * 1024)

    resp = await client.post("/api/catalog/v1/upload", content=chunks())
    assert resp.status_code == 413
    assert resp.json()["type"] == "/problems/payload-too-large"


async def test_a_service_may_take_larger_bodies_than_the_rest(make_gateway: Any) -> None:
    client = await make_gateway(
        max_body_bytes=1024, max_body_bytes_by_service={"catalog": 300 * 1024}
    )
    allowed = await client.post("/api/catalog/v1/upload", content=b"x" * 200_000)
    assert allowed.status_code == 200
    assert allowed.json()["body_len"] == 200_000

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * (32 * 1024)

    grown = await client.post("/api/catalog/v1/upload", content=chunks())
    assert grown.status_code == 413
    assert "307200" in grown.json()["detail"]  # the catalog's own limit
    elsewhere = await client.post("/api/identity/v1/upload", content=b"x" * 2000)
    assert elsewhere.status_code == 413


async def test_large_bodies_stream_both_ways(gateway: httpx.AsyncClient) -> None:
    upload = bytes(range(256)) * 4096 * 3  # 3 MiB, above the buffering threshold
    resp = await gateway.post(
        "/api/identity/v1/rosters", content=upload, headers={"Content-Type": "text/csv"}
    )
    assert resp.status_code == 200
    seen = resp.json()
    assert seen["body_len"] == len(upload)
    assert seen["body_sha256"] == hashlib.sha256(upload).hexdigest()
    assert seen["headers"]["content-length"] == str(len(upload))
    assert seen["headers"]["content-type"] == "text/csv"

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(40):
            yield bytes([i]) * 10_000

    resp = await gateway.put("/api/identity/v1/rosters/chunked", content=chunks())
    assert resp.json()["body_len"] == 400_000

    resp = await gateway.get("/api/catalog/v1/big", params={"bytes": str(3 * 1024 * 1024 + 7)})
    assert resp.status_code == 200
    assert len(resp.content) == 3 * 1024 * 1024 + 7


async def test_small_body_is_forwarded_with_content_type(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.post("/api/catalog/v1/notes", json={"text": "学不停"})
    seen = resp.json()
    assert seen["body"] == '{"text":"学不停"}'
    assert seen["headers"]["content-type"] == "application/json"


async def test_encoded_responses_pass_untouched(gateway: httpx.AsyncClient) -> None:
    headers = {"Accept-Encoding": "gzip"}
    async with gateway.stream("GET", "/api/catalog/v1/gzip", headers=headers) as resp:
        raw = b"".join([chunk async for chunk in resp.aiter_raw()])
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.headers["content-length"] == str(len(raw))
    assert gzip.decompress(raw) == b'{"compressed": true}'


async def test_redirects_point_at_public_paths(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/identity/v1/redirect")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/api/identity/v1/echo/there"


async def test_cookies_pass_through_but_are_never_shared(gateway: httpx.AsyncClient) -> None:
    first = await gateway.get("/api/catalog/v1/cookie")
    assert "session=secret-of-one-user" in first.headers["set-cookie"]
    gateway.cookies.clear()
    second = await gateway.get("/api/catalog/v1/cookie")
    assert second.json()["cookie"] is None  # the gateway's client kept no cookie jar


async def test_security_headers_everywhere(make_gateway: Any) -> None:
    client = await make_gateway(tls_terminated_upstream=True)
    for path in ("/api/catalog/v1/echo", "/api/nosuch/v1/x", "/livez"):
        resp = await client.get(path)
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in resp.headers["content-security-policy"]
        assert resp.headers["strict-transport-security"].startswith("max-age=")


async def test_no_hsts_unless_tls_terminates_in_front(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/livez")
    assert "strict-transport-security" not in resp.headers


async def test_cors_preflight_for_configured_origin(make_gateway: Any) -> None:
    client = await make_gateway(cors_origins=["https://portal.example"])
    resp = await client.options(
        "/api/identity/v1/me",
        headers={
            "Origin": "https://portal.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == "https://portal.example"
    resp = await client.get("/api/identity/v1/echo", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in resp.headers


async def test_load_shedding_answers_503_instead_of_queueing(make_gateway: Any) -> None:
    client = await make_gateway(max_inflight_per_upstream=2)
    slow = [
        asyncio.create_task(client.get("/api/catalog/v1/slow", params={"seconds": "1.5"}))
        for _ in range(2)
    ]
    catalog = client.app.state.runtime.upstreams["catalog"]
    await eventually(lambda: catalog.inflight == 2)
    started = time.monotonic()
    shed = await client.get("/api/catalog/v1/echo")
    assert time.monotonic() - started < 0.5
    assert shed.status_code == 503
    assert shed.json()["type"] == "/problems/overloaded"
    assert shed.headers["retry-after"] == "1"
    # another service is not affected
    assert (await client.get("/api/identity/v1/echo")).status_code == 200
    assert [r.status_code for r in await asyncio.gather(*slow)] == [200, 200]
    assert (await client.get("/api/catalog/v1/echo")).status_code == 200


async def test_unsafe_request_ids_are_replaced(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/catalog/v1/echo", headers={"X-Request-Id": "x" * 500})
    rid = resp.headers["x-request-id"]
    assert rid != "x" * 500
    assert resp.json()["headers"]["x-request-id"] == rid
