"""The reported case, through the gateway with the whole suite running: a teacher sets a task
with one bank item; the pupil's `check` of that item must not give its answer or explanation
(nor a verdict) while they can still hand the task in. The catalog learns of the task from the
tasks service's events (outbox → RabbitMQ → the catalog's consumer), so the test waits for
that with a deadline; once the pupil has handed in, practice on the item is open again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..conftest import Suite, bearer, login

TASKS = "/api/tasks/v1"
CATALOG = "/api/catalog/v1"
# A city single-choice item of the demo bank (grade 8 maths) no other end-to-end test uses.
ITEM = "item-00312"


async def until(probe: Any, done: Any, *, what: str, timeout: float = 15.0) -> httpx.Response:
    """Call `probe` until `done(response)`, or fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        resp: httpx.Response = await probe()
        if done(resp):
            return resp
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: last answer {resp.status_code} {resp.text[:300]}")
        await asyncio.sleep(0.05)


async def test_a_pupil_cannot_check_the_item_of_a_task_they_have_not_handed_in(
    gw: httpx.AsyncClient, suite: Suite
) -> None:
    teacher = bearer(await login(gw, "heping", "teacher1"))
    keyed = await gw.get(f"{CATALOG}/items/{ITEM}", headers=teacher)
    assert keyed.status_code == 200, keyed.text
    key = keyed.json()["answer"]
    created = await gw.post(
        f"{TASKS}/tasks",
        headers=teacher,
        json={
            "title": f"因式分解 小测 {uuid.uuid4().hex[:6]}",
            "class_ids": ["c-hp-8-1"],
            "items": [{"id": ITEM, "points": 5}],
            "accepts_text": False,
            "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]

    pupil = bearer(await login(gw, "heping", "student1"))
    seen = await gw.get(f"{TASKS}/tasks/{task_id}", headers=pupil)
    assert seen.status_code == 200, seen.text
    assert [i["id"] for i in seen.json()["items"]] == [ITEM]
    assert "answer" not in seen.json()["items"][0] and "explanation" not in seen.json()["items"][0]

    async def check() -> httpx.Response:
        return await gw.post(f"{CATALOG}/items/{ITEM}/check", headers=pupil, json={"answer": key})

    refused = await until(check, lambda r: r.status_code == 403, what="the check was not locked")
    body = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert body["type"].endswith("answer-key-locked"), body
    assert "尚未提交" in body["detail"]
    assert "answer" not in body and "explanation" not in body and "correct" not in body

    # Nor do the item's detail, the gradebook or the pupil's own submission views give it.
    detail = await gw.get(f"{CATALOG}/items/{ITEM}", headers=pupil)
    assert detail.status_code == 200 and "answer" not in detail.json()
    assert "explanation" not in detail.json()
    book = await gw.get(f"{TASKS}/tasks/{task_id}/gradebook", headers=pupil)
    assert book.status_code in (403, 404), book.text

    handed = await gw.post(
        f"{TASKS}/tasks/{task_id}/submissions",
        headers={**pupil, "Idempotency-Key": uuid.uuid4().hex},
        json={"answers": {ITEM: "A" if key != "A" else "B"}},
    )
    assert handed.status_code == 201, handed.text
    assert "items" not in handed.json(), "no key before the work is marked"

    # Handed in (its only attempt): practice on the item is open again, key and all.
    opened = await until(check, lambda r: r.status_code == 200, what="the lock did not end")
    assert opened.json()["answer"] == key and opened.json()["correct"] is True
