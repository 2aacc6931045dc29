"""The merged OpenAPI document: prefixed paths, renamed components, a down service tolerated."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_gateway.openapi import merge_documents, rewrite_refs


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_merge_prefixes_paths_components_and_refs() -> None:
    shared_name = {"type": "object"}
    docs: dict[str, dict[str, Any]] = {
        "tasks": {
            "openapi": "3.1.0",
            "info": {"title": "tasks", "version": "2"},
            "security": [{"HTTPBearer": []}],
            "paths": {
                "/v1/tasks/{task_id}": {
                    "parameters": [{"$ref": "#/components/parameters/TaskId"}],
                    "get": {
                        "operationId": "get_task",
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {"$ref": "#/components/schemas/Task"}
                                    }
                                },
                            }
                        },
                    },
                },
                "/metrics": {"get": {"responses": {}}},
            },
            "components": {
                "schemas": {
                    "Task": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/Quiz"},
                            {"$ref": "#/components/schemas/Error"},
                        ],
                        "discriminator": {
                            "propertyName": "kind",
                            "mapping": {"quiz": "#/components/schemas/Quiz"},
                        },
                    },
                    "Quiz": {"type": "object"},
                    "Error": shared_name,
                },
                "parameters": {"TaskId": {"name": "task_id", "in": "path", "required": True}},
                "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
            },
        },
        "library": {
            "openapi": "3.1.0",
            "info": {"title": "library", "version": "1"},
            "paths": {"/v1/notes": {"get": {"tags": ["notes"], "responses": {}}}},
            "components": {"schemas": {"Error": {"type": "string"}}},
            "tags": [{"name": "notes", "description": "notes"}],
        },
    }
    merged = merge_documents(docs, unavailable=["contests"], title="学不停 Xuebuting API")
    assert merged["openapi"].startswith("3.1")
    assert merged["info"]["title"] == "学不停 Xuebuting API"
    assert set(merged["paths"]) == {"/api/tasks/v1/tasks/{task_id}", "/api/library/v1/notes"}
    schemas = merged["components"]["schemas"]
    assert schemas["tasks__Error"] == {"type": "object"}
    assert schemas["library__Error"] == {"type": "string"}
    task_op = merged["paths"]["/api/tasks/v1/tasks/{task_id}"]["get"]
    assert task_op["operationId"] == "tasks__get_task"
    assert task_op["security"] == [{"tasks__HTTPBearer": []}]
    assert task_op["tags"] == ["tasks"]
    assert merged["paths"]["/api/library/v1/notes"]["get"]["tags"] == ["library: notes"]
    assert merged["tags"] == [{"name": "library: notes", "description": "notes"}]
    assert schemas["tasks__Task"]["discriminator"]["mapping"] == {
        "quiz": "#/components/schemas/tasks__Quiz"
    }
    # every reference resolves inside the merged document
    for ref in _refs(merged):
        _, _, kind, name = ref.split("/")
        assert name in merged["components"][kind], ref
    assert merged["x-xbt-unavailable"] == ["contests"]
    assert docs["tasks"]["components"]["schemas"]["Task"]["oneOf"][0] == {
        "$ref": "#/components/schemas/Quiz"
    }  # the inputs are not modified


def test_external_refs_are_left_alone() -> None:
    node = {"$ref": "https://example.org/schema.json#/x", "items": [{"$ref": "#/$defs/A"}]}
    assert rewrite_refs(node, "svc") == node


async def test_merged_document_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["info"]["title"] == "学不停 Xuebuting API"
    assert set(doc["paths"]) == {"/api/identity/v1/me", "/api/catalog/v1/resource"}
    schemas = doc["components"]["schemas"]
    assert {"identity__Me", "catalog__Resource"} <= set(schemas)
    assert schemas["identity__HTTPValidationError"]["properties"]["service"]["const"] == "identity"
    assert schemas["catalog__HTTPValidationError"]["properties"]["service"]["const"] == "catalog"
    me = doc["paths"]["/api/identity/v1/me"]["get"]
    ok = me["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/identity__Me"}
    assert doc["x-xbt-unavailable"] == ["down"]
    assert "identity__HTTPBearer" in doc["components"]["securitySchemes"]
    assert "default-src 'none'" in resp.headers["content-security-policy"]


async def test_merged_document_is_cached(gateway: httpx.AsyncClient) -> None:
    first = await gateway.get("/api/openapi.json")
    aggregator = gateway.app.state.runtime.openapi  # type: ignore[attr-defined]
    body = aggregator._body
    second = await gateway.get("/api/openapi.json")
    assert first.content == second.content
    assert aggregator._body is body


async def test_docs_page(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/docs")
    assert resp.status_code == 200
    assert "/api/openapi.json" in resp.text
    csp = resp.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "'sha256-" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
