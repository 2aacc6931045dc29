"""Every number and every instant a request brings is bounded, as its OpenAPI document says.

`?page=99999999999999999999` overflowed the database driver's integer and a task due
`9999-12-31T23:59:59Z` broke every view converting it to Beijing time: both were a 500. So
every integer or number query and path parameter of every service declares a minimum and a
maximum, and every date-time of a request body or query is an `xbt_shared.bounds.Instant`
(its schema carries `x-earliest`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest

SERVICES = ("identity", "catalog", "tasks")
METHODS = {"get", "put", "post", "patch", "delete"}
Schema = dict[str, Any]


def nested(schema: Schema, components: dict[str, Schema], seen: set[str]) -> Iterator[Schema]:
    """`schema` and every schema inside it, each `$ref` followed once."""
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from nested(components[name], components, seen)
        return
    yield schema
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for inner in schema.get(key, []):
            yield from nested(inner, components, seen)
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from nested(schema[key], components, seen)
    for inner in schema.get("properties", {}).values():
        yield from nested(inner, components, seen)


def bounded(schema: Schema) -> bool:
    if "enum" in schema or "const" in schema:
        return True
    low = "minimum" in schema or "exclusiveMinimum" in schema
    high = "maximum" in schema or "exclusiveMaximum" in schema
    return low and high


def unbounded(doc: dict[str, Any]) -> list[str]:
    components = doc.get("components", {}).get("schemas", {})
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                if param.get("in") not in ("query", "path"):
                    continue
                for schema in nested(param.get("schema", {}), components, set()):
                    if schema.get("type") in ("integer", "number") and not bounded(schema):
                        found.append(f"{where} {param['name']}: no minimum and maximum")
                    if schema.get("format") == "date-time" and "x-earliest" not in schema:
                        found.append(f"{where} {param['name']}: a date-time, not an Instant")
            bodies = (op.get("requestBody") or {}).get("content", {})
            for media, body in bodies.items():
                for schema in nested(body.get("schema", {}), components, set()):
                    if schema.get("format") == "date-time" and "x-earliest" not in schema:
                        title = schema.get("title", "")
                        found.append(f"{where} {media} {title}: a date-time, not an Instant")
    return sorted(set(found))


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_number_and_instant_is_bounded(service: str) -> None:
    app = importlib.import_module(f"xbt_{service}.main").app
    assert unbounded(app.openapi()) == []


def test_unbounded_parameters_and_bare_date_times_are_found() -> None:
    instant = {"type": "string", "format": "date-time", "x-earliest": "2000-01-01T00:00:00Z"}
    doc = {
        "paths": {
            "/v1/things/{n}": {
                "get": {
                    "parameters": [
                        {"name": "n", "in": "path", "schema": {"type": "integer"}},
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                        {
                            "name": "score",
                            "in": "query",
                            "schema": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                        },
                        {"name": "since", "in": "query", "schema": instant},
                        {"name": "X-Count", "in": "header", "schema": {"type": "integer"}},
                        {
                            "name": "grade",
                            "in": "query",
                            "schema": {"$ref": "#/components/schemas/G"},
                        },
                    ],
                    "responses": {},
                },
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/T"}}
                        }
                    },
                    "responses": {},
                },
            }
        },
        "components": {
            "schemas": {
                "G": {"type": "integer", "enum": [9, 12]},
                "T": {
                    "properties": {
                        "due_at": {
                            "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]
                        },
                        "opens_at": instant,
                        "again": {"$ref": "#/components/schemas/T"},
                    }
                },
            }
        },
    }
    assert unbounded(doc) == [
        "GET /v1/things/{n} n: no minimum and maximum",
        "GET /v1/things/{n} score: no minimum and maximum",
        "POST /v1/things/{n} application/json : a date-time, not an Instant",
    ]
