"""The tasks service's routes never give a pupil the key or explanation of an item of an open
task they can still hand in: the task view, their list, their submission before and after
handing in, the gradebooks. Keys come with their work once it is marked, except the keys of
items that are also in another task they can still hand in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, item, pupil, teacher

SHARED = item("it-key-shared", "single", "C")  # in both tasks
OWN = item("it-key-own", "true_false", False)  # only in the first
KEYS = {SHARED["_id"]: "C", OWN["_id"]: False}


async def bank(catalog_app: FastAPI) -> None:
    mongo: Mongo = catalog_app.state.runtime.mongo
    await mongo.for_tenant(Tenant("city"))["items"].insert_many([dict(SHARED), dict(OWN)])


async def set_task(
    client: httpx.AsyncClient, tokens: TokenFactory, item_ids: list[str], **over: Any
) -> str:
    body = {
        "title": "第八章 小测",
        "class_ids": [CLASS],
        "items": [{"id": i, "points": 2} for i in item_ids],
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        **over,
    }
    resp = await client.post("/v1/tasks", headers=teacher(tokens), json=body)
    assert resp.status_code == 201, resp.text
    task_id: str = resp.json()["id"]
    return task_id


async def hand_in(
    client: httpx.AsyncClient, tokens: TokenFactory, task_id: str, item_ids: list[str]
) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**pupil(tokens), "Idempotency-Key": uuid.uuid4().hex},
        json={"answers": {i: KEYS[i] for i in item_ids}},
    )
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


def no_key(found: Any) -> bool:
    """Nowhere in the answer an `answer` or `explanation` field, nor an explanation's text."""
    text = json.dumps(found, ensure_ascii=False)
    return '"answer"' not in text and '"explanation"' not in text and "的解析" not in text


def keyed(view: dict[str, Any]) -> dict[str, Any]:
    """Item id -> key, of the items a submission view shows with their keys."""
    return {i["id"]: i["answer"] for i in view.get("items") or [] if "answer" in i}


async def test_no_tasks_route_gives_a_pupil_the_keys_of_a_task_they_can_still_hand_in(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    await bank(catalog_app)
    ids = [SHARED["_id"], OWN["_id"]]
    task_id = await set_task(client, tokens, ids, max_attempts=2)
    me = pupil(tokens)

    seen = await client.get(f"/v1/tasks/{task_id}", headers=me)
    assert seen.status_code == 200 and [i["id"] for i in seen.json()["items"]] == ids
    assert no_key(seen.json())
    mine = await client.get("/v1/my/tasks", headers=me)
    assert mine.status_code == 200 and task_id in mine.text and no_key(mine.json())
    before = await client.get(f"/v1/tasks/{task_id}/submissions/p-wang", headers=me)
    assert before.status_code == 404 and no_key(before.json())
    teachers_only = (
        f"/v1/tasks/{task_id}/gradebook",
        f"/v1/classes/{CLASS}/gradebook",
        "/v1/tasks",
        f"/v1/tasks/{task_id}/submissions",
    )
    for route in teachers_only:
        refused = await client.get(route, headers=me)
        assert refused.status_code == 403 and no_key(refused.json()), refused.text

    # Handed in with an attempt left: auto-marked, still no key anywhere.
    handed = await hand_in(client, tokens, task_id, ids)
    assert handed["attempts"][-1]["marking"]["score"] == 4.0 and no_key(handed)
    after = await client.get(f"/v1/tasks/{task_id}/submissions/p-wang", headers=me)
    assert after.status_code == 200 and no_key(after.json())
    again = await client.get(f"/v1/tasks/{task_id}", headers=me)
    assert again.json()["my_submission"]["state"] == "submitted" and no_key(again.json())
    # The teacher sees the keys with the pupil's answers as typed.
    for_teacher = await client.get(
        f"/v1/tasks/{task_id}/submissions/p-wang", headers=teacher(tokens)
    )
    assert keyed(for_teacher.json()) == KEYS


async def test_marked_work_shows_its_keys_but_not_those_of_another_open_task(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    await bank(catalog_app)
    first = await set_task(client, tokens, [SHARED["_id"], OWN["_id"]])
    await hand_in(client, tokens, first, [SHARED["_id"], OWN["_id"]])
    marked = await client.post(
        f"/v1/tasks/{first}/submissions/p-wang/review",
        headers=teacher(tokens),
        json={"attempt": 1, "outcome": "marked"},
    )
    assert marked.status_code == 200, marked.text
    me = pupil(tokens)
    mine = await client.get(f"/v1/tasks/{first}/submissions/p-wang", headers=me)
    assert keyed(mine.json()) == KEYS  # marked: the keys and explanations come with it

    # A second task with one of the same items: its key is held back in the first's views.
    second = await set_task(client, tokens, [SHARED["_id"]])
    mine = await client.get(f"/v1/tasks/{first}/submissions/p-wang", headers=me)
    assert keyed(mine.json()) == {OWN["_id"]: False}
    held = next(i for i in mine.json()["items"] if i["id"] == SHARED["_id"])
    assert "answer" not in held and "explanation" not in held
    view = (await client.get(f"/v1/tasks/{first}", headers=me)).json()
    assert keyed(view["my_submission"]) == {OWN["_id"]: False}
    assert no_key((await client.get(f"/v1/tasks/{second}", headers=me)).json())

    # Once the second is handed in (its only attempt), the first's view shows every key.
    await hand_in(client, tokens, second, [SHARED["_id"]])
    mine = await client.get(f"/v1/tasks/{first}/submissions/p-wang", headers=me)
    assert keyed(mine.json()) == KEYS
