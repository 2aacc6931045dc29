"""Dates at the ends of the calendar: refused when a task is set, and harmless when one is
already stored (a task due `9999-12-31T23:59:59Z` made the class gradebook a 500)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, teacher
from .test_gradebook import create, identity_app, tasks_app  # noqa: F401 (fixtures)

END_OF_TIME = "9999-12-31T23:59:59Z"


@pytest.mark.parametrize("field", ["due_at", "opens_at"])
async def test_a_task_due_in_9999_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, field: str
) -> None:
    body = {"title": "第八章", "class_ids": [CLASS], field: END_OF_TIME}
    resp = await client.post("/v1/tasks", headers=teacher(tokens), json=body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in resp.json()["errors"]] == [f"body.{field}"]

    task_id = await create(client, teacher(tokens))
    changed = await client.patch(
        f"/v1/tasks/{task_id}", headers=teacher(tokens), json={"revision": 1, field: END_OF_TIME}
    )
    assert changed.status_code == 422, changed.text


async def test_a_stored_extreme_due_date_does_not_break_the_gradebooks(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task_id = await create(client, teacher(tokens))
    # Stored before request dates were bounded.
    end = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    await mongo.for_tenant(Tenant("heping"))["tasks"].update_one(
        {"_id": task_id}, {"$set": {"due_at": end}}
    )
    for path in (f"/v1/classes/{CLASS}/gradebook", f"/v1/tasks/{task_id}/gradebook"):
        for query in ("", "?format=csv", "?format=xlsx"):
            resp = await client.get(path + query, headers=teacher(tokens))
            assert resp.status_code == 200, (path + query, resp.text)
