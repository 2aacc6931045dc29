"""Keyed requests (`Idempotency-Key`) against the real Mongo-wire server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest

from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict
from xbt_shared.idempotency import (
    IDEMPOTENCY,
    IdempotencyKeyReused,
    Idempotent,
    ensure_idempotency_indexes,
    request_digest,
)
from xbt_shared.mongo import OUTBOX, Doc, Mongo, TenantDb, UnitOfWork
from xbt_shared.tenancy import Tenant

QUESTION = {"title": "为什么天是蓝的", "body": "瑞利散射"}


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    m = Mongo(isolated_env["mongodb_uri"], service="svc", db_prefix=isolated_env["db_prefix"])
    yield m
    await m.close()


@pytest.fixture
def tdb(mongo: Mongo, tenant: Tenant) -> TenantDb:
    return mongo.for_tenant(tenant)


def ask(
    tdb: TenantDb,
    key: str | None,
    payload: Doc = QUESTION,
    *,
    actor: str = "u-1",
    scope: str = "question",
) -> Idempotent:
    return Idempotent(tdb, scope=scope, actor=actor, key=key, digest=request_digest(payload))


def post_question(calls: list[str], title: str = QUESTION["title"]) -> Callable[..., Any]:
    """The work of "post a question": one document and its event; the answer names it."""

    async def work(uow: UnitOfWork) -> Doc:
        calls.append(title)
        number = len(calls)
        await uow["questions"].insert_one(
            {"_id": f"q-{number}", "title": title}, session=uow.session
        )
        uow.emit("svc.question.posted", {"id": f"q-{number}"})
        return {"id": f"q-{number}", "title": title}

    return work


async def questions(tdb: TenantDb) -> list[str]:
    return [d["_id"] async for d in tdb["questions"].find({})]


async def test_without_a_key_the_work_runs_every_time(tdb: TenantDb) -> None:
    calls: list[str] = []
    first = await ask(tdb, None).run(post_question(calls))
    second = await ask(tdb, None).run(post_question(calls))
    assert first == ({"id": "q-1", "title": QUESTION["title"]}, False)
    assert second == ({"id": "q-2", "title": QUESTION["title"]}, False)
    assert await ask(tdb, None).replayed() is None
    assert await tdb[IDEMPOTENCY].count_documents({}) == 0


async def test_the_same_request_again_replays_the_first_answer(tdb: TenantDb) -> None:
    calls: list[str] = []
    answer, replayed = await ask(tdb, "k1").run(post_question(calls))
    assert (answer, replayed) == ({"id": "q-1", "title": QUESTION["title"]}, False)
    again = await ask(tdb, "k1", dict(reversed(QUESTION.items()))).run(post_question(calls))
    assert again == (answer, True)  # (the digest does not depend on the order of the fields)
    assert await ask(tdb, "k1").replayed() == answer
    # The work's effect and its event happened once.
    assert await questions(tdb) == ["q-1"]
    assert await tdb[OUTBOX].count_documents({}) == 1
    record = await tdb[IDEMPOTENCY].find_one({"_id": "question:u-1:k1"})
    assert record is not None and record["response"] == answer
    assert record["expires_at"] > now_ms() + timedelta(hours=47)


async def test_the_same_key_for_another_request_is_refused(tdb: TenantDb) -> None:
    calls: list[str] = []
    await ask(tdb, "k1").run(post_question(calls))
    other = ask(tdb, "k1", {**QUESTION, "title": "另一个问题"})
    with pytest.raises(IdempotencyKeyReused) as refused:
        await other.run(post_question(calls, "另一个问题"))
    assert refused.value.status == 422 and refused.value.slug == "idempotency-key-reused"
    with pytest.raises(IdempotencyKeyReused):
        await other.replayed()
    assert await questions(tdb) == ["q-1"]


async def test_concurrent_copies_of_one_request_commit_once(tdb: TenantDb) -> None:
    calls: list[str] = []
    results = await asyncio.gather(*(ask(tdb, "k1").run(post_question(calls)) for _ in range(5)))
    answers = [answer for answer, _ in results]
    assert all(answer == answers[0] for answer in answers)
    assert [replayed for _, replayed in results].count(False) == 1
    assert len(await questions(tdb)) == 1
    assert await tdb[OUTBOX].count_documents({}) == 1
    assert await tdb[IDEMPOTENCY].count_documents({}) == 1


async def test_a_retry_that_would_now_be_refused_gets_the_first_answer(tdb: TenantDb) -> None:
    calls: list[str] = []
    answer, _ = await ask(tdb, "k1").run(post_question(calls))

    async def refused_now(uow: UnitOfWork) -> Doc:
        calls.append("refused")
        raise Conflict("no attempts left")

    assert await ask(tdb, "k1").run(refused_now) == (answer, True)
    assert calls == [QUESTION["title"], "refused"]
    # Without an earlier answer the refusal stands, on the first try.
    with pytest.raises(Conflict):
        await ask(tdb, "k2").run(refused_now)
    with pytest.raises(Conflict):
        await ask(tdb, None).run(refused_now)
    assert calls == [QUESTION["title"], "refused", "refused", "refused"]


async def test_one_actors_key_never_answers_another_actor(tdb: TenantDb) -> None:
    calls: list[str] = []
    mine = await ask(tdb, "k1", actor="u-1").run(post_question(calls))
    theirs = await ask(tdb, "k1", actor="u-2").run(post_question(calls))
    assert mine == ({"id": "q-1", "title": QUESTION["title"]}, False)
    assert theirs == ({"id": "q-2", "title": QUESTION["title"]}, False)
    assert await ask(tdb, "k1", actor="u-3").replayed() is None


async def test_the_scope_keeps_kinds_of_request_apart(tdb: TenantDb) -> None:
    calls: list[str] = []
    question = await ask(tdb, "k1", scope="question").run(post_question(calls))
    like = await ask(tdb, "k1", scope="like").run(post_question(calls))
    assert question[1] is False and like[1] is False
    assert question[0] != like[0]
    ids = sorted([d["_id"] async for d in tdb[IDEMPOTENCY].find({})])
    assert ids == ["like:u-1:k1", "question:u-1:k1"]


def test_record_ids_without_a_scope_keep_their_old_shape(tdb: TenantDb) -> None:
    assert ask(tdb, "k1", scope="").record_id == "u-1:k1"
    assert ask(tdb, "k1", scope="like").record_id == "like:u-1:k1"
    assert ask(tdb, None).record_id is None


async def test_records_expire(tdb: TenantDb) -> None:
    await ensure_idempotency_indexes(tdb)
    await ensure_idempotency_indexes(tdb)  # every start runs it again
    ttl = {
        next(iter(ix["key"])): ix["expireAfterSeconds"]
        async for ix in await tdb[IDEMPOTENCY].list_indexes()
        if "expireAfterSeconds" in ix
    }
    assert ttl == {"expires_at": 0}


async def test_a_districts_records_are_invisible_in_another(
    mongo: Mongo, tenant: Tenant, other_tenant: Tenant
) -> None:
    here, there = mongo.for_tenant(tenant), mongo.for_tenant(other_tenant)
    calls: list[str] = []
    await ask(here, "k1").run(post_question(calls))
    assert await ask(there, "k1").replayed() is None
    assert await ask(there, "k1").run(post_question(calls)) == (
        {"id": "q-2", "title": QUESTION["title"]},
        False,
    )
    assert await questions(here) == ["q-1"] and await questions(there) == ["q-2"]


async def test_remember_stores_the_answer_in_the_callers_transaction(tdb: TenantDb) -> None:
    idem = ask(tdb, "k1")

    async def fails_after_remembering(uow: UnitOfWork) -> None:
        await idem.remember(uow, {"id": "q-1"})
        raise RuntimeError("the write failed afterwards")

    with pytest.raises(RuntimeError):
        await tdb.transaction(fails_after_remembering)
    assert await idem.replayed() is None  # rolled back with the write

    async def remembers(uow: UnitOfWork) -> None:
        await idem.remember(uow, {"id": "q-1"})

    await tdb.transaction(remembers)
    assert await idem.replayed() == {"id": "q-1"}


def test_the_digest_is_canonical() -> None:
    assert request_digest({"a": 1, "b": "二"}) == request_digest({"b": "二", "a": 1})
    assert request_digest({"a": 1}) != request_digest({"a": 2})
    assert len(request_digest(None)) == 64


async def test_a_problem_named_in_retry_on_is_retried_not_answered(tdb: TenantDb) -> None:
    class Busy(Conflict):
        """A use case's own race, reported as a problem when it cannot be won."""

    calls: list[str] = []
    post = post_question(calls)

    async def work(uow: UnitOfWork) -> Doc:
        if len(calls) < 2:
            calls.append("busy")
            raise Busy("the row moved under us")
        return await post(uow)

    answer, replayed = await ask(tdb, "key-busy-1").run(work, retry_on=(Busy,))
    assert not replayed
    assert calls == ["busy", "busy", QUESTION["title"]]
    assert await questions(tdb) == [answer["id"]]
