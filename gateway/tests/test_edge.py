"""What the edge answers before or instead of a service: deep login JSON, HEAD, CORS
preflights, and metrics kept off the public port."""

from __future__ import annotations

import urllib.request
from typing import Any

import httpx
import pytest

from xbt_shared.testing import free_port

LOGIN = "/api/identity/v1/auth/login"
PROBLEM = "application/problem+json"
PORTAL = "https://portal.example"


def nested(levels: int) -> bytes:
    """A login body whose `username` is nested `levels` arrays deep."""
    return b'{"tenant": "heping", "username": ' + b"[" * levels + b"]" * levels + b"}"


@pytest.mark.parametrize("levels", [1_000, 100_000])
async def test_deeply_nested_login_json_is_a_400_problem(make_gateway: Any, levels: int) -> None:
    # The login body limit is raised so that 100,000 levels reach the parser too.
    client: httpx.AsyncClient = await make_gateway(login_max_body_bytes=256 * 1024)
    resp = await client.post(
        LOGIN, content=nested(levels), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"] == PROBLEM
    problem = resp.json()
    assert problem["type"] == "/problems/json-too-deep"
    assert "嵌套" in problem["detail"]


async def test_deep_json_over_the_login_limit_is_a_413(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.post(
        LOGIN, content=nested(100_000), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413


async def test_shallow_login_json_and_brackets_in_strings_pass(
    gateway: httpx.AsyncClient,
) -> None:
    body = b'{"tenant": "heping", "username": "' + b"[" * 500 + b'", "password": "x"}'
    resp = await gateway.post(LOGIN, content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["body_len"] == len(body)


# HEAD ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/api/openapi.json", "/api/docs"])
async def test_head_answers_on_the_gateways_own_get_routes(
    make_gateway: Any, upstream_base: str, path: str
) -> None:
    client: httpx.AsyncClient = await make_gateway(
        upstreams={"identity": f"{upstream_base}/identity"}
    )
    got = await client.get(path)
    head = await client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers.get("cache-control") == got.headers.get("cache-control")


async def test_head_is_forwarded_as_head(gateway: httpx.AsyncClient) -> None:
    got = await gateway.get("/api/catalog/v1/shared/head-page")
    head = await gateway.head("/api/catalog/v1/shared/head-page")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["cache-control"] == got.headers["cache-control"]


# CORS ------------------------------------------------------------------------------------


def preflight(origin: str, headers: str = "authorization,content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


async def test_a_configured_origins_preflight_is_answered_with_the_allowed_headers(
    make_gateway: Any,
) -> None:
    client: httpx.AsyncClient = await make_gateway(cors_origins=[PORTAL])
    wanted = "authorization,content-type,idempotency-key,if-none-match,if-match,x-request-id"
    resp = await client.options(
        "/api/tasks/v1/tasks/t1/submissions", headers=preflight(PORTAL, wanted)
    )
    assert resp.status_code in (200, 204), resp.text
    assert resp.headers["access-control-allow-origin"] == PORTAL
    allowed = {h.strip().lower() for h in resp.headers["access-control-allow-headers"].split(",")}
    assert set(wanted.split(",")) <= allowed
    assert "POST" in resp.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in resp.headers
    assert "Origin" in resp.headers["vary"]
    assert int(resp.headers["access-control-max-age"]) > 0
    simple = await client.get("/api/identity/v1/echo", headers={"Origin": PORTAL})
    assert simple.headers["access-control-allow-origin"] == PORTAL
    assert "ETag" in simple.headers["access-control-expose-headers"]
    other = await client.get("/api/identity/v1/echo", headers={"Origin": "https://evil.example"})
    assert not any(name.startswith("access-control-") for name in other.headers)


async def test_another_origins_preflight_gets_no_cors_headers(make_gateway: Any) -> None:
    client: httpx.AsyncClient = await make_gateway(cors_origins=[PORTAL])
    resp = await client.options("/api/identity/v1/me", headers=preflight("https://evil.example"))
    assert resp.status_code == 403
    assert not any(name.startswith("access-control-") for name in resp.headers)
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "/problems/cors-origin-refused"


async def test_without_configured_origins_a_preflight_gets_no_cors_headers(
    gateway: httpx.AsyncClient,
) -> None:
    resp = await gateway.options("/api/identity/v1/me", headers=preflight(PORTAL))
    assert resp.status_code == 403
    assert not any(name.startswith("access-control-") for name in resp.headers)
    assert resp.json()["type"] == "/problems/cors-origin-refused"
    # a plain OPTIONS (no preflight) still reaches the service
    assert (await gateway.options("/api/identity/v1/echo")).json()["method"] == "OPTIONS"


# metrics ---------------------------------------------------------------------------------


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        return str(resp.read().decode())


async def test_metrics_are_served_on_the_metrics_port_only(
    make_gateway: Any, signing_key: Any
) -> None:
    port = free_port()
    client: httpx.AsyncClient = await make_gateway(metrics_port=port, metrics_host="127.0.0.1")
    await client.get("/api/catalog/v1/echo")
    assert "xbt_gateway_upstream_duration_seconds" in scrape(port)
    public = await client.get("/metrics")
    assert public.status_code == 404
    assert "xbt_" not in public.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog/metrics",
        "/api/catalog/v1/../metrics",
        "/api/catalog/v1/%2e%2e/metrics",
        "/api/catalog/v1/..%2Fmetrics",
        "/api/catalog/v1/%2E%2E%2Fmetrics",
    ],
)
async def test_a_services_metrics_are_not_routed(gateway: httpx.AsyncClient, path: str) -> None:
    resp = await gateway.get(path)
    assert resp.status_code in (400, 404)
    assert "internal metrics" not in resp.text
