"""Request ids, trace context over HTTP and into events, JSON log lines, problem+json."""

from __future__ import annotations

import json
import logging

import httpx
from fastapi import FastAPI
from opentelemetry import trace
from pydantic import BaseModel

from xbt_shared.app import build_app
from xbt_shared.context import tenant_var
from xbt_shared.envelope import CloudEvent
from xbt_shared.errors import Conflict
from xbt_shared.observability import JsonFormatter
from xbt_shared.settings import CommonSettings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


class Body(BaseModel):
    n: int


def _app() -> FastAPI:
    app = build_app(CommonSettings(log_json=False), service="probe", title="probe")

    @app.get("/event")
    async def event() -> dict[str, object]:
        tenant_var.set("heping")
        ev = CloudEvent.new(source="/probe", type="probe.thing.done", tenant="heping", data={})
        span = trace.get_current_span().get_span_context()
        return {
            "traceparent": ev.traceparent,
            "requestid": ev.requestid,
            "trace_id": format(span.trace_id, "032x"),
        }

    @app.post("/things")
    async def things(body: Body) -> dict[str, int]:
        if body.n == 0:
            raise Conflict("zero is taken", slug="zero-taken")
        if body.n < 0:
            raise RuntimeError("unexpected")
        return {"n": body.n}

    return app


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    )


async def test_trace_context_continues_into_events() -> None:
    async with await _client(_app()) as client:
        resp = await client.get("/event", headers={"traceparent": PARENT, "x-request-id": "r-1"})
    body = resp.json()
    assert resp.headers["x-request-id"] == "r-1"
    assert body["trace_id"] == TRACE_ID  # the server span joined the caller's trace
    assert body["traceparent"].split("-")[1] == TRACE_ID  # and the event carries it on
    assert body["requestid"] == "r-1"


async def test_request_id_is_made_when_missing() -> None:
    async with await _client(_app()) as client:
        resp = await client.get("/livez")
    assert len(resp.headers["x-request-id"]) == 32


async def test_errors_are_problem_json() -> None:
    async with await _client(_app()) as client:
        conflict = await client.post("/things", json={"n": 0})
        invalid = await client.post("/things", json={"n": "many"})
        crash = await client.post("/things", json={"n": -1})
        missing = await client.get("/nowhere")
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert conflict.json()["type"] == "/problems/zero-taken"
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "body.n"
    assert crash.status_code == 500
    assert crash.json()["type"] == "/problems/internal-error"
    assert "unexpected" not in crash.text  # no internals leak
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_json_log_line_carries_tenant_and_trace() -> None:
    tracer = trace.get_tracer("test")
    formatter = JsonFormatter("probe")
    token = tenant_var.set("hexi")
    try:
        with tracer.start_as_current_span("work") as span:
            record = logging.LogRecord("x", logging.INFO, __file__, 1, "你好 %s", ("世界",), None)
            line = json.loads(formatter.format(record))
            expected = format(span.get_span_context().trace_id, "032x")
    finally:
        tenant_var.reset(token)
    assert line["msg"] == "你好 世界"
    assert line["tenant"] == "hexi" and line["service"] == "probe"
    assert line["trace_id"] == expected
