"""The AsyncAPI document of a service's events, from its event models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

from fastapi import FastAPI
from pydantic import BaseModel, Field

from xbt_shared import asyncapi
from xbt_shared.app import build_service_app
from xbt_shared.consumers import Consumer, consumer
from xbt_shared.envelope import CloudEvent
from xbt_shared.events import Consumed, Event
from xbt_shared.mongo import UnitOfWork
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.testing import client_of


class Attachment(BaseModel):
    file_id: str
    bytes: int


class SubmissionCreated(Event):
    """A pupil handed in work.

    (More words that the summary leaves out.)"""

    TYPE: ClassVar[str] = "tasks.submission.created"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "submission_id": "s-1",
        "task_id": "t-1",
        "attachments": [{"file_id": "f-1", "bytes": 2048}],
    }
    submission_id: str
    task_id: str
    attachments: list[Attachment] = Field(default_factory=list)


class TaskAssigned(Event):
    """A teacher assigned a task to classes."""

    TYPE: ClassVar[str] = "tasks.task.assigned"
    EXAMPLE: ClassVar[dict[str, Any]] = {"task_id": "t-1", "class_ids": ["c-1"]}
    task_id: str
    class_ids: list[str]


class ResourceRecommended(Consumed):
    """What tasks reads of the catalog's recommendation."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    resource_id: str


class CatalogResourceRecommended(Event):
    """A researcher recommended a resource (the catalog's side of it)."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    EXAMPLE: ClassVar[dict[str, Any]] = {"resource_id": "r-1", "by": "u-9"}
    resource_id: str
    by: str


def tasks_document() -> dict[str, Any]:
    return asyncapi.document(
        "tasks",
        publishes=(SubmissionCreated, TaskAssigned),
        consumes={ResourceRecommended.TYPE: ResourceRecommended},
    )


def resolve(document: dict[str, Any], ref: str) -> Any:
    """The target of a local JSON reference (`#/a/b`), or KeyError."""
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs_in(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs_in(value)]
    return []


def assert_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = refs_in(document)
    assert refs
    for ref in refs:
        resolve(document, ref)


def test_a_services_document_describes_what_it_sends_and_receives() -> None:
    doc = tasks_document()
    assert doc["asyncapi"] == "3.0.0"
    types = {SubmissionCreated.TYPE, TaskAssigned.TYPE, ResourceRecommended.TYPE}
    assert set(doc["channels"]) == types
    for event_type, channel in doc["channels"].items():
        assert channel["address"] == "{tenant}." + event_type
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "xbt.events"
    operations = doc["operations"]
    assert {name: op["action"] for name, op in operations.items()} == {
        "tasks.publishes.tasks.submission.created": "send",
        "tasks.publishes.tasks.task.assigned": "send",
        "tasks.consumes.catalog.resource.recommended": "receive",
    }
    for op in operations.values():
        channel = resolve(doc, op["channel"]["$ref"])
        for message_ref in op["messages"]:
            # An operation's message is one of its channel's messages.
            assert resolve(doc, message_ref["$ref"]) in channel["messages"].values()
    assert_every_ref_resolves(doc)


def test_a_message_carries_the_envelope_the_model_and_its_example() -> None:
    doc = tasks_document()
    message = doc["components"]["messages"]["tasks.SubmissionCreated"]
    assert message["name"] == SubmissionCreated.TYPE
    assert message["summary"] == "A pupil handed in work."
    envelope, typed = message["payload"]["allOf"]
    assert resolve(doc, envelope["$ref"])["required"][:2] == ["specversion", "id"]
    assert typed["properties"]["type"] == {"const": SubmissionCreated.TYPE}
    data = resolve(doc, typed["properties"]["data"]["$ref"])
    assert set(data["required"]) == {"submission_id", "task_id"}
    # The nested model is a component of this service's, named after it.
    assert "tasks.Attachment" in doc["components"]["schemas"]
    example = message["examples"][0]["payload"]
    assert example == {"type": SubmissionCreated.TYPE, "data": SubmissionCreated.EXAMPLE}
    SubmissionCreated.model_validate(example["data"])  # the example is a valid body
    consumed = doc["components"]["messages"]["tasks.ResourceRecommended"]
    assert "examples" not in consumed


def test_merged_documents_keep_both_sides_of_a_shared_channel() -> None:
    catalog = asyncapi.document("catalog", publishes=(CatalogResourceRecommended,), consumes={})
    merged = asyncapi.merge({"tasks": tasks_document(), "catalog": catalog}, title="学不停 events")
    assert merged["asyncapi"] == "3.0.0" and merged["info"]["title"] == "学不停 events"
    shared = merged["channels"][ResourceRecommended.TYPE]["messages"]
    assert set(shared) == {"catalog.CatalogResourceRecommended", "tasks.ResourceRecommended"}
    assert "catalog.publishes.catalog.resource.recommended" in merged["operations"]
    assert "tasks.consumes.catalog.resource.recommended" in merged["operations"]
    assert "tasks.publishes.tasks.task.assigned" in merged["operations"]
    assert_every_ref_resolves(merged)


@consumer(ResourceRecommended)
async def on_resource_recommended(
    uow: UnitOfWork, data: ResourceRecommended, event: CloudEvent
) -> None:
    """(never called here)"""


async def test_the_service_app_serves_its_document() -> None:
    settings = CommonSettings(events_exchange="xbt.test.asyncapi")
    runtime = Runtime(settings, service="tasks")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    def subscriptions() -> dict[str, Consumer[Any]]:
        return {ResourceRecommended.TYPE: on_resource_recommended}

    app = build_service_app(
        runtime,
        title="tasks",
        lifespan=lifespan,
        publishes=(SubmissionCreated, TaskAssigned),
        consumes=subscriptions,
    )
    try:
        async with client_of(app) as client:
            resp = await client.get("/asyncapi.json")
            again = await client.get("/asyncapi.json")
    finally:
        await runtime.redis.aclose()
        await runtime.mongo.close()
    assert resp.status_code == 200
    served = resp.json()
    expected = asyncapi.document(
        "tasks",
        publishes=(SubmissionCreated, TaskAssigned),
        consumes={ResourceRecommended.TYPE: ResourceRecommended},
        exchange="xbt.test.asyncapi",
    )
    assert served == expected
    assert again.json() == served
    assert_every_ref_resolves(served)
