"""The merged OpenAPI document: prefixed paths, renamed components, a down service tolerated."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import httpx

from xbt_gateway.openapi import BEARER_SCHEME, merge_documents, rewrite_refs


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
    assert task_op["security"] == [{"bearer": []}]  # one token for every service
    assert merged["components"]["securitySchemes"] == {"bearer": BEARER_SCHEME}
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
    assert doc["components"]["securitySchemes"] == {"bearer": BEARER_SCHEME}
    assert me["security"] == [{"bearer": []}]
    assert "default-src 'none'" in resp.headers["content-security-policy"]


async def test_merged_document_is_cached(gateway: httpx.AsyncClient) -> None:
    first = await gateway.get("/api/openapi.json")
    aggregator = gateway.app.state.runtime.openapi  # type: ignore[attr-defined]
    body = aggregator._body
    second = await gateway.get("/api/openapi.json")
    assert first.content == second.content
    assert aggregator._body is body


async def test_docs_page_is_served_from_the_gateway_itself(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    page = resp.text
    assert 'data-openapi-url="/api/openapi.json"' in page
    # no other host, nothing inline: every script and stylesheet is a file of this origin
    assert "http://" not in page and "https://" not in page
    assert "<script>" not in page and "<style" not in page and " style=" not in page
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert len(assets) == 4 and all(a.startswith("/api/docs/static/") for a in assets)
    csp = resp.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    sources = " ".join(directives.values()).split()
    assert all(s in {"'self'", "'none'", "data:"} for s in sources), csp
    assert resp.headers["cache-control"] == "no-cache"

    types = {
        "swagger-ui-bundle.js": "text/javascript",
        "swagger-initializer.js": "text/javascript",
        "swagger-ui.css": "text/css",
        "favicon.png": "image/png",
    }
    for url in assets:
        name = url.rsplit("/", 1)[-1]
        asset = await gateway.get(url, headers={"Accept-Encoding": "identity"})
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].startswith(types[name]), url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "content-encoding" not in asset.headers
    bundle = await gateway.get(next(a for a in assets if a.endswith("swagger-ui-bundle.js")))
    assert bundle.headers["content-encoding"] == "gzip"  # httpx asks for it
    assert b"SwaggerUIBundle" in bundle.content and len(bundle.content) > 500_000
    init = next(a for a in assets if a.endswith("swagger-initializer.js"))
    assert b"persistAuthorization" in (await gateway.get(init)).content

    version = assets[0].split("/")[4]
    stale = await gateway.get(f"/api/docs/static/{'0' * len(version)}/swagger-ui.css")
    assert stale.status_code == 404
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert (await gateway.get(f"/api/docs/static/{version}/nothing.js")).status_code == 404


async def test_without_docs_the_files_are_not_served(make_gateway: Any) -> None:
    gateway = await make_gateway(docs_enabled=False)
    assert (await gateway.get("/api/docs")).status_code == 404
    assert (await gateway.get("/api/docs/static/x/swagger-ui.css")).status_code == 404


def _schemas_used(node: Any) -> set[str]:
    return {ref.rsplit("/", 1)[-1] for ref in _refs(node) if ref.startswith("#/components/")}


def test_merging_the_services_documents_keeps_their_security_and_problems() -> None:
    """The real documents of identity, the catalog and tasks, as the gateway merges them:
    each keeps its bearer scheme and its Problem schema (renamed), every operation's
    security names a defined scheme, every reference resolves and operation ids stay
    unique across the suite."""
    services = ("identity", "catalog", "tasks")
    docs = {s: importlib.import_module(f"xbt_{s}.main").app.openapi() for s in services}
    merged = merge_documents(docs, unavailable=[], title="学不停 Xuebuting API")
    components = merged["components"]
    schemes, schemas = components["securitySchemes"], components["schemas"]
    assert schemes == {"bearer": BEARER_SCHEME}  # one "Authorize" for the whole suite
    for service in services:
        assert schemas[f"{service}__Problem"] == rewrite_refs(
            docs[service]["components"]["schemas"]["Problem"], service
        )
        assert f"{service}__ProblemField" in schemas
    defined = {name for entries in components.values() for name in entries}
    assert _schemas_used(merged["paths"]) - defined == set()
    assert _schemas_used(components) - defined == set()

    ids, secured, problems = [], 0, 0
    for path, item in merged["paths"].items():
        service = path.split("/")[2]
        for method, op in item.items():
            ids.append(op["operationId"])
            for requirement in op.get("security", []):
                assert set(requirement) <= set(schemes), (method, path)
                secured += bool(requirement)
            for status, answer in op["responses"].items():
                content = answer.get("content", {})
                if status.startswith("4") and "application/problem+json" in content:
                    ref = content["application/problem+json"]["schema"]["$ref"]
                    assert ref == f"#/components/schemas/{service}__Problem", (method, path)
                    problems += 1
    assert (
        len(ids)
        == len(set(ids))
        == sum(
            1 for d in docs.values() for p, i in d["paths"].items() if p.startswith("/v") for _ in i
        )
    )
    assert secured > 50 and problems > 200
    assert "HTTPValidationError" not in json.dumps(merged)
