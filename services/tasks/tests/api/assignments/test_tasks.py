"""Assigning, reading, submitting and marking tasks, with the real catalog behind."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from xbt_shared.mongo import OUTBOX, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import CLASS, OTHER_CLASS, pupil, teacher

ALL_ITEMS = [
    {"id": "it-single", "points": 2},
    {"id": "it-multi", "points": 2},
    {"id": "it-tf", "points": 1},
    {"id": "it-fill", "points": 3},
    {"id": "it-short", "points": 5},
]


def soon(hours: float = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def create(client: httpx.AsyncClient, tokens: TokenFactory, **over: Any) -> dict[str, Any]:
    headers = over.pop("headers", None) or teacher(tokens)
    body = {
        "title": "第八章 二元一次方程组 作业",
        "instructions": "<p>完成练习<script>x()</script></p>",
        "class_ids": [CLASS],
        "resource_ids": ["r-city-1", "r-hp-school"],
        "items": ALL_ITEMS,
        "due_at": soon(),
        **over,
    }
    resp = await client.post("/v1/tasks", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    task: dict[str, Any] = resp.json()
    return task


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def submit(
    client: httpx.AsyncClient,
    task_id: str,
    headers: dict[str, str],
    body: dict[str, Any],
    idem: dict[str, str] | None = None,
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/submissions", headers={**headers, **(idem or key())}, json=body
    )


ANSWERS = {
    "it-single": "b",  # case does not matter
    "it-multi": ["C", "A"],  # nor order
    "it-tf": False,  # wrong
    "it-fill": ["x = 2"],  # spaces do not matter
    "it-short": "代入消元",
}


async def events(mongo: Mongo, tenant: str = "heping") -> list[str]:
    rows = mongo.for_tenant(Tenant(tenant))[OUTBOX].find({}, {"event.type": 1})
    return [r["event"]["type"] async for r in rows]


async def test_a_teacher_assigns_with_checked_copies_of_catalog_content(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task = await create(client, tokens)
    assert task["instructions"] == "<p>完成练习</p>"
    assert [r["id"] for r in task["resources"]] == ["r-city-1", "r-hp-school"]
    assert task["resources"][1]["title"] == "实验中学 校本练习"
    assert [i["answer"] for i in task["items"]][:3] == ["B", ["A", "C"], True]
    assert task["max_score"] == 13
    assert task["accepts"] == {"text": True, "files": False, "answers": True}
    assert task["phase"] == "open"
    assert await events(mongo) == ["tasks.task.assigned"]


async def test_what_a_task_attaches_must_exist_for_the_teacher(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    async def attempt(**over: Any) -> httpx.Response:
        body = {"title": "作业", "class_ids": [CLASS], "due_at": soon(), **over}
        return await client.post("/v1/tasks", headers=teacher(tokens), json=body)

    hexi_resource = await attempt(resource_ids=["r-hx-1"])
    assert hexi_resource.status_code == 422
    assert hexi_resource.json()["errors"][0]["field"] == "body.resource_ids"
    hexi_item = await attempt(items=[{"id": "it-hx"}])
    assert hexi_item.status_code == 422
    assert hexi_item.json()["errors"][0]["field"] == "body.items"
    not_mine = await attempt(class_ids=[OTHER_CLASS])
    assert not_mine.status_code == 403
    as_pupil = await client.post(
        "/v1/tasks", headers=pupil(tokens), json={"title": "x", "class_ids": [CLASS]}
    )
    assert as_pupil.status_code == 403
    past = await attempt(due_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat())
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "body.due_at"
    nothing = await attempt(accepts_text=False)
    assert nothing.status_code == 422
    assert await events(mongo) == []  # nothing was assigned


async def test_who_sees_a_task(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens)
    path = f"/v1/tasks/{task['id']}"
    mine = (await client.get(path, headers=pupil(tokens))).json()
    assert mine["my_state"] == "to_do"
    assert all("answer" not in i and "explanation" not in i for i in mine["items"])
    other_class = await client.get(path, headers=pupil(tokens, sub="p-2", cls=OTHER_CLASS))
    assert other_class.status_code == 404
    # Same class id, another district: that is another class, and another database.
    hexi_pupil = pupil(tokens, sub="p-3", tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi_pupil)).status_code == 404
    hexi_teacher = teacher(tokens, sub="t-hx", tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi_teacher)).status_code == 404
    other_teacher = teacher(tokens, sub="t-2", classes=(OTHER_CLASS,))
    assert (await client.get(path, headers=other_teacher)).status_code == 404
    school_admin = tokens.headers(tenant="heping", roles=["school_admin"], school="hp-sy-zx")
    assert "answer" in (await client.get(path, headers=school_admin)).json()["items"][0]


async def test_auto_marking_matches_the_keys(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens)
    resp = await submit(client, task["id"], pupil(tokens), {"answers": ANSWERS})
    assert resp.status_code == 201, resp.text
    work = resp.json()
    marking = work["attempts"][0]["marking"]
    verdicts = {k: v["correct"] for k, v in marking["items"].items()}
    assert verdicts == {"it-single": True, "it-multi": True, "it-tf": False, "it-fill": True}
    assert marking["score"] == 7  # 2 + 2 + 0 + 3
    assert marking["pending"] == ["it-short"]
    assert work["needs_teacher"] is True
    assert work["score"] is None  # not final until the short answer is marked
    assert "items" not in work  # keys come with marking, not before


async def test_a_retried_submit_never_makes_a_second_submission(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task = await create(client, tokens, max_attempts=3)
    me = pupil(tokens)
    same = key()
    answers = await asyncio.gather(
        *(submit(client, task["id"], me, {"answers": ANSWERS}, same) for _ in range(5))
    )
    assert [r.status_code for r in answers] == [201] * 5
    assert len({r.json()["attempt_count"] for r in answers}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in answers) == 4
    stored = (await client.get(f"/v1/tasks/{task['id']}/submissions/p-wang", headers=me)).json()
    assert stored["attempt_count"] == 1
    assert (await events(mongo)).count("tasks.submission.created") == 1
    # the same key for another body is refused, not replayed
    other = await submit(client, task["id"], me, {"answers": {"it-single": "A"}}, same)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")


async def test_attempts_are_kept_and_limited(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens, max_attempts=2, items=[], resource_ids=[])
    me = pupil(tokens)
    first = await submit(client, task["id"], me, {"text": "第一稿"})
    second = await submit(client, task["id"], me, {"text": "<b>第二稿</b>"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert [a["text"] for a in second.json()["attempts"]] == ["第一稿", "<b>第二稿</b>"]
    third = await submit(client, task["id"], me, {"text": "第三稿"})
    assert third.status_code == 409
    assert third.json()["type"].endswith("too-many-attempts")


async def test_closed_late_and_foreign_submissions_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task = await create(client, tokens, items=[], resource_ids=[])
    closed = await client.post(f"/v1/tasks/{task['id']}/close", headers=teacher(tokens))
    assert closed.json()["phase"] == "closed"
    refused = await submit(client, task["id"], pupil(tokens), {"text": "作业"})
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("task-closed")
    await client.post(f"/v1/tasks/{task['id']}/reopen", headers=teacher(tokens))
    # past the due time, without late work allowed
    tdb = mongo.for_tenant(Tenant("heping"))
    past = datetime.now(UTC) - timedelta(minutes=5)
    await tdb["tasks"].update_one({"_id": task["id"]}, {"$set": {"due_at": past}})
    late = await submit(client, task["id"], pupil(tokens), {"text": "作业"})
    assert late.status_code == 409
    mine = (await client.get("/v1/my/tasks", headers=pupil(tokens))).json()
    assert [(t["id"], t["state"]) for t in mine["items"]] == [(task["id"], "overdue")]
    # with late work allowed it is taken, and flagged
    await tdb["tasks"].update_one({"_id": task["id"]}, {"$set": {"allow_late": True}})
    accepted = await submit(client, task["id"], pupil(tokens), {"text": "迟交的作业"})
    assert accepted.status_code == 201
    assert accepted.json()["late"] is True
    # another class's pupil, and another district's, cannot hand in
    other = await submit(
        client, task["id"], pupil(tokens, sub="p-2", cls=OTHER_CLASS), {"text": "x"}
    )
    assert other.status_code == 404
    hexi = pupil(tokens, sub="p-3", tenant="hexi", school="hx-1")
    assert (await submit(client, task["id"], hexi, {"text": "x"})).status_code == 404


async def test_bad_content_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task = await create(client, tokens)
    me = pupil(tokens)

    async def refused(body: dict[str, Any]) -> str:
        resp = await submit(client, task["id"], me, body)
        assert resp.status_code == 422, resp.text
        field: str = resp.json()["errors"][0]["field"]
        return field

    assert await refused({"answers": {"it-nope": "A"}}) == "body.answers.it-nope"
    assert await refused({"answers": {"it-single": "E"}}) == "body.answers.it-single"
    assert await refused({"answers": {"it-multi": "A"}}) == "body.answers.it-multi"
    assert await refused({"file_ids": ["f-1"]}) == "body.file_ids"
    assert await refused({}) == "body"
    mine = await client.get(f"/v1/tasks/{task['id']}/submissions/p-wang", headers=me)
    assert mine.status_code == 404
    assert "tasks.submission.created" not in await events(mongo)


async def test_marking_returning_and_the_pupils_list(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task = await create(client, tokens)
    me = pupil(tokens)
    await submit(client, task["id"], me, {"answers": ANSWERS})
    review = f"/v1/tasks/{task['id']}/submissions/p-wang/review"
    items = (await client.get("/v1/my/tasks", headers=me)).json()["items"]
    assert [(t["id"], t["state"]) for t in items] == [(task["id"], "submitted")]

    # the short answer needs points before the work is marked
    unmarked = await client.post(
        review, headers=teacher(tokens), json={"attempt": 1, "outcome": "marked"}
    )
    assert unmarked.status_code == 422
    assert unmarked.json()["errors"][0]["field"] == "body.item_points.it-short"
    silent_return = await client.post(
        review, headers=teacher(tokens), json={"attempt": 1, "outcome": "returned"}
    )
    assert silent_return.status_code == 422
    returned = await client.post(
        review,
        headers=teacher(tokens),
        json={"attempt": 1, "outcome": "returned", "comment": "第3题再想想"},
    )
    assert returned.json()["state"] == "returned"
    items = (await client.get("/v1/my/tasks", headers=me)).json()["items"]
    assert [(t["id"], t["state"]) for t in items] == [(task["id"], "returned")]
    # a returned submission takes one more attempt, even past max_attempts (1)
    fixed = {**ANSWERS, "it-tf": True}
    again = await submit(client, task["id"], me, {"answers": fixed})
    assert again.status_code == 201
    assert again.json()["attempts"][-1]["marking"]["score"] == 8
    stale = await client.post(
        review,
        headers=teacher(tokens),
        json={"attempt": 1, "outcome": "marked", "item_points": {"it-short": 4}},
    )
    assert stale.status_code == 409
    marked = await client.post(
        review,
        headers=teacher(tokens),
        json={"attempt": 2, "outcome": "marked", "item_points": {"it-short": 4}, "comment": "好"},
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["score"] == 12  # 8 automatic + 4 from the teacher
    seen = (await client.get(f"/v1/tasks/{task['id']}/submissions/p-wang", headers=me)).json()
    assert seen["state"] == "marked"
    assert seen["items"][0]["answer"] == "B"  # keys are shown once the work is marked
    [listed] = (await client.get("/v1/my/tasks", headers=me)).json()["items"]
    assert (listed["state"], listed["score"]) == ("marked", 12)
    # another teacher of the school may not mark it
    other = teacher(tokens, sub="t-2", classes=(OTHER_CLASS,))
    assert (
        await client.post(review, headers=other, json={"attempt": 2, "outcome": "marked"})
    ).status_code == 404
    assert await events(mongo) == [
        "tasks.task.assigned",
        "tasks.submission.created",
        "tasks.submission.reviewed",
        "tasks.submission.created",
        "tasks.submission.reviewed",
    ]


async def test_teachers_list_and_edit_with_revisions(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens, items=[], resource_ids=[])
    listed = (await client.get("/v1/tasks", headers=teacher(tokens))).json()
    assert [t["id"] for t in listed["items"]] == [task["id"]]
    other = await client.get(f"/v1/tasks?class_id={OTHER_CLASS}", headers=teacher(tokens))
    assert other.status_code == 403
    path = f"/v1/tasks/{task['id']}"
    edited = await client.patch(
        path,
        headers=teacher(tokens),
        json={"revision": 1, "title": "改过的标题", "allow_late": True},
    )
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["revision"]) == ("改过的标题", 2)
    stale = await client.patch(path, headers=teacher(tokens), json={"revision": 1, "title": "x"})
    assert stale.status_code == 409
    by_pupil = await client.patch(path, headers=pupil(tokens), json={"revision": 2, "title": "x"})
    assert by_pupil.status_code == 403


async def test_a_retry_after_the_last_attempt_gets_the_first_answer_not_a_refusal(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens, items=[], resource_ids=[])  # one attempt
    me, same = pupil(tokens), key()
    first = await submit(client, task["id"], me, {"text": "作业"}, same)
    retry = await submit(client, task["id"], me, {"text": "作业"}, same)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    fresh = await submit(client, task["id"], me, {"text": "作业"})
    assert fresh.status_code == 409
    assert fresh.json()["type"].endswith("too-many-attempts")


async def test_editing_and_reviewing_name_the_bad_field(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens)
    path = f"/v1/tasks/{task['id']}"

    async def field_of(resp: httpx.Response) -> str:
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        name: str = resp.json()["errors"][0]["field"]
        return name

    me = teacher(tokens)
    early = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert (
        await field_of(
            await client.patch(
                path, headers=me, json={"revision": 1, "due_at": early, "opens_at": soon(48)}
            )
        )
        == "body.due_at"
    )
    assert (
        await field_of(await client.patch(path, headers=me, json={"revision": 1, "colour": "red"}))
        == "body.colour"
    )
    assert (
        await field_of(
            await client.patch(path, headers=me, json={"revision": 1, "max_attempts": 99})
        )
        == "body.max_attempts"
    )
    await submit(client, task["id"], pupil(tokens), {"answers": ANSWERS})
    review = f"{path}/submissions/p-wang/review"
    assert (
        await field_of(
            await client.post(review, headers=me, json={"attempt": 1, "outcome": "lost"})
        )
        == "body.outcome"
    )
    too_many = {"attempt": 1, "outcome": "marked", "item_points": {"it-short": 50}}
    assert await field_of(await client.post(review, headers=me, json=too_many)) == (
        "body.item_points.it-short"
    )
    unknown = {"attempt": 1, "outcome": "marked", "item_points": {"it-nope": 1}}
    assert await field_of(await client.post(review, headers=me, json=unknown)) == (
        "body.item_points.it-nope"
    )
    stored = (await client.get(f"{path}/submissions/p-wang", headers=me)).json()
    assert stored["state"] == "submitted"  # none of the refusals wrote anything


async def test_another_districts_teacher_with_the_same_ids_reaches_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task = await create(client, tokens)
    await submit(client, task["id"], pupil(tokens), {"answers": ANSWERS})
    path = f"/v1/tasks/{task['id']}"
    hexi = teacher(tokens, tenant="hexi", school="hx-1")  # same user id and class id
    assert (await client.get("/v1/tasks", headers=hexi)).json()["items"] == []
    assert (await client.get(f"{path}/submissions", headers=hexi)).status_code == 404
    assert (await client.get(f"{path}/submissions/p-wang", headers=hexi)).status_code == 404
    assert (
        await client.patch(path, headers=hexi, json={"revision": 1, "title": "改"})
    ).status_code == 404
    assert (await client.post(f"{path}/close", headers=hexi)).status_code == 404
    review = {"attempt": 1, "outcome": "marked", "item_points": {"it-short": 1}}
    marked = await client.post(f"{path}/submissions/p-wang/review", headers=hexi, json=review)
    assert marked.status_code == 404
    hexi_pupil = pupil(tokens, tenant="hexi", school="hx-1")
    assert (await client.get("/v1/my/tasks", headers=hexi_pupil)).json()["total"] == 0
    # and in heping nothing changed
    mine = (await client.get(path, headers=teacher(tokens))).json()
    assert (mine["title"], mine["phase"], mine["revision"]) == (task["title"], "open", 1)
