"""Every route says in one line what it does: its docstring's first line is the operation's
summary in the OpenAPI document (not FastAPI's title-cased function name)."""

from __future__ import annotations

import inspect

from fastapi.routing import APIRoute

from xbt_tasks.assignments.api import router as assignments
from xbt_tasks.files.api import router as files
from xbt_tasks.gradebook.api import router as gradebook
from xbt_tasks.main import create_app
from xbt_tasks.practice.api import router as practice
from xbt_tasks.questions.api import router as questions
from xbt_tasks.settings import TasksSettings
from xbt_tasks.submissions.api import router as submissions

ROUTERS = (assignments, submissions, questions, files, practice, gradebook)


def test_every_operation_is_summarised_by_its_route_docstring() -> None:
    spec = create_app(TasksSettings()).openapi()["paths"]
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) == sum(len(ops) for path, ops in spec.items() if path.startswith("/v1/"))
    for route in routes:
        doc = inspect.getdoc(route.endpoint) or ""
        first = doc.split("\n")[0]
        assert first and first[0].isupper() and first.endswith("."), (route.path, first)
        assert len(first) <= 100, route.path
        for method in route.methods:
            assert spec[route.path][method.lower()]["summary"] == first, (method, route.path)
