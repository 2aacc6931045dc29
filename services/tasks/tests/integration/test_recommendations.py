"""A teacher's recommendation in the catalog becomes a "watch this" task, over RabbitMQ."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI

from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import OUTBOX, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, client_of, eventually
from xbt_tasks.assignments.consumers import on_resource_recommended
from xbt_tasks.assignments.domain import watch_task_id

from ..conftest import CLASS, OTHER_CLASS, SCHOOL, pupil, teacher


def recommended(**data: Any) -> CloudEvent:
    return CloudEvent.new(
        source="/xbt/catalog",
        type="catalog.resource.recommended",
        tenant="heping",
        data={
            "resource_id": "r-city-1",
            "title": "解二元一次方程组 课堂实录",
            "kind": "recording",
            "class_ids": [CLASS],
            "teacher_id": "t-li",
            "teacher_name": "李老师",
            "school_id": SCHOOL,
            "note": "周末看一看",
            **data,
        },
    )


async def test_a_recommendation_delivered_twice_makes_one_task(mongo: Mongo) -> None:
    handle = on_resource_recommended.bind(mongo)
    event = recommended()
    await asyncio.gather(handle(event), handle(event))
    await handle(event)
    tdb = mongo.for_tenant(Tenant("heping"))
    found = [t async for t in tdb["tasks"].find({})]
    assert [t["_id"] for t in found] == [watch_task_id(event.id)]
    assert found[0]["kind"] == "watch" and found[0]["title"].startswith("观看：")
    assigned = [r async for r in tdb[OUTBOX].find({"event.type": "tasks.task.assigned"})]
    assert len(assigned) == 1
    # nothing in any other district
    assert await mongo.for_tenant(Tenant("hexi"))["tasks"].count_documents({}) == 0


async def test_recommending_in_the_catalog_reaches_the_pupils_list(
    client: httpx.AsyncClient,
    catalog_app: FastAPI,
    tokens: TokenFactory,
    catalog_content: None,
) -> None:
    async with client_of(catalog_app, "http://catalog") as catalog:
        resp = await catalog.post(
            "/v1/resources/r-city-1/recommend",
            headers=teacher(tokens),
            json={"class_ids": [CLASS], "note": "周末看一看"},
        )
        assert resp.status_code == 202, resp.text

    async def listed() -> list[dict[str, Any]]:
        mine = (await client.get("/v1/my/tasks", headers=pupil(tokens))).json()
        return [t for t in mine["items"] if t["state"] == "to_do"]

    [task] = await eventually(listed, timeout=15)
    assert task["kind"] == "watch"
    # "watched": an empty submission is the tick
    done = await client.post(
        f"/v1/tasks/{task['id']}/submissions",
        headers={**pupil(tokens), "Idempotency-Key": "watched-0001"},
        json={},
    )
    assert done.status_code == 201, done.text
    assert done.json()["needs_teacher"] is False
    # a pupil of another class does not get it
    other = (
        await client.get("/v1/my/tasks", headers=pupil(tokens, sub="p-2", cls=OTHER_CLASS))
    ).json()
    assert other["total"] == 0
