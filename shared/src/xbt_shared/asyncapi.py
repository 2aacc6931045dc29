"""An AsyncAPI 3.0 document of what one service publishes and consumes, from its models.

Every event travels as a CloudEvents 1.0 envelope (structured JSON) on the topic exchange,
routing key `<tenant>.<type>`. A channel per event type; a `send` operation for each event
the service publishes (the message's payload is the envelope with the model as its `data`,
and the model's `EXAMPLE`), a `receive` operation for each it consumes (the fields the
consumer reads). Component names carry the service (`tasks.SubmissionCreated`), so the
gateway can merge every service's document into one without clashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from xbt_shared.events import Event

ASYNCAPI_VERSION = "3.0.0"
CLOUDEVENT = "CloudEvent"


def _envelope_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "CloudEvents 1.0, structured JSON mode; `tenant` is an extension attribute",
        "required": ["specversion", "id", "source", "type", "time", "tenant", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "description": "unique per event; consumers dedupe on it"},
            "source": {"type": "string", "examples": ["/xbt/tasks"]},
            "type": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "subject": {"type": ["string", "null"]},
            "datacontenttype": {"const": "application/json"},
            "tenant": {"type": "string", "description": "the district (or city) it happened in"},
            "traceparent": {"type": ["string", "null"], "description": "W3C trace context"},
            "requestid": {"type": ["string", "null"]},
            "data": {"type": "object"},
        },
    }


def _schema_of(model: type[BaseModel], prefix: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """`model`'s JSON schema as a reference, its definitions added to `schemas`."""
    schema = model.model_json_schema(ref_template=f"#/components/schemas/{prefix}.{{model}}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas[f"{prefix}.{name}"] = definition
    name = f"{prefix}.{model.__name__}"
    schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def _channel(event_type: str, exchange: str) -> dict[str, Any]:
    return {
        "address": "{tenant}." + event_type,
        "title": event_type,
        "parameters": {"tenant": {"description": "`city` or one of the 16 districts"}},
        "messages": {},
        "bindings": {
            "amqp": {
                "is": "routingKey",
                "exchange": {"name": exchange, "type": "topic", "durable": True},
                "bindingVersion": "0.3.0",
            }
        },
    }


def _message(
    event_type: str,
    model: type[BaseModel],
    *,
    prefix: str,
    schemas: dict[str, Any],
    example: Mapping[str, Any] | None,
) -> dict[str, Any]:
    data = _schema_of(model, prefix, schemas)
    message: dict[str, Any] = {
        "name": event_type,
        "title": model.__name__,
        "summary": (model.__doc__ or "").strip().split("\n\n")[0],
        "contentType": "application/cloudevents+json",
        "payload": {
            "allOf": [
                {"$ref": f"#/components/schemas/{CLOUDEVENT}"},
                {"type": "object", "properties": {"type": {"const": event_type}, "data": data}},
            ]
        },
    }
    if example is not None:
        message["examples"] = [{"payload": {"type": event_type, "data": dict(example)}}]
    return message


def document(
    service: str,
    *,
    publishes: Iterable[type[Event]],
    consumes: Mapping[str, type[BaseModel]],
    exchange: str = "xbt.events",
    version: str = "1.0.0",
) -> dict[str, Any]:
    """The service's AsyncAPI document. `consumes`: event type -> the consumer's model."""
    schemas: dict[str, Any] = {CLOUDEVENT: _envelope_schema()}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}

    def add(action: str, event_type: str, model: type[BaseModel], example: Any) -> None:
        message_id = f"{service}.{model.__name__}"
        messages[message_id] = _message(
            event_type, model, prefix=service, schemas=schemas, example=example
        )
        channel = channels.setdefault(event_type, _channel(event_type, exchange))
        channel["messages"][message_id] = {"$ref": f"#/components/messages/{message_id}"}
        verb = "publishes" if action == "send" else "consumes"
        operations[f"{service}.{verb}.{event_type}"] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{event_type}"},
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{message_id}"}],
            "summary": f"{service} {verb} {event_type}",
        }

    for event in publishes:
        add("send", event.TYPE, event, getattr(event, "EXAMPLE", None))
    for event_type, model in consumes.items():
        add("receive", event_type, model, None)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": f"学不停 {service} events", "version": version},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def merge(documents: Mapping[str, Mapping[str, Any]], *, title: str) -> dict[str, Any]:
    """Every service's document in one: channels shared by a producer and its consumers
    list the messages of both."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for doc in documents.values():
        for name, channel in doc.get("channels", {}).items():
            merged = channels.setdefault(name, {**channel, "messages": {}})
            merged["messages"].update(channel.get("messages", {}))
        operations.update(doc.get("operations", {}))
        components = doc.get("components", {})
        schemas.update(components.get("schemas", {}))
        messages.update(components.get("messages", {}))
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": "1.0.0"},
        "defaultContentType": "application/cloudevents+json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"schemas": schemas, "messages": messages},
    }
