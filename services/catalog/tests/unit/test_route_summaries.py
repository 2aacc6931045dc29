"""Every route says in one line what it does: the first line of its function's docstring is
the operation's summary in the API documents, the rest its description."""

from __future__ import annotations

import importlib

import pytest
from fastapi.routing import APIRoute

FEATURES = ("resources", "search", "courses", "schedule", "bank", "research", "media")


def _routes() -> list[APIRoute]:
    routes: list[APIRoute] = []
    for feature in FEATURES:
        router = importlib.import_module(f"xbt_catalog.{feature}.api").router
        routes += [r for r in router.routes if isinstance(r, APIRoute)]
    return routes


@pytest.mark.parametrize("route", _routes(), ids=lambda r: f"{sorted(r.methods)[0]} {r.path}")
def test_each_route_has_a_one_line_summary(route: APIRoute) -> None:
    doc = (route.endpoint.__doc__ or "").strip()
    assert doc, f"{route.endpoint.__name__} has no docstring"
    first, *rest = doc.splitlines()
    assert first.rstrip().endswith((".", ")")), f"the summary is one whole line: {first!r}"
    assert not rest or not rest[0].strip(), "a blank line between summary and description"
    assert len(first) <= 100
