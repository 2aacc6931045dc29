"""The transaction runner and the unit of work against the real Mongo-wire server.

Write conflicts are real (two transactions made to overlap); lost and failed commits are
the server's own `failCommand` fail point, switched on for a number of commits only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError, PyMongoError

from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict
from xbt_shared.mongo import COMMIT_TRIES, OUTBOX, Mongo, TenantDb, UnitOfWork
from xbt_shared.tenancy import Tenant
from xbt_shared.transactions import CONCURRENT_INSERT, run_in_transaction


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    m = Mongo(isolated_env["mongodb_uri"], service="svc", db_prefix=isolated_env["db_prefix"])
    yield m
    await m.close()


@pytest.fixture
def tdb(mongo: Mongo, tenant: Tenant) -> TenantDb:
    return mongo.for_tenant(tenant)


class Raced(Exception):
    """What a use case raises when it finds another request got there first."""


@asynccontextmanager
async def failing_commits(
    mongo: Mongo, times: int, *, code: int, label: str
) -> AsyncIterator[None]:
    """The next `times` commits fail with `code` and the error label `label`."""
    await mongo.client.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": times},
            "data": {
                "failCommands": ["commitTransaction"],
                "errorCode": code,
                "errorLabels": [label],
            },
        }
    )
    try:
        yield
    finally:
        await mongo.client.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


async def outbox_types(tdb: TenantDb) -> list[str]:
    return [row["event"]["type"] async for row in tdb[OUTBOX].find({})]


async def test_returns_what_the_work_returns(tdb: TenantDb) -> None:
    async def work(uow: UnitOfWork) -> str:
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        return "made a"

    assert await run_in_transaction(tdb, work) == "made a"
    assert await tdb.transaction(lambda uow: asyncio.sleep(0, "nothing to do")) == "nothing to do"
    assert await tdb["things"].count_documents({}) == 1


async def test_state_and_events_of_a_run_commit_together(mongo: Mongo, tdb: TenantDb) -> None:
    woken: list[Tenant] = []
    mongo.on_events_committed = woken.append

    async def work(uow: UnitOfWork) -> str:
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        return uow.emit("svc.thing.created", {"id": "a"}, subject="a").id

    event_id = await run_in_transaction(tdb, work)
    assert await tdb["things"].find_one({"_id": "a"}) == {"_id": "a"}
    row = await tdb[OUTBOX].find_one({"_id": event_id})
    assert row is not None and row["event"]["data"] == {"id": "a"}
    assert row["routing_key"] == f"{tdb.tenant.id}.svc.thing.created"
    assert woken == [tdb.tenant]  # the relay hears of the commit, once


async def test_an_exception_aborts_the_run_with_its_events(mongo: Mongo, tdb: TenantDb) -> None:
    woken: list[Tenant] = []
    mongo.on_events_committed = woken.append
    calls: list[int] = []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        uow.emit("svc.thing.created", {"id": "a"})
        raise ValueError("the use case failed after writing")

    with pytest.raises(ValueError, match="after writing"):
        await run_in_transaction(tdb, work)
    assert calls == [1]
    assert await tdb["things"].count_documents({}) == 0
    assert await tdb[OUTBOX].count_documents({}) == 0
    assert woken == []


async def test_a_cancelled_unit_of_work_is_aborted(tdb: TenantDb) -> None:
    inside = asyncio.Event()

    async def work(uow: UnitOfWork) -> None:
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        inside.set()
        await asyncio.sleep(30)

    task = asyncio.create_task(run_in_transaction(tdb, work))
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await tdb["things"].count_documents({}) == 0
    # Nothing of it lingers: the same document can be written at once.
    await run_in_transaction(
        tdb, lambda uow: uow["things"].insert_one({"_id": "a"}, session=uow.session)
    )
    assert await tdb["things"].count_documents({}) == 1


async def test_a_write_conflict_is_run_again_and_both_effects_apply_once(tdb: TenantDb) -> None:
    """Two read-modify-write transactions on one document, both past their read before
    either writes: one loses with a write conflict, runs again on the winner's state."""
    await tdb["counters"].insert_one({"_id": "c", "n": 0, "by": []})
    has_read = {"a": asyncio.Event(), "b": asyncio.Event()}
    calls = {"a": 0, "b": 0}

    def increment(me: str, other: str) -> Any:
        async def work(uow: UnitOfWork) -> int:
            calls[me] += 1
            doc = await uow["counters"].find_one({"_id": "c"}, session=uow.session)
            assert doc is not None
            if calls[me] == 1:  # the first tries overlap; later ones run freely
                has_read[me].set()
                await has_read[other].wait()
            await uow["counters"].update_one(
                {"_id": "c"},
                {"$set": {"n": doc["n"] + 1}, "$push": {"by": me}},
                session=uow.session,
            )
            uow.emit("svc.counter.incremented", {"by": me})
            return int(doc["n"] + 1)

        return work

    results = await asyncio.gather(
        run_in_transaction(tdb, increment("a", "b")), run_in_transaction(tdb, increment("b", "a"))
    )
    assert sorted(results) == [1, 2]
    doc = await tdb["counters"].find_one({"_id": "c"})
    assert doc is not None and doc["n"] == 2 and sorted(doc["by"]) == ["a", "b"]
    assert calls["a"] + calls["b"] >= 3  # the loser ran again
    assert await outbox_types(tdb) == ["svc.counter.incremented"] * 2


async def test_retry_on_exceptions_are_run_again_then_re_raised(tdb: TenantDb) -> None:
    calls: list[int] = []

    async def raced_twice(uow: UnitOfWork) -> str:
        calls.append(1)
        await uow["tries"].insert_one({"try": len(calls)}, session=uow.session)
        if len(calls) < 3:
            raise Raced
        return "third time"

    assert await run_in_transaction(tdb, raced_twice, retry_on=(Raced,)) == "third time"
    assert [d["try"] async for d in tdb["tries"].find({}, {"_id": 0})] == [3]

    calls.clear()

    async def always_raced(uow: UnitOfWork) -> None:
        calls.append(1)
        raise Raced

    with pytest.raises(Raced):
        await run_in_transaction(tdb, always_raced, tries=4, retry_on=(Raced,))
    assert len(calls) == 4


async def test_other_errors_propagate_on_the_first_try(tdb: TenantDb) -> None:
    await tdb["things"].insert_one({"_id": "taken"})
    calls: list[str] = []

    async def refused(uow: UnitOfWork) -> None:
        calls.append("refused")
        raise Conflict("already done")

    with pytest.raises(Conflict):
        await run_in_transaction(tdb, refused, retry_on=(Raced,))
    assert calls == ["refused"]

    async def duplicate(uow: UnitOfWork) -> None:
        calls.append("duplicate")
        await uow["things"].insert_one({"_id": "taken"}, session=uow.session)

    with pytest.raises(DuplicateKeyError):
        await run_in_transaction(tdb, duplicate)  # a duplicate is no race unless one is named
    assert calls == ["refused", "duplicate"]


async def test_a_concurrent_insert_is_decided_again_with_concurrent_insert(tdb: TenantDb) -> None:
    """A seat taken by another request since this one looked: the next try takes the next."""
    await tdb["seats"].insert_one({"_id": "seat-1", "by": "someone else"})
    tried: list[str] = []

    async def take_a_seat(uow: UnitOfWork) -> str:
        # The first try decides on what it saw before the other request committed.
        taken = await uow["seats"].count_documents({}, session=uow.session) if tried else 0
        seat = f"seat-{taken + 1}"
        tried.append(seat)
        await uow["seats"].insert_one({"_id": seat, "by": "me"}, session=uow.session)
        return seat

    with pytest.raises(DuplicateKeyError):
        await run_in_transaction(tdb, take_a_seat)
    tried.clear()
    assert await run_in_transaction(tdb, take_a_seat, retry_on=CONCURRENT_INSERT) == "seat-2"
    assert tried == ["seat-1", "seat-2"]
    assert await tdb["seats"].count_documents({"by": "me"}) == 1


async def test_a_lost_commit_answer_is_committed_again_not_run_again(
    mongo: Mongo, tdb: TenantDb
) -> None:
    calls: list[int] = []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        uow.emit("svc.thing.created", {"id": "a"})

    async with failing_commits(mongo, 2, code=50, label="UnknownTransactionCommitResult"):
        await run_in_transaction(tdb, work)
    assert calls == [1]
    assert await tdb["things"].count_documents({}) == 1
    assert await outbox_types(tdb) == ["svc.thing.created"]


async def test_a_commit_that_stays_unknown_is_raised_without_running_again(
    mongo: Mongo, tdb: TenantDb
) -> None:
    calls: list[int] = []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)

    label = "UnknownTransactionCommitResult"
    async with failing_commits(mongo, COMMIT_TRIES, code=50, label=label):
        with pytest.raises(PyMongoError) as raised:
            await run_in_transaction(tdb, work)
    assert raised.value.has_error_label(label)
    assert calls == [1]


async def test_a_conflict_at_commit_runs_the_work_again(mongo: Mongo, tdb: TenantDb) -> None:
    calls: list[int] = []

    async def work(uow: UnitOfWork) -> None:
        calls.append(1)
        await uow["things"].insert_one({"_id": "a"}, session=uow.session)
        uow.emit("svc.thing.created", {"id": "a"})

    async with failing_commits(mongo, 1, code=112, label="TransientTransactionError"):
        await tdb.transaction(work)
    assert calls == [1, 1]
    assert await tdb["things"].count_documents({}) == 1
    assert await outbox_types(tdb) == ["svc.thing.created"]


async def test_a_stamp_survives_the_round_trip_through_the_database(tdb: TenantDb) -> None:
    stamp = now_ms()
    await tdb["things"].insert_one({"_id": "a", "at": stamp})
    stored = await tdb["things"].find_one({"_id": "a"})
    assert stored is not None and stored["at"] == stamp
    assert await tdb["things"].count_documents({"at": stamp}) == 1
