"""Tasks through the gateway, with the real catalog and identity behind it: a teacher sets a
task with catalog content, a pupil hands in (idempotently), the teacher marks it, and the
event of the hand-in reaches the bus. Another district never sees the task."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx

from ..conftest import Suite, bearer, first_event, login

TASKS = "/api/tasks/v1"
# From the catalog's demo content (xbt_catalog.seed), seeded for the suite: a city
# recording and two city bank items (fill: x, y of a system of two linear equations).
RESOURCE = "res-00857"
ITEMS = {"item-00308": [["3"], ["5"]], "item-00335": [["2"], ["-2"]]}


def entries(listing: dict[str, Any], state: str) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in listing["items"] if t["state"] == state}


async def submission_event(queue: aio_pika.abc.AbstractQueue, submission_id: str) -> Any:
    """The first tasks.submission.created for `submission_id`."""
    return await first_event(
        queue,
        f"tasks.submission.created for {submission_id}",
        lambda event: event["data"]["submission_id"] == submission_id,
    )


async def test_a_task_from_assignment_to_mark_through_the_gateway(
    gw: httpx.AsyncClient, suite: Suite
) -> None:
    teacher = bearer(await login(gw, "heping", "teacher1"))
    title = f"二元一次方程组 课堂练习 {uuid.uuid4().hex[:6]}"
    created = await gw.post(
        f"{TASKS}/tasks",
        headers=teacher,
        json={
            "title": title,
            "instructions": "<p>先看课堂实录，再解两个方程组。</p>",
            "class_ids": ["c-hp-8-1"],
            "resource_ids": [RESOURCE],
            "items": [{"id": item_id, "points": 5} for item_id in ITEMS],
            "accepts_text": False,
            "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    task = created.json()
    task_id = task["id"]
    # Checked against the catalog as the teacher sees it, and copied with the keys.
    assert [r["id"] for r in task["resources"]] == [RESOURCE]
    assert task["resources"][0]["title"] == "《消元——解二元一次方程组》课堂实录"
    assert {i["id"]: i["answer"] for i in task["items"]} == ITEMS
    assert task["max_score"] == 10

    pupil = bearer(await login(gw, "heping", "student1"))
    mine = await gw.get(f"{TASKS}/my/tasks?size=50", headers=pupil)
    assert mine.status_code == 200, mine.text
    assert mine.headers["cache-control"] == "no-store"
    assert entries(mine.json(), "to_do")[task_id]["title"] == title
    seen = await gw.get(f"{TASKS}/tasks/{task_id}", headers=pupil)
    assert seen.status_code == 200
    # The pupil's task leads to the textbook: each resource and item with its chapter.
    lesson = "tb-shuxue-g7-xia.u4.l2"  # 8.2 消元——解二元一次方程组
    for part in (*seen.json()["resources"], *seen.json()["items"]):
        [chapter] = part["chapters"]
        assert chapter["node_id"] == lesson, part["id"]
        assert (chapter["textbook"]["title"], chapter["unit"]["title"]) == (
            "人教版 七年级下册 数学",
            "第八章 二元一次方程组",
        )
    assert all("answer" not in item for item in seen.json()["items"]), "no keys for pupils"

    conn = await aio_pika.connect(suite.env["amqp_url"])
    async with conn:
        channel = await conn.channel()
        exchange = await channel.declare_exchange(
            suite.env["events_exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="heping.tasks.submission.created")

        work = {"answers": {"item-00308": ["3", "5"], "item-00335": ["2", "2"]}}
        key = {"Idempotency-Key": f"e2e-{uuid.uuid4().hex}"}
        first = await gw.post(
            f"{TASKS}/tasks/{task_id}/submissions", headers={**pupil, **key}, json=work
        )
        assert first.status_code == 201, first.text
        # The pupil's connection dropped; the app sends the same request again.
        retry = await gw.post(
            f"{TASKS}/tasks/{task_id}/submissions", headers={**pupil, **key}, json=work
        )
        assert retry.status_code == 201, retry.text
        assert retry.headers.get("idempotent-replayed") == "true"
        assert "idempotent-replayed" not in first.headers
        assert retry.json() == first.json()
        submitted = first.json()
        assert (submitted["attempt_count"], submitted["auto_score"]) == (1, 5)

        event = await submission_event(queue, submitted["id"])
        assert event["type"] == "tasks.submission.created"
        assert event["tenant"] == "heping"
        assert event["data"]["pupil_id"] == "u-hp-student1"
        assert event["data"]["task_id"] == task_id

    listed = await gw.get(f"{TASKS}/tasks/{task_id}/submissions", headers=teacher)
    assert listed.status_code == 200, listed.text
    assert [s["pupil_id"] for s in listed.json()] == ["u-hp-student1"], "the retry added none"
    marked = await gw.post(
        f"{TASKS}/tasks/{task_id}/submissions/u-hp-student1/review",
        headers=teacher,
        json={"attempt": 1, "outcome": "marked", "comment": "第二题 y 的符号再检查一下。"},
    )
    assert marked.status_code == 200, marked.text
    assert (marked.json()["state"], marked.json()["score"]) == ("marked", 5)

    mine = (await gw.get(f"{TASKS}/my/tasks?status=done&size=50", headers=pupil)).json()
    assert task_id not in entries(mine, "to_do")
    assert entries(mine, "marked")[task_id]["score"] == 5
    own = await gw.get(f"{TASKS}/tasks/{task_id}/submissions/u-hp-student1", headers=pupil)
    assert own.status_code == 200
    assert own.json()["comment"] == "第二题 y 的符号再检查一下。"

    # A classmate does not read another pupil's work.
    classmate = bearer(await login(gw, "heping", "student2"))
    other = await gw.get(f"{TASKS}/tasks/{task_id}/submissions/u-hp-student1", headers=classmate)
    assert other.status_code == 404

    # Another district: the same task id names nothing there, for reading or handing in.
    hexi = bearer(await login(gw, "hexi", "student1"))
    foreign = await gw.get(f"{TASKS}/tasks/{task_id}", headers=hexi)
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("application/problem+json")
    handed = await gw.post(
        f"{TASKS}/tasks/{task_id}/submissions",
        headers={**hexi, "Idempotency-Key": f"e2e-{uuid.uuid4().hex}"},
        json=work,
    )
    assert handed.status_code == 404
    assert task_id not in json.dumps((await gw.get(f"{TASKS}/my/tasks", headers=hexi)).json())
