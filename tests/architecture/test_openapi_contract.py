"""Every service's OpenAPI document says what the API does (issue "Hardening", the contract).

- operation ids are unique (`userinfo` was one id for its GET and its POST);
- every operation that needs an access token declares the `bearer` scheme, which the
  document defines;
- no `HTTPValidationError` is left: a 422 is a problem like every other error;
- every 4xx and 5xx answer is `application/problem+json` with the `Problem` schema, except
  the OAuth error bodies of `/oidc/token` and `/oidc/userinfo` (RFC 6749 5.2, RFC 6750) and
  the login form `/oidc/authorize` shows again (HTML), named below;
- a request body's integer, number or boolean is a JSON one: `"5"` where the document says
  integer is refused (pydantic's lax mode read it as 5), for every such field of every body.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, routing
from fastapi.routing import APIRoute

from xbt_shared.errors import PROBLEM_JSON
from xbt_shared.openapi import PROBLEM_REF, SECURITY_SCHEME, expected_problems

SERVICES = ("identity", "catalog", "tasks")
METHODS = {"get", "put", "post", "patch", "delete"}
Schema = dict[str, Any]

# (service, method, path, status) answered in another format, on purpose.
OTHER_FORMATS: dict[tuple[str, str, str, str], str] = {
    **{
        ("identity", method, path, status): "#/components/schemas/OAuthErrorBody"
        for method, path in (
            ("post", "/v1/oidc/token"),
            ("get", "/v1/oidc/userinfo"),
            ("post", "/v1/oidc/userinfo"),
        )
        for status in ("400", "401")
    },
    **{
        ("identity", method, "/v1/oidc/authorize", status): "text/html"
        for method in ("get", "post")
        for status in ("403", "423")
    },
}
# A JSON scalar sent as a string, and the error pydantic gives when it is refused.
AS_STRING = {
    "integer": ("5", "int_type"),
    "number": ("5", "float_type"),
    "boolean": ("true", "bool_type"),
}


def app_of(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"xbt_{service}.main").app
    return app


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, Schema]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    for route in routing.iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                yield method.lower(), route.path_format, route


@pytest.fixture(scope="module", params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_operation_ids_are_unique(service: str) -> None:
    ids = [op.get("operationId") for _, _, op in operations(app_of(service).openapi())]
    assert None not in ids
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []


def test_every_operation_needing_a_token_declares_bearer(service: str) -> None:
    app = app_of(service)
    doc = app.openapi()
    scheme = doc["components"]["securitySchemes"][SECURITY_SCHEME]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    wrong = []
    for method, path, route in routes(app):
        needs_token, _ = expected_problems(route)
        security = doc["paths"][path][method].get("security")
        if needs_token and {SECURITY_SCHEME: []} not in (security or []):
            wrong.append(f"{method.upper()} {path}: needs a token, no bearer security")
        if needs_token and {} in (security or []):
            wrong.append(f"{method.upper()} {path}: needs a token, yet security allows none")
    assert wrong == []
    # Something needs a token in every service, and the scheme named is the one defined.
    used = {name for _, _, op in operations(doc) for req in op.get("security", []) for name in req}
    assert used == {SECURITY_SCHEME}


def test_no_fastapi_validation_error_is_left(service: str) -> None:
    text = json.dumps(app_of(service).openapi())
    assert "HTTPValidationError" not in text
    assert '"ValidationError"' not in text


def test_every_error_answer_is_a_problem(service: str) -> None:
    doc = app_of(service).openapi()
    assert "Problem" in doc["components"]["schemas"]
    wrong = []
    for method, path, op in operations(doc):
        for status, answer in op["responses"].items():
            if status[:1] not in ("4", "5"):
                continue
            where = f"{method.upper()} {path} {status}"
            content = answer.get("content") or {}
            other = OTHER_FORMATS.get((service, method, path, status))
            if other is not None:
                if other not in content and other not in json.dumps(content):
                    wrong.append(f"{where}: not the {other} it is documented as")
                continue
            schema = content.get(PROBLEM_JSON, {}).get("schema", {})
            if schema.get("$ref") != PROBLEM_REF:
                wrong.append(f"{where}: {sorted(content)} is not {PROBLEM_JSON} Problem")
            elif set(content) - {PROBLEM_JSON, "text/html"}:
                wrong.append(f"{where}: also {sorted(set(content) - {PROBLEM_JSON})}")
    assert wrong == []


def test_every_operation_documents_the_problems_its_building_blocks_answer(service: str) -> None:
    app = app_of(service)
    doc = app.openapi()
    missing = []
    for method, path, route in routes(app):
        _, statuses = expected_problems(route)
        documented = {int(s) for s in doc["paths"][path][method]["responses"] if s.isdigit()}
        if statuses - documented:
            missing.append(f"{method.upper()} {path}: {sorted(statuses - documented)}")
    assert missing == []


def test_the_authorize_endpoint_is_documented_as_html_and_a_redirect() -> None:
    doc = app_of("identity").openapi()
    for method in ("get", "post"):
        answers = doc["paths"]["/v1/oidc/authorize"][method]["responses"]
        assert "text/html" in answers["200"]["content"]
        assert "Location" in answers["302"]["headers"]
        assert "application/json" not in json.dumps(answers)


# strict JSON scalars in bodies ----------------------------------------------------------------


def resolve(schema: Schema, components: dict[str, Schema]) -> Schema:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def scalars(
    schema: Schema, components: dict[str, Schema], loc: tuple[Any, ...] = (), depth: int = 0
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(location, JSON type) of every integer, number and boolean inside `schema`."""
    schema = resolve(schema, components)
    if depth > 8:
        return
    kind = schema.get("type")
    if kind in AS_STRING:
        yield loc, kind
    for key in ("anyOf", "oneOf"):
        for inner in schema.get(key, []):
            yield from scalars(inner, components, loc, depth + 1)
    for name, inner in (schema.get("properties") or {}).items():
        yield from scalars(inner, components, (*loc, name), depth + 1)
    if isinstance(schema.get("items"), dict):
        yield from scalars(schema["items"], components, (*loc, 0), depth + 1)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from scalars(schema["additionalProperties"], components, (*loc, "k"), depth + 1)


def placed(loc: tuple[Any, ...], value: Any) -> Any:
    """A body with `value` at `loc` (and nothing else)."""
    for key in reversed(loc):
        value = [value] if isinstance(key, int) else {key: value}
    return value


def refused_as_string(route: Any, loc: tuple[Any, ...], kind: str) -> bool:
    sent, error = AS_STRING[kind]
    _, errors = route.body_field.validate(placed(loc, sent), {}, loc=("body",))
    return any(tuple(e["loc"]) == ("body", *loc) and e["type"] == error for e in errors or [])


def test_a_body_scalar_sent_as_a_string_is_refused(service: str) -> None:
    app = app_of(service)
    doc = app.openapi()
    components = doc["components"]["schemas"]
    checked, lax = 0, []
    for method, path, route in routes(app):
        body = doc["paths"][path][method].get("requestBody", {}).get("content", {})
        schema = body.get("application/json", {}).get("schema")
        if schema is None or route.body_field is None:
            continue
        for loc, kind in scalars(schema, components):
            checked += 1
            if not refused_as_string(route, loc, kind):
                lax.append(f"{method.upper()} {path} {'.'.join(map(str, loc))}: {kind}")
    assert lax == []
    assert checked > 0  # every service has such a field; 0 would mean the walk is broken


def test_the_practice_count_sent_as_a_string_is_a_422_field() -> None:
    """The figure of the issue: `{"count": "5"}` was read as 5."""
    app = app_of("tasks")
    route = next(r for m, p, r in routes(app) if (m, p) == ("post", "/v1/practice"))
    _, errors = route.body_field.validate({"count": "5"}, {}, loc=("body",))
    assert [(tuple(e["loc"]), e["type"]) for e in errors] == [(("body", "count"), "int_type")]
    _, errors = route.body_field.validate({"count": 5}, {}, loc=("body",))
    assert not errors
