"""Every route says what it does in one line: its docstring's first line is the OpenAPI
summary the API docs list it by (not FastAPI's title-cased function name)."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute


def test_every_route_has_a_one_line_summary(identity_app: FastAPI) -> None:
    doc = identity_app.openapi()
    seen = 0
    for context in routing.iter_route_contexts(identity_app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        where = f"{sorted(route.methods)} {context.path_format} ({route.endpoint.__name__})"
        text = inspect.cleandoc(route.endpoint.__doc__ or "")
        first, _, rest = text.partition("\n")
        assert first.strip(), f"{where}: no docstring"
        assert len(first) <= 100, f"{where}: the first line is the summary; keep it short"
        assert rest == "" or rest.startswith("\n"), f"{where}: a blank line after the summary"
        for method in route.methods:
            operation = doc["paths"][context.path_format][method.lower()]
            assert operation["summary"] == first.strip(), where
            assert not operation.get("description", "").startswith(first) or not rest, where
            seen += 1
    assert seen >= 35
