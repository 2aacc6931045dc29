"""The OpenAPI document says what the API does, not only what FastAPI saw of it.

FastAPI documents a route's success and, when it takes input, a 422 `HTTPValidationError`
as `application/json`. What every route of ours really answers on error is a problem
(`errors.py`, RFC 9457 `application/problem+json`), and which ones follows from how the
route is built:

- a route that depends on `auth.authenticated` (every `CurrentCaller`, `AnyCaller`,
  `CurrentUser`, role guard) needs `Authorization: Bearer <access token>`: the `bearer`
  security scheme, and 401 (no or a refused token) and 403 (a role, tenant or a pending
  password change refused);
- a path parameter names something that may not exist: 404;
- any parameter or body is validated: 422; a body that cannot be read at all (not JSON,
  a broken form) is a 400;
- `If-Match` (a revision): 409 when stale, 428 when missing;
- `Idempotency-Key`: 409 while the first request runs, 422 when reused for another body.

What a use case raises beyond those, the route declares with `responses=problems(409, ...)`.
`install(app)` makes `app.openapi()` return the completed document (computed once).
A route that documents an error its own way (OAuth's error format) keeps it.

An operation's `summary` is the first line of its route function's docstring and its
`description` the rest, unless the route sets them (FastAPI would make "Authorize Post" of
the function's name, and put the whole docstring in the description).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from xbt_shared.auth import authenticated
from xbt_shared.errors import PROBLEM_JSON

SECURITY_SCHEME = "bearer"
PROBLEM = "Problem"
PROBLEM_REF = f"#/components/schemas/{PROBLEM}"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")

DESCRIPTIONS: dict[int, str] = {
    400: "Bad request: the request cannot be read",
    401: "Authentication required: no bearer token, or one that is refused",
    403: "Forbidden: the caller's roles, tenant or account state do not allow it",
    404: "Not found (or not visible to the caller)",
    409: "Conflict with the current state",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid request: the fields named in `errors`",
    423: "Locked",
    428: "Precondition required",
    429: "Too many requests: retry after `Retry-After` seconds",
    503: "Service unavailable: a service it depends on does not answer",
}

PROBLEM_SCHEMAS: dict[str, Any] = {
    PROBLEM: {
        "title": PROBLEM,
        "description": "An RFC 9457 problem. `type` is `/problems/<slug>`; more members may "
        "follow (`retry_after`, `current_revision`, ...).",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {
                "type": "string",
                "description": "In the language of `Content-Language` (`Accept-Language`: "
                "Chinese or English)",
            },
            "detail_en": {
                "type": "string",
                "description": "The English detail, when `detail` is in Chinese",
            },
            "instance": {
                "type": "string",
                "description": "The public path of the request",
            },
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProblemField"},
                "description": "The fields that are wrong (422)",
            },
        },
        "additionalProperties": True,
    },
    "ProblemField": {
        "title": "ProblemField",
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "description": "e.g. `body.title`, `query.page`"},
            "loc": {
                "type": "array",
                "items": {"type": "string"},
                "description": '`field` as its parts: `["body", "title"]`',
            },
            "code": {
                "type": "string",
                "description": "Stable, for a client to map: pydantic's error type "
                "(`missing`, `string_too_long`, `int_type`, ...) or `invalid`",
            },
            "message": {
                "type": "string",
                "description": "Readable, in the language of `Content-Language`",
            },
            "message_en": {
                "type": "string",
                "description": "The English message, when `message` is in Chinese",
            },
            "type": {"type": ["string", "null"], "description": "The same as `code`"},
        },
    },
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "The challenge", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}


def problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    """One problem answer of an operation, as `responses=` takes it."""
    answer: dict[str, Any] = {
        "description": description or DESCRIPTIONS.get(status, "Problem"),
        "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in _HEADERS:
        answer["headers"] = dict(_HEADERS[status])
    return answer


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the problems a route's use case raises beyond the ones its
    dependencies give (see the module's docstring): `responses=problems(409)`."""
    return {status: problem_response(status) for status in statuses}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _calls(route: Any) -> set[Callable[..., Any]]:
    return {d.call for d in _dependants(route.dependant) if d.call is not None}


def _header_names(route: Any) -> set[str]:
    return {
        str(p.alias).lower()
        for d in _dependants(route.dependant)
        for p in d.header_params
        if p.alias is not None
    }


def _has_input(route: Any) -> bool:
    return any(
        d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
        for d in _dependants(route.dependant)
    )


def expected_problems(route: Any) -> tuple[bool, set[int]]:
    """Whether the route needs a bearer token, and the problems its building blocks answer."""
    needs_token = authenticated in _calls(route)
    statuses: set[int] = set()
    if needs_token:
        statuses |= {401, 403}
    if route.dependant.path_params:
        statuses.add(404)
    if _has_input(route):
        statuses.add(422)
    if any(d.body_params for d in _dependants(route.dependant)):
        statuses.add(400)
    headers = _header_names(route)
    if "if-match" in headers:
        statuses |= {409, 428}
    if "idempotency-key" in headers:
        statuses |= {409, 422}
    return needs_token, statuses


def _is_fastapi_validation(answer: dict[str, Any]) -> bool:
    schema = (answer.get("content") or {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def complete_operation(op: dict[str, Any], *, needs_token: bool, statuses: set[int]) -> None:
    responses: dict[str, Any] = op.setdefault("responses", {})
    if "security" not in op:  # a route may declare its own (an optional token)
        op["security"] = [{SECURITY_SCHEME: []}] if needs_token else []
    for code, answer in list(responses.items()):
        if code[:1] not in ("4", "5"):
            continue
        if code == "422" and _is_fastapi_validation(answer):
            responses[code] = problem_response(422)
        elif not answer.get("content"):
            responses[code] = {**problem_response(int(code)), **answer, **_content(int(code))}
    for status in sorted(statuses):
        responses.setdefault(str(status), problem_response(status))
    op["responses"] = dict(sorted(responses.items()))


def docstring_parts(endpoint: Callable[..., Any] | None) -> tuple[str, str] | None:
    """(summary, description) from a route function's docstring (up to FastAPI's `\\f`):
    its first line, and the rest."""
    doc = inspect.getdoc(endpoint) if endpoint is not None else None
    if not doc:
        return None
    doc = doc.split("\f")[0].strip()
    first, _, rest = doc.partition("\n")
    return first.strip(), inspect.cleandoc(rest) if rest.strip() else ""


def summarize_operation(op: dict[str, Any], route: Any) -> None:
    """`summary` and `description` from the docstring, when the route sets no summary (a
    description it sets is kept)."""
    if getattr(route, "summary", None) is not None:
        return
    endpoint = getattr(route, "endpoint", None)
    parts = docstring_parts(endpoint)
    if parts is None:
        return
    summary, rest = parts
    op["summary"] = summary
    # FastAPI made the description of the whole docstring (up to `\f`) when none was given.
    whole = (inspect.getdoc(endpoint) or "").split("\f")[0].strip()
    if getattr(route, "description", None) == whole:
        if rest:
            op["description"] = rest
        else:
            op.pop("description", None)


def _content(status: int) -> dict[str, Any]:
    return {"content": problem_response(status)["content"]}


def _unused(doc: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' not in json.dumps(doc["paths"])


def complete(doc: dict[str, Any], routes: Sequence[Any]) -> dict[str, Any]:
    """`doc` (FastAPI's document of `routes`) with security and problems as described above."""
    components = doc.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from identity (`POST /api/identity/v1/auth/login`)",
    }
    schemas = components.setdefault("schemas", {})
    schemas.update(PROBLEM_SCHEMAS)
    paths = doc.get("paths") or {}
    # Routes included from routers are contexts (prefix, the router's dependencies, ...)
    # around the router's own route; FastAPI documents each through its context.
    for route in routing.iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = paths.get(route.path_format) or {}
        needs_token, statuses = expected_problems(route)
        for method in route.methods or ():
            op = item.get(method.lower())
            if isinstance(op, dict):
                complete_operation(op, needs_token=needs_token, statuses=statuses)
                summarize_operation(op, route)
    for name in ("HTTPValidationError", "ValidationError"):
        if name in schemas and _unused(doc, name):
            del schemas[name]
    return doc


def install(app: FastAPI) -> None:
    """`app.openapi()` answers the completed document (built once, on first use)."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(generate(), app.routes)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
