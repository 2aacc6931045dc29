"""Schemathesis against every service's OpenAPI document, with a token of each role.

For each operation, a bounded number of requests the document says are valid (positive
mode), each sent as a pupil, a teacher, a school, district and city administrator and the
guest account; some name ids that exist (the demo data), so handlers run past their 404s.
An answer fails the test if it is a 5xx, if its status is not documented, or if its
content type or body is not the documented one. Derandomized: the same cases every run.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.contract.suite import ROLES, Suite, start
from xbt_shared.testing import make_isolated_env

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Per operation (each sent in every role); XBT_FUZZ_EXAMPLES=200 for a longer hunt.
EXAMPLES_PER_OPERATION = int(os.environ.get("XBT_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
KNOWN: dict[str, list[str]] = {}


def schema_of(service: str) -> Any:
    app = importlib.import_module(f"xbt_{service}.main").app
    schema = schemathesis.openapi.from_dict(app.openapi())

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
        # Each id the demo data has is named in about half of the cases.
        choices = {
            name: st.sampled_from([value, *KNOWN[name]]) if KNOWN.get(name) else st.just(value)
            for name, value in (path_parameters or {}).items()
        }
        return st.fixed_dictionaries(choices)

    return schema


IDENTITY, CATALOG, TASKS = (schema_of(s) for s in ("identity", "catalog", "tasks"))


@pytest.fixture(scope="session")
def suite(mongo_uri: str) -> Iterator[Suite]:
    env = make_isolated_env(mongo_uri, f"fuzz{uuid.uuid4().hex[:8]}")
    running = start(env)
    found = next(running)
    KNOWN.update(found.known)
    yield found
    running.close()


def exercise(case: Case, suite: Suite, service: str) -> None:
    client = suite.clients[service]
    for role in ROLES:
        headers = suite.headers[role]
        response = case.call(session=client, base_url=client.base_url, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)


@IDENTITY.parametrize()
@FUZZ
def test_identity(case: Case, suite: Suite) -> None:
    exercise(case, suite, "identity")


@CATALOG.parametrize()
@FUZZ
def test_catalog(case: Case, suite: Suite) -> None:
    exercise(case, suite, "catalog")


@TASKS.parametrize()
@FUZZ
def test_tasks(case: Case, suite: Suite) -> None:
    exercise(case, suite, "tasks")


# (service, role, method, path, body, field): an integer or a number sent as a string.
AS_STRINGS = [
    (
        "identity",
        "school_admin",
        "POST",
        "/v1/classes",
        {"school_id": "hp-sy-zx", "grade": "8", "number": 9},
        "body.grade",
    ),
    (
        "tasks",
        "pupil",
        "POST",
        "/v1/practice",
        {"knowledge_point": "x", "count": "5"},
        "body.count",
    ),
    ("tasks", "teacher", "PATCH", "/v1/tasks/{task_id}", {"revision": "1"}, "body.revision"),
    (
        "catalog",
        "pupil",
        "PUT",
        "/v1/courses/{course_id}/lessons/{lesson_id}/progress",
        {"position_s": "30"},
        "body.position_s",
    ),
]


@pytest.mark.parametrize(("service", "role", "method", "path", "body", "field"), AS_STRINGS)
def test_a_number_sent_as_a_string_is_refused(
    suite: Suite, service: str, role: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    """pydantic's lax mode read `"5"` as 5 where the document says integer: now a 422 that
    names the field, and the same body with the number itself is not refused for it."""
    url = path.format(**{name: values[0] for name, values in suite.known.items()})
    client, headers = suite.clients[service], suite.headers[role]
    refused = client.request(method, url, json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in refused.json()["errors"]]
    name = field.removeprefix("body.")
    fixed = {**body, name: float(body[name]) if "." in body[name] else int(body[name])}
    accepted = client.request(method, url, json=fixed, headers=headers)
    assert field not in [e["field"] for e in accepted.json().get("errors", [])], accepted.text
