"""The answer-key lock: a pupil cannot `check` (and so cannot read the key, the explanation or
even a verdict of) an item of a task of their class that they can still hand in. The lock is
the catalog's projection of the tasks service's events, delivered over RabbitMQ or, where a
test needs an exact order, handed to the consumers directly."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_catalog.bank.consumers import (
    on_submission_created,
    on_submission_reviewed,
    on_task_assigned,
    on_task_updated,
)
from xbt_catalog.resources.service import Resources
from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, eventually

from .test_bank import CITY, HEPING, item, point

CLASS = "hp-sy-zx-7-1"
OTHER_CLASS = "hp-sy-zx-7-2"
PUPIL = "p-lock-1"
LOCKED = "lk-task-item"
FREE = "lk-free-item"
DISTRICT = "lk-hp-item"
ITEMS = [
    item(LOCKED, "single", answer="B", kps=["kp-lin"]),
    item(FREE, "single", answer="C", kps=["kp-lin"]),
]


@pytest.fixture
async def items(catalog: Resources) -> None:
    await catalog.mongo.for_tenant(Tenant("city"))["items"].insert_many([dict(i) for i in ITEMS])
    await catalog.mongo.for_tenant(Tenant("heping"))["items"].insert_one(
        dict(item(DISTRICT, "true_false", answer=True, provider=HEPING))
    )
    assert CITY["level"] == "city"


@pytest.fixture
def mongo(catalog_app: FastAPI) -> Mongo:
    found: Mongo = catalog_app.state.runtime.mongo
    return found


def pupil_of(
    tokens: TokenFactory, *, sub: str = PUPIL, cls: str = CLASS, tenant: str = "heping"
) -> dict[str, str]:
    return tokens.headers(
        tenant=tenant, roles=["student"], sub=sub, school="hp-sy-zx", classes=[cls]
    )


# Events are stamped a second apart in the order a test makes them, as a teacher's review
# follows a hand-in in real life (the projection orders a pupil's work by event time).
_clock = itertools.count()


def event(event_type: str, tenant: str = "heping", **data: Any) -> CloudEvent:
    made = CloudEvent.new(source="/xbt/tasks", type=event_type, tenant=tenant, data=data)
    at = datetime.now(UTC) + timedelta(seconds=next(_clock))
    return made.model_copy(update={"time": at})


def assigned(task_id: str = "tk-lock-1", **over: Any) -> CloudEvent:
    body: Doc = {
        "task_id": task_id,
        "kind": "task",
        "title": "第八章 作业",
        "class_ids": [CLASS],
        "teacher_id": "t-li",
        "opens_at": datetime.now(UTC).isoformat(),
        "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "item_ids": [LOCKED, DISTRICT],
        "allow_late": False,
        "max_attempts": 1,
        **over,
    }
    return event("tasks.task.assigned", **body)


def updated(revision: int, *, task_id: str = "tk-lock-1", **over: Any) -> CloudEvent:
    body: Doc = {
        "task_id": task_id,
        "revision": revision,
        "changed": ["status"],
        "kind": "task",
        "title": "第八章 作业",
        "class_ids": [CLASS],
        "teacher_id": "t-li",
        "status": "open",
        "opens_at": datetime.now(UTC).isoformat(),
        "due_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "item_ids": [LOCKED, DISTRICT],
        "allow_late": False,
        "max_attempts": 1,
        **over,
    }
    return event("tasks.task.updated", **body)


def handed_in(attempt: int, *, pupil: str = PUPIL, task_id: str = "tk-lock-1") -> CloudEvent:
    return event(
        "tasks.submission.created",
        task_id=task_id,
        submission_id=f"{task_id}.{pupil}",
        pupil_id=pupil,
        class_id=CLASS,
        attempt=attempt,
        late=False,
        submitted_at=datetime.now(UTC).isoformat(),
    )


def reviewed(outcome: str, *, pupil: str = PUPIL, task_id: str = "tk-lock-1") -> CloudEvent:
    return event(
        "tasks.submission.reviewed",
        task_id=task_id,
        submission_id=f"{task_id}.{pupil}",
        pupil_id=pupil,
        outcome=outcome,
        score=None,
        max_score=5.0,
        reviewer_id="t-li",
    )


HANDLERS = {
    "tasks.task.assigned": on_task_assigned,
    "tasks.task.updated": on_task_updated,
    "tasks.submission.created": on_submission_created,
    "tasks.submission.reviewed": on_submission_reviewed,
}


async def deliver(mongo: Mongo, *events: CloudEvent) -> None:
    """Through the consumers as the bus would (inbox included), one after the other."""
    for e in events:
        await HANDLERS[e.type].bind(mongo)(e)


async def check(
    client: httpx.AsyncClient, headers: dict[str, str], iid: str = LOCKED, answer: Any = "B"
) -> httpx.Response:
    return await client.post(f"/v1/items/{iid}/check", headers=headers, json={"answer": answer})


def refused(resp: httpx.Response) -> bool:
    if resp.status_code != 403:
        return False
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert body["type"].endswith("answer-key-locked"), body
    assert "尚未提交" in body["detail"]
    assert "answer" not in body and "explanation" not in body and "correct" not in body
    return True


async def test_a_pupil_cannot_check_an_item_of_a_task_they_can_still_hand_in(
    client: httpx.AsyncClient, catalog_app: FastAPI, tokens: TokenFactory, items: None
) -> None:
    me = pupil_of(tokens)
    before = await check(client, me)
    assert before.status_code == 200 and before.json()["answer"] == "B"  # practice as usual

    # The task is announced over RabbitMQ, as the tasks service's outbox relay does.
    await catalog_app.state.runtime.bus.publish(assigned())

    async def locked() -> bool:
        return refused(await check(client, me))

    await eventually(locked, timeout=15)
    assert refused(await check(client, me, DISTRICT, True))  # district items as well
    # A wrong answer gives nothing away either.
    assert refused(await check(client, me, LOCKED, "A"))
    # Items of no open task, pupils of other classes, teachers: as before.
    assert (await check(client, me, FREE, "C")).json()["correct"] is True
    other = await check(client, pupil_of(tokens, sub="p-other", cls=OTHER_CLASS))
    assert other.status_code == 200 and other.json()["answer"] == "B"
    teacher = tokens.headers(tenant="heping", roles=["teacher"], school="hp-sy-zx", classes=[CLASS])
    by_teacher = await check(client, teacher)
    assert by_teacher.status_code == 200 and by_teacher.json()["explanation"]


async def test_another_district_is_not_locked_by_a_task_here(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    await deliver(mongo, assigned())
    assert refused(await check(client, pupil_of(tokens)))
    # Same class id and pupil id, another district: the heping task is not theirs.
    in_hexi = pupil_of(tokens, tenant="hexi")
    resp = await check(client, in_hexi)
    assert resp.status_code == 200 and resp.json()["answer"] == "B"
    assert await mongo.for_tenant(Tenant("hexi"))["answer_lock_tasks"].count_documents({}) == 0


async def test_handing_in_ends_the_lock_and_a_return_restores_it(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    me, classmate = pupil_of(tokens), pupil_of(tokens, sub="p-lock-2")
    await deliver(mongo, assigned(), handed_in(1))
    assert (await check(client, me)).json()["answer"] == "B"
    assert refused(await check(client, classmate))  # the classmate has not handed in
    await deliver(mongo, reviewed("returned"))
    assert refused(await check(client, me))  # back with the pupil: may hand in again
    await deliver(mongo, handed_in(2), reviewed("marked"))
    assert (await check(client, me)).status_code == 200


async def test_with_attempts_left_the_lock_holds_until_the_last_or_the_mark(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    me = pupil_of(tokens)
    await deliver(mongo, assigned("tk-lock-3", max_attempts=2))
    await deliver(mongo, handed_in(1, task_id="tk-lock-3"))
    assert refused(await check(client, me))  # one attempt left: a verdict now would help
    await deliver(mongo, handed_in(2, task_id="tk-lock-3"))
    assert (await check(client, me)).status_code == 200


async def test_closing_reopening_and_the_due_time_move_the_lock(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    me = pupil_of(tokens)
    await deliver(mongo, assigned(), updated(2, status="closed"))
    assert (await check(client, me)).status_code == 200
    await deliver(mongo, updated(3, status="open"))
    assert refused(await check(client, me))
    # A late copy of an older revision changes nothing.
    await deliver(mongo, updated(2, status="closed"))
    assert refused(await check(client, me))
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    await deliver(mongo, updated(4, due_at=past))
    assert (await check(client, me)).status_code == 200  # past due, no late work taken
    await deliver(mongo, updated(5, due_at=past, allow_late=True))
    assert refused(await check(client, me))


async def test_events_out_of_order_or_twice_leave_the_newest_state(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    me = pupil_of(tokens)
    first, returned, second = handed_in(1), reviewed("returned"), handed_in(2)
    # The hand-in of attempt 2 arrives before the return it answers, then everything again.
    await deliver(mongo, assigned(), first, second, returned, first, returned)
    assert (await check(client, me)).status_code == 200
    work = await mongo.for_tenant(Tenant("heping"))["answer_lock_work"].find_one({})
    assert work is not None and (work["state"], work["attempts"]) == ("submitted", 2)


async def test_a_locked_items_detail_and_list_give_a_pupil_no_key_either(
    client: httpx.AsyncClient, mongo: Mongo, tokens: TokenFactory, items: None
) -> None:
    """The other catalog routes to an item: its detail and the item lists never carry a key
    for a pupil, locked or not; the teacher's carry it."""
    await mongo.for_tenant(Tenant("city"))["knowledge_points"].insert_one(
        dict(point("kp-lin", "一元一次方程", None, []))
    )
    await deliver(mongo, assigned())
    me = pupil_of(tokens)
    assert refused(await check(client, me))
    teacher = tokens.headers(tenant="heping", roles=["teacher"], school="hp-sy-zx", classes=[CLASS])

    detail = await client.get(f"/v1/items/{LOCKED}", headers=me)
    assert detail.status_code == 200 and detail.json()["id"] == LOCKED, detail.text
    assert "answer" not in detail.json() and "explanation" not in detail.json()
    keyed = await client.get(f"/v1/items/{LOCKED}", headers=teacher)
    assert keyed.json()["answer"] == "B" and keyed.json()["explanation"]

    listed = await client.get("/v1/items", params={"knowledge_point": "kp-lin"}, headers=me)
    assert listed.status_code == 200, listed.text
    found = listed.json()["items"]
    assert LOCKED in {i["id"] for i in found}
    assert all("answer" not in i and "explanation" not in i for i in found)
    for_teacher = await client.get(
        "/v1/items", params={"knowledge_point": "kp-lin"}, headers=teacher
    )
    assert {i["id"]: i["answer"] for i in for_teacher.json()["items"]}[LOCKED] == "B"
