"""Questions (答疑) on tasks: who sees which thread, answering, follow-ups, moderation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from xbt_shared.mongo import OUTBOX, Doc, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory
from xbt_tasks.questions import domain as questions
from xbt_tasks.questions.domain import MAX_QUESTION_TEXT

from ...conftest import CLASS, OTHER_CLASS, SCHOOL, pupil, teacher

THIRD_CLASS = "hp-sy-zx-7-3"


async def create_task(
    client: httpx.AsyncClient, tokens: TokenFactory, **over: Any
) -> dict[str, Any]:
    headers = over.pop("headers", None) or teacher(tokens, classes=(CLASS, OTHER_CLASS))
    body = {"title": "第八章 作业", "class_ids": [CLASS, OTHER_CLASS], **over}
    resp = await client.post("/v1/tasks", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    task: dict[str, Any] = resp.json()
    return task


async def ask(
    client: httpx.AsyncClient,
    task_id: str,
    headers: dict[str, str],
    text: str = "第3题怎么做？",
    visibility: str = "class",
) -> httpx.Response:
    body = {"text": text, "visibility": visibility}
    return await client.post(f"/v1/tasks/{task_id}/questions", headers=headers, json=body)


async def asked(client: httpx.AsyncClient, task_id: str, headers: dict[str, str], **kw: Any) -> str:
    resp = await ask(client, task_id, headers, **kw)
    assert resp.status_code == 201, resp.text
    question_id: str = resp.json()["id"]
    return question_id


async def reply(
    client: httpx.AsyncClient,
    task_id: str,
    qid: str,
    headers: dict[str, str],
    text: str,
    fmt: str = "text",
) -> httpx.Response:
    return await client.post(
        f"/v1/tasks/{task_id}/questions/{qid}/replies",
        headers=headers,
        json={"text": text, "format": fmt},
    )


async def listed(
    client: httpx.AsyncClient, task_id: str, headers: dict[str, str], query: str = ""
) -> list[str]:
    resp = await client.get(f"/v1/tasks/{task_id}/questions{query}", headers=headers)
    assert resp.status_code == 200, resp.text
    return [q["id"] for q in resp.json()["items"]]


async def outbox(mongo: Mongo, type_: str, tenant: str = "heping") -> list[Doc]:
    rows = mongo.for_tenant(Tenant(tenant))[OUTBOX].find({"event.type": type_})
    return [r["event"]["data"] async for r in rows]


def admin(tokens: TokenFactory, role: str, *, tenant: str = "heping", school: str = SCHOOL) -> Any:
    return tokens.headers(tenant=tenant, roles=[role], sub=f"a-{role}", school=school)


async def test_who_sees_which_question(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    task = await create_task(client, tokens)
    tid = task["id"]
    asker = pupil(tokens)
    classmate = pupil(tokens, sub="p-li")
    other_class = pupil(tokens, sub="p-zhao", cls=OTHER_CLASS)
    public = await asked(client, tid, asker)
    private = await asked(client, tid, asker, text="我不会，能单独讲讲吗", visibility="private")
    theirs = await asked(client, tid, other_class)

    assert await listed(client, tid, asker) == [private, public]
    assert await listed(client, tid, classmate) == [public]
    assert await listed(client, tid, other_class) == [theirs]
    path = f"/v1/tasks/{tid}/questions"
    seen = await client.get(f"{path}/{public}", headers=classmate)
    assert (seen.status_code, seen.json()["mine"]) == (200, False)
    assert (await client.get(f"{path}/{private}", headers=classmate)).status_code == 404
    assert (await client.get(f"{path}/{public}", headers=other_class)).status_code == 404
    assert (await client.get(f"{path}/{private}", headers=asker)).json()["mine"] is True

    # The task's teacher of both classes sees every question; a co-teacher only their class's.
    both = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    assert await listed(client, tid, both) == [theirs, private, public]
    assert await listed(client, tid, both, f"?class_id={CLASS}") == [private, public]
    co_teacher = teacher(tokens, sub="t-2", classes=(OTHER_CLASS,))
    assert await listed(client, tid, co_teacher) == [theirs]
    assert (await client.get(f"{path}/{private}", headers=co_teacher)).status_code == 404
    assert (await reply(client, tid, public, co_teacher, "看例题")).status_code == 404
    not_theirs = await client.get(f"{path}?class_id={CLASS}", headers=co_teacher)
    assert not_theirs.status_code == 403
    # A teacher of another class of the school does not see the task at all.
    third = teacher(tokens, sub="t-3", classes=(THIRD_CLASS,))
    assert (await client.get(path, headers=third)).status_code == 404
    assert (await client.get(f"{path}/{public}", headers=third)).status_code == 404

    # Administrators of the school and the district read everything, another school's nothing.
    assert len(await listed(client, tid, admin(tokens, "school_admin"))) == 3
    assert len(await listed(client, tid, admin(tokens, "district_admin"))) == 3
    other_school = admin(tokens, "school_admin", school="hp-other")
    assert (await client.get(path, headers=other_school)).status_code == 404
    assert (
        await reply(client, tid, public, admin(tokens, "school_admin"), "好")
    ).status_code == 403

    # Same pupil id, same class id, another district: another database, nothing there.
    hexi = pupil(tokens, tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi)).status_code == 404
    assert (await client.get(f"{path}/{public}", headers=hexi)).status_code == 404
    assert (await reply(client, tid, public, hexi, "还有我")).status_code == 404
    assert (await ask(client, tid, hexi)).status_code == 404
    hexi_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS), tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi_teacher)).status_code == 404
    hexi_admin = admin(tokens, "district_admin", tenant="hexi", school="hx-1")
    assert (await client.get(path, headers=hexi_admin)).status_code == 404
    assert await outbox(mongo, "tasks.question.asked", tenant="hexi") == []

    # Guests never write.
    guest = tokens.headers(tenant="heping", roles=["guest"], sub="guest")
    assert (await ask(client, tid, guest)).status_code == 403
    assert (await client.get(path, headers=guest)).status_code == 404

    asked_events = await outbox(mongo, "tasks.question.asked")
    assert sorted((e["class_id"], e["visibility"]) for e in asked_events) == [
        (CLASS, "class"),
        (CLASS, "private"),
        (OTHER_CLASS, "class"),
    ]


async def test_answered_once_and_a_follow_up_reopens(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    asker = pupil(tokens)
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    qid = await asked(client, tid, asker)
    unanswered = "?state=unanswered"
    assert await listed(client, tid, the_teacher, unanswered) == [qid]

    first = await reply(client, tid, qid, the_teacher, "<p>先消元<script>x()</script></p>", "html")
    assert first.status_code == 201, first.text
    thread = first.json()
    assert thread["state"] == "answered"
    assert thread["replies"][0]["text"] == "<p>先消元</p>"
    assert thread["replies"][0]["role"] == "teacher"
    assert thread["answered_by"] == "t-li"
    assert await listed(client, tid, the_teacher, unanswered) == []
    second = await reply(client, tid, qid, the_teacher, "也可以代入")
    assert second.json()["state"] == "answered"
    answered = await outbox(mongo, "tasks.question.answered")
    assert answered == [
        {"task_id": tid, "question_id": qid, "asked_by": "p-wang", "answered_by": "t-li"}
    ]

    follow_up = await reply(client, tid, qid, asker, "还是不懂第二步")
    assert follow_up.status_code == 201
    assert follow_up.json()["state"] == "unanswered"
    assert [r["role"] for r in follow_up.json()["replies"]] == ["teacher", "teacher", "asker"]
    assert await listed(client, tid, the_teacher, unanswered) == [qid]
    again = await reply(client, tid, qid, the_teacher, "第二步是两式相减")
    assert again.json()["state"] == "answered"
    assert again.json()["reply_count"] == 4
    # A classmate reads the public thread but does not take part in it.
    classmate = pupil(tokens, sub="p-li")
    assert (await reply(client, tid, qid, classmate, "我也是")).status_code == 403
    seen = (await client.get(f"/v1/tasks/{tid}/questions/{qid}", headers=classmate)).json()
    assert seen["reply_count"] == 4
    assert len(await outbox(mongo, "tasks.question.answered")) == 1

    # Resolved stays resolved through a teacher's note; the asker's follow-up reopens it.
    act = f"/v1/tasks/{tid}/questions/{qid}"
    assert (await client.post(f"{act}/resolve", headers=asker)).status_code == 403
    resolved = await client.post(f"{act}/resolve", headers=the_teacher)
    assert resolved.json()["state"] == "resolved"
    note = await reply(client, tid, qid, the_teacher, "下课再找我")
    assert note.json()["state"] == "resolved"
    reopened = await reply(client, tid, qid, asker, "又有新问题")
    assert reopened.json()["state"] == "unanswered"
    await reply(client, tid, qid, the_teacher, "好")
    await client.post(f"{act}/resolve", headers=the_teacher)
    back = await client.post(f"{act}/reopen", headers=the_teacher)
    assert back.json()["state"] == "answered"
    assert len(await outbox(mongo, "tasks.question.answered")) == 1
    # The newest activity comes first.
    older = await asked(client, tid, pupil(tokens, sub="p-li"), text="单位是什么？")
    assert await listed(client, tid, the_teacher) == [older, qid]
    await reply(client, tid, qid, asker, "再问一句")
    assert await listed(client, tid, the_teacher) == [qid, older]


async def test_concurrent_first_answers_publish_one_event(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    qid = await asked(client, tid, pupil(tokens))
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    co_teacher = teacher(tokens, sub="t-2", classes=(CLASS,))
    answers = await asyncio.gather(
        *(reply(client, tid, qid, h, f"答案 {i}") for i, h in enumerate([the_teacher, co_teacher]))
    )
    assert [r.status_code for r in answers] == [201, 201]
    thread = (await client.get(f"/v1/tasks/{tid}/questions/{qid}", headers=the_teacher)).json()
    assert thread["reply_count"] == 2
    assert len(await outbox(mongo, "tasks.question.answered")) == 1


async def test_bad_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    me = pupil(tokens)

    async def refused(body: dict[str, Any]) -> str:
        resp = await client.post(f"/v1/tasks/{tid}/questions", headers=me, json=body)
        assert resp.status_code == 422, resp.text
        assert resp.headers["content-type"].startswith("application/problem+json")
        field: str = resp.json()["errors"][0]["field"]
        return field

    assert await refused({"text": ""}) == "body.text"
    assert await refused({"text": "   "}) == "body.text"
    assert await refused({"text": "问" * (MAX_QUESTION_TEXT + 1)}) == "body.text"
    script = {"text": "<script>alert(1)</script><p> </p>", "format": "html"}
    assert await refused(script) == "body.text"
    assert await refused({"text": "问", "format": "markdown"}) == "body.format"
    assert await refused({"text": "问", "visibility": "school"}) == "body.visibility"
    assert await refused({"text": "问", "anonymous": True}) == "body.anonymous"
    assert await refused({"visibility": "class"}) == "body.text"
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    assert await listed(client, tid, the_teacher) == []
    assert await outbox(mongo, "tasks.question.asked") == []

    qid = await asked(client, tid, me, text="x<y 时\n怎么办？")  # plain text, kept as typed
    thread = (await client.get(f"/v1/tasks/{tid}/questions/{qid}", headers=me)).json()
    assert thread["text"] == "x&lt;y 时<br>怎么办？"
    rich = await client.post(
        f"/v1/tasks/{tid}/questions",
        headers=me,
        json={"text": '<p onclick="x()">看图<img src="javascript:x()"></p>', "format": "html"},
    )
    assert rich.json()["text"] == "<p>看图<img></p>"
    empty = await reply(client, tid, qid, the_teacher, "<style>p{}</style>", "html")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "body.text"
    long = await reply(client, tid, qid, the_teacher, "答" * 5001)
    assert long.status_code == 422
    big_page = await client.get(f"/v1/tasks/{tid}/questions?size=51", headers=the_teacher)
    assert big_page.status_code == 422
    assert big_page.json()["errors"][0]["field"] == "query.size"
    bad_state = await client.get(f"/v1/tasks/{tid}/questions?state=open", headers=the_teacher)
    assert bad_state.json()["errors"][0]["field"] == "query.state"
    thread = (await client.get(f"/v1/tasks/{tid}/questions/{qid}", headers=me)).json()
    assert (thread["reply_count"], thread["state"]) == (0, "unanswered")
    assert await outbox(mongo, "tasks.question.answered") == []


async def test_hiding_and_deleting(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    asker = pupil(tokens)
    classmate = pupil(tokens, sub="p-li")
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    rude = await asked(client, tid, asker, text="这题出得真烂")
    path = f"/v1/tasks/{tid}/questions"

    assert (await client.post(f"{path}/{rude}/hide", headers=classmate)).status_code == 403
    hidden = await client.post(f"{path}/{rude}/hide", headers=the_teacher)
    assert hidden.json()["hidden"] is True
    assert await listed(client, tid, classmate) == []
    assert (await client.get(f"{path}/{rude}", headers=classmate)).status_code == 404
    assert (await client.get(f"{path}/{rude}", headers=asker)).json()["hidden"] is True
    assert await listed(client, tid, the_teacher) == [rude]
    await client.post(f"{path}/{rude}/unhide", headers=the_teacher)
    assert await listed(client, tid, classmate) == [rude]
    private = await asked(client, tid, asker, visibility="private")
    assert (await client.post(f"{path}/{private}/hide", headers=the_teacher)).status_code == 409
    unknown = await client.post(f"{path}/{rude}/archive", headers=the_teacher)
    assert unknown.status_code == 422

    # The asker takes back an unanswered question; nobody sees it afterwards.
    assert (await client.delete(f"{path}/{rude}", headers=classmate)).status_code == 403
    assert (await client.delete(f"{path}/{private}", headers=classmate)).status_code == 404
    assert (await client.delete(f"{path}/{rude}", headers=the_teacher)).status_code == 403
    assert (await client.delete(f"{path}/{rude}", headers=asker)).status_code == 204
    assert (await client.get(f"{path}/{rude}", headers=asker)).status_code == 404
    assert await listed(client, tid, the_teacher) == [private]
    assert (await reply(client, tid, rude, the_teacher, "?")).status_code == 404
    stored = await mongo.for_tenant(Tenant("heping"))["questions"].find_one({"_id": rude})
    assert stored is not None and stored["deleted_by"] == "p-wang"  # a soft delete
    # Once a teacher has answered, the thread stays.
    await reply(client, tid, private, the_teacher, "来办公室")
    assert (await client.delete(f"{path}/{private}", headers=asker)).status_code == 409
    assert await listed(client, tid, asker) == [private]


async def test_when_questions_may_be_asked(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    scheduled = await create_task(client, tokens, opens_at=later)
    assert (await ask(client, scheduled["id"], pupil(tokens))).status_code == 404
    assert await listed(client, scheduled["id"], the_teacher) == []

    task = await create_task(client, tokens)
    assert (await ask(client, task["id"], the_teacher)).status_code == 403  # pupils ask
    closed = await client.post(f"/v1/tasks/{task['id']}/close", headers=the_teacher)
    assert closed.json()["phase"] == "closed"
    # Still visible, so still open to questions (revising marked work raises the most).
    qid = await asked(client, task["id"], pupil(tokens))
    assert (await reply(client, task["id"], qid, the_teacher, "看解析")).status_code == 201
    assert len(await outbox(mongo, "tasks.question.asked")) == 1


async def test_a_retried_ask_or_reply_is_written_once(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    me = {**pupil(tokens), "Idempotency-Key": uuid.uuid4().hex}
    body = {"text": "第5题答案是多少", "visibility": "private"}
    path = f"/v1/tasks/{tid}/questions"
    answers = await asyncio.gather(*(client.post(path, headers=me, json=body) for _ in range(3)))
    assert [r.status_code for r in answers] == [201] * 3
    assert len({r.json()["id"] for r in answers}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in answers) == 2
    assert len(await outbox(mongo, "tasks.question.asked")) == 1
    other = await client.post(path, headers=me, json={**body, "text": "另一个问题"})
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")

    qid = answers[0].json()["id"]
    the_teacher = {
        **teacher(tokens, classes=(CLASS, OTHER_CLASS)),
        "Idempotency-Key": uuid.uuid4().hex,
    }
    replies = await asyncio.gather(
        *(reply(client, tid, qid, the_teacher, "是 7") for _ in range(3))
    )
    assert [r.status_code for r in replies] == [201] * 3
    assert {r.json()["reply_count"] for r in replies} == {1}
    assert len(await outbox(mongo, "tasks.question.answered")) == 1


async def test_pages_are_bounded(
    client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo
) -> None:
    tid = (await create_task(client, tokens))["id"]
    ids = [
        await asked(client, tid, pupil(tokens, sub=f"p-{i}"), text=f"问题 {i}") for i in range(3)
    ]
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    first = (await client.get(f"/v1/tasks/{tid}/questions?size=2", headers=the_teacher)).json()
    assert ([q["id"] for q in first["items"]], first["total"]) == (ids[::-1][:2], 3)
    second = await listed(client, tid, the_teacher, "?size=2&page=2")
    assert second == [ids[0]]


async def test_limits_per_pupil_and_per_thread(
    client: httpx.AsyncClient, tokens: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(questions, "MAX_QUESTIONS_PER_PUPIL", 2)
    monkeypatch.setattr(questions, "MAX_REPLIES", 2)
    tid = (await create_task(client, tokens))["id"]
    me = pupil(tokens)
    qid = await asked(client, tid, me)
    deleted = await asked(client, tid, me)
    third = await ask(client, tid, me)
    assert third.status_code == 409
    assert third.json()["type"].endswith("too-many-questions")
    # A deleted question no longer counts.
    await client.delete(f"/v1/tasks/{tid}/questions/{deleted}", headers=me)
    assert (await ask(client, tid, me)).status_code == 201
    the_teacher = teacher(tokens, classes=(CLASS, OTHER_CLASS))
    assert (await reply(client, tid, qid, the_teacher, "一")).status_code == 201
    assert (await reply(client, tid, qid, me, "二")).status_code == 201
    full = await reply(client, tid, qid, the_teacher, "三")
    assert full.status_code == 409
    assert full.json()["type"].endswith("thread-full")
