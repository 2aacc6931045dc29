"""The merged AsyncAPI document: every service's events in one, a down service named."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import aiohttp
import pytest
from aiohttp import web

from xbt_gateway.openapi import AsyncApiAggregator
from xbt_shared import asyncapi
from xbt_shared.events import Consumed, Event
from xbt_shared.testing import free_port


class WorkSubmitted(Event):
    """A pupil handed in work."""

    TYPE: ClassVar[str] = "tasks.submission.created"
    EXAMPLE: ClassVar[dict[str, Any]] = {"submission_id": "s-1", "pupil_id": "u-1"}
    submission_id: str
    pupil_id: str


class SubmissionSeen(Consumed):
    TYPE: ClassVar[str] = "tasks.submission.created"
    submission_id: str


DOCS = {
    "tasks": asyncapi.document("tasks", publishes=[WorkSubmitted], consumes={}),
    "support": asyncapi.document(
        "support", publishes=[], consumes={SubmissionSeen.TYPE: SubmissionSeen}
    ),
}


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    app = web.Application()

    async def document(request: web.Request) -> web.Response:
        return web.json_response(DOCS[request.match_info["svc"]])

    app.router.add_get("/{svc}/asyncapi.json", document)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


async def test_events_of_every_service_in_one_document(upstream: str) -> None:
    aggregator = AsyncApiAggregator(title="学不停 events", cache_seconds=60, fetch_timeout=2)
    upstreams = {
        "tasks": f"{upstream}/tasks",
        "support": f"{upstream}/support",
        "down": f"http://127.0.0.1:{free_port()}",
    }
    async with aiohttp.ClientSession() as session:
        doc = json.loads(await aggregator.document(session, upstreams))
    assert doc["asyncapi"] == "3.0.0"
    channel = doc["channels"]["tasks.submission.created"]
    assert channel["address"] == "{tenant}.tasks.submission.created"
    assert set(channel["messages"]) == {"tasks.WorkSubmitted", "support.SubmissionSeen"}
    actions = {name: op["action"] for name, op in doc["operations"].items()}
    assert actions == {
        "tasks.publishes.tasks.submission.created": "send",
        "support.consumes.tasks.submission.created": "receive",
    }
    for ref in refs(doc):
        assert resolve(doc, ref) is not None, ref
    example = doc["components"]["messages"]["tasks.WorkSubmitted"]["examples"][0]["payload"]
    assert example["data"] == WorkSubmitted.EXAMPLE
    assert doc["x-xbt-unavailable"] == ["down"]
