"""Every route documents its answer: the OpenAPI document describes every body.

A route returning `dict[str, Any]` (or nothing declared) shows up as an empty or free-form
schema; each 2xx answer must have at least one described body (a model, a file type, a
page), unless it has no body at all (204, a redirect).
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

SERVICES = ("identity", "catalog", "tasks")
METHODS = {"get", "post", "put", "patch", "delete"}


def free_form(schema: dict[str, Any]) -> bool:
    if not schema:
        return True
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and "$ref" not in json.dumps(schema)
    )


def undescribed(doc: dict[str, Any]) -> list[str]:
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            for code, answer in op["responses"].items():
                if not code.startswith("2") or code == "204":
                    continue
                bodies = answer.get("content") or {}
                described = [
                    media
                    for media, body in bodies.items()
                    if "json" not in media or not free_form(body.get("schema") or {})
                ]
                if not described:
                    found.append(f"{method.upper()} {path} {code}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_has_a_described_body(service: str) -> None:
    app = importlib.import_module(f"xbt_{service}.main").app
    assert undescribed(app.openapi()) == []


def test_a_free_form_answer_is_found() -> None:
    doc = {
        "paths": {
            "/v1/things": {
                "get": {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}},
                "post": {
                    "responses": {
                        "201": {
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "additionalProperties": True}
                                }
                            }
                        }
                    }
                },
                "delete": {"responses": {"204": {}}},
            }
        }
    }
    assert undescribed(doc) == ["GET /v1/things 200", "POST /v1/things 201"]
