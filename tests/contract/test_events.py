"""Every producer's example event, fed through every consumer's model of it.

A consumer models only the fields it reads of another service's event. When a producer
renames or drops one of them, or changes its type, this fails here rather than in a
consumer in production. Services never import each other; this test imports them all.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel, ValidationError

from xbt_shared import asyncapi
from xbt_shared.events import Consumed, Event

SERVICES = ("identity", "catalog", "tasks")
EVENT_TYPE = re.compile(r"^(?P<service>[a-z]+)\.[a-z_]+\.[a-z_]+(\.v[0-9]+)?$")


def events_of(service: str) -> ModuleType:
    return importlib.import_module(f"xbt_{service}.events")


@dataclass(frozen=True)
class Published:
    service: str
    model: type[Event]


@dataclass(frozen=True)
class Subscription:
    service: str
    event_type: str
    model: type[BaseModel]


def published(modules: dict[str, ModuleType]) -> dict[str, Published]:
    found: dict[str, Published] = {}
    for service, module in modules.items():
        for model in module.PUBLISHES:
            assert model.TYPE not in found, f"{model.TYPE} is published twice"
            found[model.TYPE] = Published(service, model)
    return found


def subscriptions(modules: dict[str, ModuleType]) -> list[Subscription]:
    return [
        Subscription(service, event_type, consumer.model)
        for service, module in modules.items()
        for event_type, consumer in module.subscriptions().items()
    ]


def incompatibilities(producers: dict[str, Published], consumers: list[Subscription]) -> list[str]:
    """What would break: a consumed type nobody publishes, an example a consumer refuses."""
    problems = []
    for sub in consumers:
        producer = producers.get(sub.event_type)
        if producer is None:
            problems.append(f"{sub.service} consumes {sub.event_type}, which no service publishes")
            continue
        try:
            sub.model.model_validate(producer.model.EXAMPLE)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            problems.append(
                f"{sub.service} cannot read {producer.service}'s {sub.event_type}: {fields}"
            )
    return problems


MODULES = {service: events_of(service) for service in SERVICES}
PRODUCERS = published(MODULES)
CONSUMERS = subscriptions(MODULES)


def test_every_consumer_reads_every_producers_example() -> None:
    assert incompatibilities(PRODUCERS, CONSUMERS) == []


@pytest.mark.parametrize("event_type", sorted(PRODUCERS))
def test_example_is_a_valid_body_of_its_own_model(event_type: str) -> None:
    producer = PRODUCERS[event_type]
    match = EVENT_TYPE.match(event_type)
    assert match, f"{event_type} is not <service>.<entity>.<verb-past>[.vN]"
    assert match["service"] == producer.service, f"{event_type} is published by {producer.service}"
    assert issubclass(producer.model, Event)
    body = producer.model.model_validate(producer.model.EXAMPLE)
    # The example names every field, so a consumer's test sees all of them.
    assert set(producer.model.EXAMPLE) == set(producer.model.model_fields), event_type
    assert body.model_dump(mode="json").keys() == producer.model.EXAMPLE.keys()


@pytest.mark.parametrize("sub", CONSUMERS, ids=lambda s: f"{s.service}:{s.event_type}")
def test_a_subscription_names_the_type_its_model_reads(sub: Subscription) -> None:
    assert issubclass(sub.model, Consumed)
    assert sub.event_type == sub.model.TYPE


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_document_of_each_service_resolves(service: str) -> None:
    module = MODULES[service]
    doc = asyncapi.document(
        service,
        publishes=module.PUBLISHES,
        consumes={t: c.model for t, c in module.subscriptions().items()},
    )
    assert doc["asyncapi"] == "3.0.0"
    for ref in _refs(doc):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            assert part in node, f"{service}: {ref} does not resolve"
            node = node[part]
    assert {c for c in doc["channels"]} >= {m.TYPE for m in module.PUBLISHES}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


# The check itself: a producer that renames a field a consumer reads is caught.


class WorkHandedIn(Event):
    TYPE: ClassVar[str] = "tasks.work.handed_in"
    EXAMPLE: ClassVar[dict[str, Any]] = {"work_id": "w-1", "pupil": "u-1"}
    work_id: str
    pupil: str


class WorkReader(Consumed):
    TYPE: ClassVar[str] = "tasks.work.handed_in"
    work_id: str
    pupil_id: str  # the producer calls it `pupil`


def test_a_renamed_field_is_an_incompatibility() -> None:
    producers = {WorkHandedIn.TYPE: Published("tasks", WorkHandedIn)}
    consumer = Subscription("support", WorkReader.TYPE, WorkReader)
    assert incompatibilities(producers, [consumer]) == [
        "support cannot read tasks's tasks.work.handed_in: pupil_id"
    ]
    unknown = Subscription("support", "tasks.work.lost", WorkReader)
    assert incompatibilities(producers, [unknown]) == [
        "support consumes tasks.work.lost, which no service publishes"
    ]
