"""Health, readiness, metrics, and the app's import-time behaviour."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
from prometheus_client import generate_latest


async def test_livez(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/livez")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_readyz_names_a_down_upstream(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/readyz")
    assert resp.status_code == 503
    checks = resp.json()["checks"]
    assert checks["redis"] == "ok"
    assert checks["upstream:identity"] == "ok"
    assert checks["upstream:down"].startswith("down")


async def test_readyz_ok_when_everything_answers(make_gateway: Any, upstream_base: str) -> None:
    client = await make_gateway(upstreams={"identity": f"{upstream_base}/identity"})
    resp = await client.get("/readyz")
    assert resp.status_code == 200, resp.text
    assert resp.json()["checks"] == {"redis": "ok", "upstream:identity": "ok"}


async def test_readyz_can_ignore_upstreams(make_gateway: Any) -> None:
    client = await make_gateway(readyz_requires_upstreams=False)
    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"redis": "ok"}


async def test_metrics_label_services_not_users(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(sub="user-with-a-secret-id")
    await gateway.get("/api/catalog/v1/echo", headers={"Authorization": f"Bearer {token}"})
    await gateway.get("/api/down/v1/echo")
    # What the metrics port serves (test_edge.py scrapes that port itself).
    text = generate_latest().decode()
    assert 'xbt_gateway_upstream_duration_seconds_count{service="catalog",status_class="2xx"}' in (
        text
    )
    assert 'service="down",status_class="unavailable"' in text
    assert 'route="/api/catalog/{path}"' in text
    assert "user-with-a-secret-id" not in text


def test_importing_main_connects_nothing() -> None:
    main = importlib.import_module("xbt_gateway.main")
    runtime = main.app.state.runtime
    assert runtime.session is None
    assert runtime.redis is None
