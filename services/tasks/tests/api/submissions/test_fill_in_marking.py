"""Fill-in items of a task: marked knowing the stem (`x = ____` takes `x=2`), the pupil's
answers kept as typed, and a teacher's review overruling a fill-in marked wrong."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, item, pupil, teacher

EQUATION = {**item("it-eq", "fill", [["2"]]), "stem": "解方程：2x + 1 = 5，x = ____"}
AREA = {**item("it-area", "fill", [["40"]]), "stem": "长方形的面积是____平方厘米。"}
TYPED = {"it-eq": ["x = 2.0"], "it-area": ["40平方厘米"]}


async def a_task_with_fill_ins(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> str:
    mongo: Mongo = catalog_app.state.runtime.mongo
    await mongo.for_tenant(Tenant("city"))["items"].insert_many([dict(EQUATION), dict(AREA)])
    body = {
        "title": "一元一次方程 作业",
        "class_ids": [CLASS],
        "items": [{"id": "it-eq", "points": 3}, {"id": "it-area", "points": 2}],
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    resp = await client.post("/v1/tasks", headers=teacher(tokens), json=body)
    assert resp.status_code == 201, resp.text
    task_id: str = resp.json()["id"]
    return task_id


async def hand_in(
    client: httpx.AsyncClient, tokens: TokenFactory, task_id: str, answers: dict[str, Any]
) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**pupil(tokens), "Idempotency-Key": uuid.uuid4().hex},
        json={"answers": answers},
    )
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


async def test_a_fill_in_takes_the_blanks_variable_and_the_answer_is_kept_as_typed(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await a_task_with_fill_ins(catalog_app, client, tokens)
    mine = await hand_in(client, tokens, task_id, TYPED)
    marking = mine["attempts"][-1]["marking"]
    assert marking["items"]["it-eq"] == {"correct": True, "points": 3.0, "blanks": [True]}
    assert marking["items"]["it-area"]["correct"] is False  # units belong outside the blank
    seen = await client.get(f"/v1/tasks/{task_id}/submissions/p-wang", headers=teacher(tokens))
    assert seen.json()["attempts"][-1]["answers"] == TYPED  # as typed, not normalised


async def test_a_teacher_overrules_a_fill_in_marked_wrong(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await a_task_with_fill_ins(catalog_app, client, tokens)
    await hand_in(client, tokens, task_id, TYPED)
    reviewed = await client.post(
        f"/v1/tasks/{task_id}/submissions/p-wang/review",
        headers=teacher(tokens),
        json={"attempt": 1, "outcome": "marked", "item_points": {"it-area": 2}},
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["score"] == 5  # 3 automatic + the 2 the teacher gave
    assert reviewed.json()["item_points"] == {"it-area": 2}
    # the automatic verdict is still there to see; the teacher's points are what count (the
    # gradebook's item rates read full points from the teacher as right: gradebook unit tests)
    assert reviewed.json()["attempts"][-1]["marking"]["items"]["it-area"]["correct"] is False
    for_pupil = await client.get(f"/v1/tasks/{task_id}/submissions/p-wang", headers=pupil(tokens))
    assert for_pupil.json()["score"] == 5
    assert for_pupil.json()["attempts"][-1]["answers"] == TYPED


async def test_a_teacher_overrules_a_fill_in_marked_right(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await a_task_with_fill_ins(catalog_app, client, tokens)
    mine = await hand_in(client, tokens, task_id, TYPED)
    assert mine["auto_score"] == 3  # x = 2.0 taken as 2
    for_teacher = await client.get(
        f"/v1/tasks/{task_id}/submissions/p-wang", headers=teacher(tokens)
    )
    # The teacher reads the answer as typed next to the key.
    assert for_teacher.json()["attempts"][-1]["answers"]["it-eq"] == ["x = 2.0"]
    assert {i["id"]: i["answer"] for i in for_teacher.json()["items"]}["it-eq"] == [["2"]]
    reviewed = await client.post(
        f"/v1/tasks/{task_id}/submissions/p-wang/review",
        headers=teacher(tokens),
        json={"attempt": 1, "outcome": "marked", "item_points": {"it-eq": 1.5}},
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["score"] == 1.5 and reviewed.json()["item_points"] == {"it-eq": 1.5}
