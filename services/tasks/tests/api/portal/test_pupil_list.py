"""A pupil's list by status (`GET /my/tasks?status=`), times without an offset, and opening
and marking a submission at its latest attempt."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, running
from xbt_tasks.assignments.domain import BEIJING
from xbt_tasks.main import create_app
from xbt_tasks.settings import TasksSettings

from ...conftest import CLASS, ISSUER, pupil, teacher

HEPING = Tenant("heping")


def identity_down(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("identity is down", request=request)


@pytest.fixture
async def tasks_app(
    isolated_env: dict[str, Any], tokens: TokenFactory, catalog_app: FastAPI
) -> AsyncIterator[FastAPI]:
    """The tasks app of conftest, with identity not answering (rosters unknown)."""
    app = create_app(
        TasksSettings(**isolated_env, jwt_issuer=ISSUER),
        catalog_transport=httpx.ASGITransport(app=catalog_app),
        identity_transport=httpx.MockTransport(identity_down),
    )
    async with running(app, tokens):
        yield app


def later(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def due_later_today() -> datetime:
    """A time later on today's date in Beijing (a second before midnight at the latest)."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(BEIJING).date() + timedelta(days=1), time(), BEIJING)
    return min(now + timedelta(minutes=2), midnight - timedelta(seconds=1))


async def create(client: httpx.AsyncClient, tokens: TokenFactory, title: str, **over: Any) -> str:
    body = {"title": title, "class_ids": [CLASS], "due_at": later(72).isoformat(), **over}
    resp = await client.post("/v1/tasks", headers=teacher(tokens), json=body)
    assert resp.status_code == 201, resp.text
    task_id: str = resp.json()["id"]
    return task_id


async def set_due(mongo: Mongo, task_id: str, due: datetime | None) -> None:
    """Move the due time, as time passing would (a new task may not be due in the past)."""
    await mongo.for_tenant(HEPING)["tasks"].update_one({"_id": task_id}, {"$set": {"due_at": due}})


async def hand_in(client: httpx.AsyncClient, task_id: str, headers: dict[str, str]) -> None:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions",
        headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"text": "<p>完成了</p>"},
    )
    assert resp.status_code == 201, resp.text


async def test_the_pupils_list_by_status_in_order_and_paged(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    me = pupil(tokens)
    today = await create(client, tokens, "今天交")
    await set_due(mongo, today, due_later_today())
    in_three_days = await create(client, tokens, "三天后交")
    in_a_week = await create(client, tokens, "一周后交", due_at=later(24 * 7).isoformat())
    no_due = await create(client, tokens, "不限时", due_at=None)
    overdue = await create(client, tokens, "已过期")
    await set_due(mongo, overdue, datetime.now(UTC) - timedelta(hours=1))
    first_done = await create(client, tokens, "先交的")
    second_done = await create(client, tokens, "后交的")
    await hand_in(client, first_done, me)
    await hand_in(client, second_done, me)

    resp = await client.get("/v1/my/tasks", headers=me)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["by_status"] == {"due_today": 1, "todo": 3, "overdue": 1, "done": 2}
    assert body["total"] == 7 and (body["page"], body["size"]) == (1, 20)
    assert [t["id"] for t in body["items"]] == [
        today,
        in_three_days,
        in_a_week,
        no_due,
        overdue,
        second_done,
        first_done,
    ]
    assert [t["list_status"] for t in body["items"]] == [
        "due_today",
        "todo",
        "todo",
        "todo",
        "overdue",
        "done",
        "done",
    ]
    done = body["items"][-1]
    assert done["state"] == "submitted" and done["submitted_at"] and done["status"] == "open"
    assert "submitted_at" not in body["items"][0]
    assert body["by_status"] == {"due_today": 1, "todo": 3, "overdue": 1, "done": 2}
    assert "groups" not in body and "counts" not in body  # the list's earlier shape is gone

    todo = (await client.get("/v1/my/tasks?status=todo&size=2", headers=me)).json()
    assert (todo["status"], todo["total"]) == ("todo", 3)
    assert [t["id"] for t in todo["items"]] == [in_three_days, in_a_week]
    second = (await client.get("/v1/my/tasks?status=todo&size=2&page=2", headers=me)).json()
    assert [t["id"] for t in second["items"]] == [no_due]
    finished = (await client.get("/v1/my/tasks?status=done", headers=me)).json()
    assert [t["id"] for t in finished["items"]] == [second_done, first_done]
    due = (await client.get("/v1/my/tasks?status=due_today", headers=me)).json()
    assert [t["id"] for t in due["items"]] == [today]
    late = (await client.get("/v1/my/tasks?status=overdue", headers=me)).json()
    assert [t["id"] for t in late["items"]] == [overdue]

    assert (await client.get("/v1/my/tasks?status=later", headers=me)).status_code == 422
    assert (await client.get("/v1/my/tasks?size=51", headers=me)).status_code == 422
    assert (await client.get("/v1/my/tasks", headers=teacher(tokens))).status_code == 403


async def test_work_returned_for_revision_is_to_do_again(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await create(client, tokens, "退回重做")
    await hand_in(client, task_id, pupil(tokens))
    returned = await client.post(
        f"/v1/tasks/{task_id}/submissions/p-wang/review",
        headers=teacher(tokens),
        json={"outcome": "returned", "comment": "再写详细一些"},
    )
    assert returned.status_code == 200, returned.text
    body = (await client.get("/v1/my/tasks?status=todo", headers=pupil(tokens))).json()
    assert [(t["id"], t["state"]) for t in body["items"]] == [(task_id, "returned")]


async def test_a_pupil_of_another_district_with_the_same_ids_lists_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    await hand_in(client, await create(client, tokens, "和平区的作业"), pupil(tokens))
    await create(client, tokens, "和平区的另一份作业")
    hexi = pupil(tokens, tenant="hexi", school="hx-1")  # same user id and class id
    for status in ("", "?status=todo", "?status=done"):
        body = (await client.get(f"/v1/my/tasks{status}", headers=hexi)).json()
        assert (body["items"], body["total"]) == ([], 0), status
        assert body["by_status"] == {"due_today": 0, "todo": 0, "overdue": 0, "done": 0}


# --- times without an offset are Beijing time -------------------------------------------------


async def test_times_without_an_offset_are_beijing_time_and_stored_in_utc(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    day = (datetime.now(BEIJING) + timedelta(days=3)).date().isoformat()
    resp = await client.post(
        "/v1/tasks",
        headers=teacher(tokens),
        json={"title": "周末作业", "class_ids": [CLASS], "due_at": f"{day}T20:00"},
    )
    assert resp.status_code == 201, resp.text
    task = resp.json()
    due = datetime.fromisoformat(task["due_at"])
    assert due == datetime.fromisoformat(f"{day}T20:00+08:00")
    assert due.utcoffset() == timedelta(0)
    stored = await mongo.for_tenant(HEPING)["tasks"].find_one({"_id": task["id"]})
    assert stored is not None
    assert stored["due_at"].replace(tzinfo=UTC) == due

    path = f"/v1/tasks/{task['id']}"
    edited = await client.patch(
        path, headers=teacher(tokens), json={"revision": 1, "due_at": f"{day}T21:30:00"}
    )
    assert edited.status_code == 200, edited.text
    assert datetime.fromisoformat(edited.json()["due_at"]) == datetime.fromisoformat(
        f"{day}T13:30:00+00:00"
    )
    # An offset given is kept; nonsense and times out of range are 422.
    with_offset = await client.patch(
        path, headers=teacher(tokens), json={"revision": 2, "due_at": f"{day}T21:30:00Z"}
    )
    assert datetime.fromisoformat(with_offset.json()["due_at"]).hour == 21
    for bad in ("0001-01-01T00:00", "9999-12-31T23:59", "下周五"):
        refused = await client.patch(
            path, headers=teacher(tokens), json={"revision": 3, "due_at": bad}
        )
        assert refused.status_code == 422, bad
    # Another district's teacher with the same ids changes nothing.
    hexi = teacher(tokens, tenant="hexi", school="hx-1")
    foreign = await client.patch(path, headers=hexi, json={"revision": 3, "due_at": f"{day}T08:00"})
    assert foreign.status_code == 404


# --- opening and marking at the latest attempt -------------------------------------------------


async def test_a_submission_opens_and_is_marked_at_its_latest_attempt(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    task_id = await create(client, tokens, "可交两次", max_attempts=2)
    await hand_in(client, task_id, pupil(tokens))
    await hand_in(client, task_id, pupil(tokens))
    path = f"/v1/tasks/{task_id}/submissions/p-wang"
    opened = (await client.get(path, headers=teacher(tokens))).json()
    assert opened["attempt"]["n"] == 2 and len(opened["attempts"]) == 2
    first = (await client.get(f"{path}?attempt=1", headers=teacher(tokens))).json()
    assert first["attempt"]["n"] == 1
    assert (await client.get(f"{path}?attempt=3", headers=teacher(tokens))).status_code == 404
    own = (await client.get(path, headers=pupil(tokens))).json()
    assert own["attempt"]["n"] == 2 and "student_no" not in own
    listed = (await client.get(f"/v1/tasks/{task_id}/submissions", headers=teacher(tokens))).json()
    assert "attempt" not in listed[0]

    # Another district's teacher with the same ids opens and marks nothing.
    hexi = teacher(tokens, tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi)).status_code == 404
    review = {"outcome": "marked", "score": 90.0}
    assert (await client.post(f"{path}/review", headers=hexi, json=review)).status_code == 404

    marked = await client.post(f"{path}/review", headers=teacher(tokens), json=review)
    assert marked.status_code == 200, marked.text
    assert (marked.json()["state"], marked.json()["score"]) == ("marked", 90.0)
    # Naming an attempt that is not the latest is still refused.
    stale = {"attempt": 1, "outcome": "marked", "score": 80.0}
    assert (
        await client.post(f"{path}/review", headers=teacher(tokens), json=stale)
    ).status_code == 409


async def test_the_list_of_all_pupils_needs_identity(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    """Without identity the submissions are listed as stored; who is missing is a 503."""
    task_id = await create(client, tokens, "名单")
    await hand_in(client, task_id, pupil(tokens))
    path = f"/v1/tasks/{task_id}/submissions"
    rows = (await client.get(path, headers=teacher(tokens))).json()
    assert [(r["pupil_id"], r["pupil_name"], r["student_no"]) for r in rows] == [
        ("p-wang", "王小明", None)
    ]
    missing = await client.get(f"{path}?include_missing=true", headers=teacher(tokens))
    assert missing.status_code == 503
