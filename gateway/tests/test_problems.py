"""Problems through the gateway: the public `instance` and the reader's language, both for a
service's problem (a real app with the kit's handlers behind the gateway) and the gateway's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, Field

from xbt_shared.errors import NotFound, install_problem_handlers
from xbt_shared.testing import eventually, free_port

GatewayFactory = Callable[..., Awaitable[httpx.AsyncClient]]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}


class Note(BaseModel):
    title: str = Field(max_length=64)


def service_app() -> FastAPI:
    """A service as the kit builds its errors: problems raised in English with a slug."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/v1/tasks/{task_id}")
    async def task(task_id: str) -> None:
        raise NotFound(f"no task {task_id!r}")

    @app.post("/v1/notes")
    async def note(body: Note) -> None:
        return None

    return app


@pytest.fixture(scope="module")
async def service_base() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(service_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


async def _gateway(make_gateway: GatewayFactory, service_base: str) -> httpx.AsyncClient:
    return await make_gateway(upstreams={"tasks": service_base})


async def test_a_service_problem_names_its_public_path(
    make_gateway: GatewayFactory, service_base: str
) -> None:
    gateway = await _gateway(make_gateway, service_base)
    # a client's own prefix is replaced by the gateway's
    resp = await gateway.get("/api/tasks/v1/tasks/42", headers={"X-Forwarded-Prefix": "/evil"})
    assert resp.status_code == 404
    body = resp.json()
    assert body["instance"] == "/api/tasks/v1/tasks/42"
    assert (body["title"], body["detail"]) == ("Not found", "no task '42'")
    assert resp.headers["content-language"] == "en"


async def test_a_service_problem_in_chinese_through_the_gateway(
    make_gateway: GatewayFactory, service_base: str
) -> None:
    gateway = await _gateway(make_gateway, service_base)
    resp = await gateway.get("/api/tasks/v1/tasks/42", headers=ZH)
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert body["title"] == "未找到"
    assert body["detail_en"] == "no task '42'"
    assert body["instance"] == "/api/tasks/v1/tasks/42"
    assert resp.headers["content-language"] == "zh-CN"
    assert "Accept-Language" in resp.headers["vary"]

    bad = await gateway.post("/api/tasks/v1/notes", json={"title": "长" * 65}, headers=ZH)
    assert bad.status_code == 422
    [error] = bad.json()["errors"]
    assert (error["field"], error["code"], error["message"]) == (
        "body.title",
        "string_too_long",
        "最多 64 个字符",
    )
    assert bad.json()["instance"] == "/api/tasks/v1/notes"


async def test_the_gateways_own_problems_speak_the_readers_language(
    make_gateway: GatewayFactory, service_base: str
) -> None:
    gateway = await _gateway(make_gateway, service_base)
    unknown = await gateway.get("/api/nowhere/v1/x", headers=ZH)
    assert unknown.status_code == 404
    body = unknown.json()
    assert (body["type"], body["title"]) == ("/problems/unknown-service", "没有这个服务")
    assert body["detail_en"] == "no service named 'nowhere'"
    assert body["instance"] == "/api/nowhere/v1/x"
    assert unknown.headers["content-language"] == "zh-CN"
    assert unknown.headers["vary"] == "Accept-Language"

    english = await gateway.get("/api/nowhere/v1/x")
    assert english.json()["title"] == "Unknown service"
    assert english.headers["content-language"] == "en"

    refused = await gateway.get(
        "/api/tasks/v1/tasks/1", headers={**ZH, "Authorization": "Bearer not-a-token"}
    )
    assert refused.status_code == 401
    assert refused.json()["title"] == "需要登录"
    assert "www-authenticate" in refused.headers

    # the gateway's own routes: a client's X-Forwarded-Prefix does not move `instance`
    missing = await gateway.get(
        "/api/gateway/v1/nothing", headers={**ZH, "X-Forwarded-Prefix": "/evil"}
    )
    assert missing.json()["instance"] == "/api/gateway/v1/nothing"
