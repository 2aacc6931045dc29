"""Practice keeps the answer keys of a pupil's open tasks: items of a task the pupil can still
hand in are never drawn, and a set drawn before the task was set does not mark them (its
verdict and key would be the task's answer sheet)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from xbt_shared.testing import TokenFactory

from ...conftest import OTHER_CLASS, pupil, teacher
from .test_practice import (  # noqa: F401  (fixtures)
    SYS_KEYS,
    answer,
    bank,
    catalog_link,
    identity_app,
    identity_link,
    start,
    tasks_app,
)

# Four kp-sys items go into the task; the practice pool on kp-sys has fourteen.
TASK_ITEMS = sorted(SYS_KEYS)[:4]


async def set_task(client: httpx.AsyncClient, tokens: TokenFactory, **over: Any) -> dict[str, Any]:
    body = {
        "title": "第八章 课后作业",
        "class_ids": [over.pop("cls", "hp-sy-zx-7-1")],
        "items": [{"id": i, "points": 1} for i in TASK_ITEMS],
        "accepts_text": False,
        "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        **over,
    }
    resp = await client.post("/v1/tasks", headers=teacher(tokens), json=body)
    assert resp.status_code == 201, resp.text
    task: dict[str, Any] = resp.json()
    return task


async def hand_in(
    client: httpx.AsyncClient, headers: dict[str, str], task_id: str
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"answers": {i: SYS_KEYS[i] for i in TASK_ITEMS}},
    )


def drawn(practice: dict[str, Any]) -> set[str]:
    return {it["id"] for it in practice["items"]}


async def test_items_of_an_open_task_are_not_drawn_until_it_is_handed_in(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,  # noqa: F811
) -> None:
    me = pupil(tokens)
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)) >= set(TASK_ITEMS)
    task = await set_task(client, tokens)

    practice = await start(client, me, knowledge_point="kp-sys", count=20)
    assert drawn(practice).isdisjoint(TASK_ITEMS)
    assert practice["items"], "the rest of the pool is still offered"
    # A pupil of another class has no such task.
    elsewhere = pupil(tokens, sub="p-zhao", cls=OTHER_CLASS)
    assert drawn(await start(client, elsewhere, knowledge_point="kp-sys", count=20)) >= set(
        TASK_ITEMS
    )

    handed = await hand_in(client, me, task["id"])
    assert handed.status_code == 201, handed.text
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)) >= set(TASK_ITEMS)


async def test_with_attempts_left_or_work_returned_the_items_stay_out(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,  # noqa: F811
) -> None:
    me = pupil(tokens)
    task = await set_task(client, tokens, max_attempts=2)
    assert (await hand_in(client, me, task["id"])).status_code == 201
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)).isdisjoint(TASK_ITEMS)
    assert (await hand_in(client, me, task["id"])).status_code == 201  # the last attempt
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)) >= set(TASK_ITEMS)
    returned = await client.post(
        f"/v1/tasks/{task['id']}/submissions/p-wang/review",
        headers=teacher(tokens),
        json={"attempt": 2, "outcome": "returned", "comment": "再检查一遍"},
    )
    assert returned.status_code == 200, returned.text
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)).isdisjoint(TASK_ITEMS)


async def test_a_set_drawn_before_the_task_does_not_mark_its_items(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,  # noqa: F811
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, knowledge_point="kp-sys", count=20)
    task_item = next(i for i in TASK_ITEMS if i in drawn(practice))
    other = next(i for i in drawn(practice) if i not in TASK_ITEMS)
    task = await set_task(client, tokens)

    resp = await answer(client, me, practice["id"], task_item, SYS_KEYS[task_item])
    assert resp.status_code == 403, resp.text
    body = resp.json()
    assert body["type"].endswith("answer-key-locked") and "尚未提交" in body["detail"]
    assert "answer" not in body and "correct" not in body and "explanation" not in body
    seen = (await client.get(f"/v1/practice/{practice['id']}", headers=me)).json()
    assert all("answer" not in it for it in seen["items"])
    # Any other drawn item is not held back. It is drawn at random and "A" may be the wrong
    # shape for its type (a 422), so what is asserted is only that it is not locked.
    free = await answer(client, me, practice["id"], other, "A")
    assert free.status_code != 403 and "answer-key-locked" not in free.text, free.text

    # Once the pupil has handed the task in, the item may be practised.
    assert (await hand_in(client, me, task["id"])).status_code == 201
    later = await answer(client, me, practice["id"], task_item, SYS_KEYS[task_item])
    assert later.status_code == 201 and later.json()["answer"] == SYS_KEYS[task_item]


async def test_a_closed_task_holds_nothing_back(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,  # noqa: F811
) -> None:
    me = pupil(tokens)
    task = await set_task(client, tokens)
    closed = await client.post(f"/v1/tasks/{task['id']}/close", headers=teacher(tokens))
    assert closed.status_code == 200, closed.text
    assert drawn(await start(client, me, knowledge_point="kp-sys", count=20)) >= set(TASK_ITEMS)


async def test_a_set_answered_before_the_task_shows_its_key_again_only_once_handed_in(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,  # noqa: F811
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, knowledge_point="kp-sys", count=20)
    task_item = next(i for i in TASK_ITEMS if i in drawn(practice))
    done = await answer(client, me, practice["id"], task_item, SYS_KEYS[task_item])
    assert done.status_code == 201 and done.json()["answer"] == SYS_KEYS[task_item]

    def shown(seen: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = next(it for it in seen["items"] if it["id"] == task_item)
        return found

    task = await set_task(client, tokens)
    held = shown((await client.get(f"/v1/practice/{practice['id']}", headers=me)).json())
    assert held["answered"] is True and held["given"] == SYS_KEYS[task_item]
    assert not {"answer", "explanation", "correct", "blanks"} & held.keys(), held

    assert (await hand_in(client, me, task["id"])).status_code == 201
    again = shown((await client.get(f"/v1/practice/{practice['id']}", headers=me)).json())
    assert again["answer"] == SYS_KEYS[task_item] and again["correct"] is True
    assert again["explanation"]
