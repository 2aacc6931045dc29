"""Outbox and inbox against the real Mongo-wire server and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import pytest

from xbt_shared.bus import EventBus
from xbt_shared.envelope import CloudEvent
from xbt_shared.inbox import process_once
from xbt_shared.mongo import (
    EVENT_RECORDS_KEPT,
    INBOX,
    OUTBOX,
    Mongo,
    UnitOfWork,
    ensure_event_indexes,
)
from xbt_shared.outbox import OutboxRelay
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import eventually

from .conftest import Recorder


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    m = Mongo(isolated_env["mongodb_uri"], service="svc", db_prefix=isolated_env["db_prefix"])
    yield m
    await m.close()


@pytest.fixture
async def bus(isolated_env: dict[str, Any]) -> AsyncIterator[EventBus]:
    b = EventBus(
        isolated_env["amqp_url"],
        exchange=isolated_env["events_exchange"],
        queue_prefix=isolated_env["queue_prefix"],
        retry_delay_ms=100,
        max_retries=3,
    )
    await b.connect()
    yield b
    await b.close()


async def _write_with_event(mongo: Mongo, tenant: Tenant, n: int) -> CloudEvent:
    async with mongo.for_tenant(tenant).unit_of_work() as uow:
        await uow["things"].insert_one({"_id": f"thing-{n}"}, session=uow.session)
        return uow.emit("svc.thing.created", {"n": n}, subject=f"thing-{n}")


async def test_state_and_event_commit_together(mongo: Mongo, tenant: Tenant) -> None:
    tdb = mongo.for_tenant(tenant)
    with pytest.raises(RuntimeError):
        async with tdb.unit_of_work() as uow:
            await uow["things"].insert_one({"_id": "rolled-back"}, session=uow.session)
            uow.emit("svc.thing.created", {"n": 0})
            raise RuntimeError("the use case failed after writing")
    assert await tdb["things"].count_documents({}) == 0
    assert await tdb[OUTBOX].count_documents({}) == 0
    event = await _write_with_event(mongo, tenant, 1)
    row = await tdb[OUTBOX].find_one({"_id": event.id})
    assert row is not None and row["published_at"] is None
    assert row["routing_key"] == f"{tenant.id}.svc.thing.created"


async def test_published_rows_and_inbox_records_expire_pending_rows_never(
    mongo: Mongo, tenant: Tenant
) -> None:
    tdb = mongo.for_tenant(tenant)
    await ensure_event_indexes(tdb)
    await ensure_event_indexes(tdb)  # every start runs it again
    kept = int(EVENT_RECORDS_KEPT.total_seconds())

    async def ttl_of(collection: str) -> dict[str, int]:
        return {
            next(iter(ix["key"])): ix["expireAfterSeconds"]
            async for ix in await tdb[collection].list_indexes()
            if "expireAfterSeconds" in ix
        }

    # on published_at, which is null (not a date, so never expired) until the row is sent
    assert await ttl_of(OUTBOX) == {"published_at": kept}
    assert await ttl_of(INBOX) == {"processed_at": kept}
    assert kept >= 24 * 3600


async def test_published_exactly_once_when_the_connection_drops(
    mongo: Mongo, bus: EventBus, tenant: Tenant, recorder: Recorder
) -> None:
    event = await _write_with_event(mongo, tenant, 1)
    # The broker connection drops after the commit and before the relay publishes.
    assert bus.connection is not None
    await bus.connection.transport.connection.close(ConnectionResetError("simulated drop"))
    relay = OutboxRelay(mongo, bus, idle_interval=0.1)
    first_pass = await relay.relay_once()
    assert first_pass == 0  # nothing confirmed while the connection is down
    row = await mongo.for_tenant(tenant)[OUTBOX].find_one({"_id": event.id})
    assert row is not None and row["published_at"] is None and row["attempts"] == 1
    relay.start()
    try:
        await eventually(lambda: recorder.ids == [event.id], timeout=20)
        # Keep the relay running a while longer: nothing is published twice.
        await asyncio.sleep(1.0)
    finally:
        await relay.stop()
    assert recorder.ids == [event.id]
    row = await mongo.for_tenant(tenant)[OUTBOX].find_one({"_id": event.id})
    assert row is not None and row["published_at"] is not None
    assert await relay.pending() == 0


async def test_relay_publishes_every_tenant_in_order(
    mongo: Mongo, bus: EventBus, tenant: Tenant, other_tenant: Tenant, recorder: Recorder
) -> None:
    mine = [await _write_with_event(mongo, tenant, n) for n in range(5)]
    theirs = [await _write_with_event(mongo, other_tenant, n) for n in range(3)]
    relay = OutboxRelay(mongo, bus)
    assert await relay.relay_once() == 8
    await eventually(lambda: len(recorder.ids) == 8)
    assert [i for i in recorder.ids if i in {e.id for e in mine}] == [e.id for e in mine]
    assert {e.id for e in theirs} <= set(recorder.ids)
    assert await relay.relay_once() == 0


async def test_a_live_lease_keeps_rows_from_other_relays_until_it_runs_out(
    mongo: Mongo, bus: EventBus, tenant: Tenant, recorder: Recorder
) -> None:
    events = [await _write_with_event(mongo, tenant, n) for n in range(3)]
    outbox = mongo.for_tenant(tenant)[OUTBOX]
    # Another replica claimed the first row and is still inside its lease; it claimed
    # the second one too, but long ago, and died.
    now = datetime.now(UTC)
    await outbox.update_one(
        {"_id": events[0].id},
        {"$set": {"claimed_until": now + timedelta(minutes=5), "claim": "other:live"}},
    )
    await outbox.update_one(
        {"_id": events[1].id},
        {"$set": {"claimed_until": now - timedelta(seconds=1), "claim": "other:dead"}},
    )
    relay = OutboxRelay(mongo, bus)
    assert await relay.relay_once() == 2
    await eventually(lambda: len(recorder.ids) == 2)
    assert sorted(recorder.ids) == sorted([events[1].id, events[2].id])
    assert await relay.relay_once() == 0  # published rows are never taken again
    held = await outbox.find_one({"_id": events[0].id})
    assert held is not None and held["published_at"] is None and held["claim"] == "other:live"
    # the lease runs out: the row is taken and published once
    await outbox.update_one(
        {"_id": events[0].id}, {"$set": {"claimed_until": now - timedelta(seconds=1)}}
    )
    assert await relay.relay_once() == 1
    await eventually(lambda: len(recorder.ids) == 3)
    assert recorder.ids[-1] == events[0].id
    assert await relay.pending() == 0


async def test_rows_another_relay_claims_after_they_were_read_are_left_to_it(
    mongo: Mongo, bus: EventBus, tenant: Tenant, recorder: Recorder
) -> None:
    events = [await _write_with_event(mongo, tenant, n) for n in range(3)]
    tdb = mongo.for_tenant(tenant)
    relay = OutboxRelay(mongo, bus)
    claim = relay._update

    async def another_relay_first(*args: Any, **kwargs: Any) -> int | None:
        """Between this relay's read and its claim, another one claims the first row."""
        relay._update = claim  # type: ignore[method-assign]
        await tdb[OUTBOX].update_one(
            {"_id": events[0].id},
            {"$set": {"claimed_until": datetime.now(UTC) + timedelta(minutes=5), "claim": "x"}},
        )
        return await claim(*args, **kwargs)

    relay._update = another_relay_first  # type: ignore[method-assign]
    assert await relay.relay_tenant(tdb) == 2
    await eventually(lambda: sorted(recorder.ids) == sorted(e.id for e in events[1:]))
    held = await tdb[OUTBOX].find_one({"_id": events[0].id})
    assert held is not None and held["published_at"] is None and held["claim"] == "x"


async def test_a_claim_that_meets_a_commit_in_flight_gives_way_at_once(
    mongo: Mongo, bus: EventBus, tenant: Tenant, recorder: Recorder
) -> None:
    """The relay's claim conflicts with a transaction holding one of its rows: it returns
    at once with nothing claimed (instead of waiting on the server while that transaction's
    own writes queue behind it), and takes the rows on the next pass."""
    events = [await _write_with_event(mongo, tenant, n) for n in range(2)]
    tdb = mongo.for_tenant(tenant)
    relay = OutboxRelay(mongo, bus)
    async with (
        mongo.client.start_session() as session,
        await session.start_transaction(),
    ):
        await tdb[OUTBOX].update_one(
            {"_id": events[0].id}, {"$inc": {"attempts": 0.5}}, session=session
        )
        # (a relay waiting on the server instead would hang here until the server gave
        # up on this transaction, then claim both rows)
        assert await relay.relay_tenant(tdb) == 0
        rows = [r async for r in tdb[OUTBOX].find({"claim": {"$exists": True}})]
        assert rows == []  # nothing half-claimed
        await session.abort_transaction()
    assert await relay.relay_tenant(tdb) == 2
    await eventually(lambda: sorted(recorder.ids) == sorted(e.id for e in events))


async def test_a_commit_wakes_the_relay_for_its_tenant_and_big_batches_go_on(
    mongo: Mongo, bus: EventBus, tenant: Tenant, recorder: Recorder
) -> None:
    # A poll so slow that only the commits' notices can explain prompt publishing, and
    # batches smaller than the burst, so a full batch must be followed by another pass.
    relay = OutboxRelay(mongo, bus, idle_interval=60.0, batch_size=4)
    mongo.on_events_committed = relay.notify
    relay.start()
    try:
        await asyncio.sleep(0.2)  # the first pass (a sweep of every tenant) is done
        events = [await _write_with_event(mongo, tenant, n) for n in range(3)]
        await eventually(lambda: len(recorder.ids) == 3, timeout=10)
        # Ten commits nobody announced, then one notice: 4 + 4 + 2, in three passes.
        mongo.on_events_committed = None
        events += [await _write_with_event(mongo, tenant, n) for n in range(3, 13)]
        await asyncio.sleep(0.3)
        assert len(recorder.ids) == 3
        relay.notify(tenant)
        await eventually(lambda: len(recorder.ids) == 13, timeout=10)
        assert recorder.ids == [e.id for e in events]
        assert await relay.pending() == 0
    finally:
        await relay.stop()
        mongo.on_events_committed = None


async def test_consumer_fed_the_same_event_twice_changes_state_once(
    mongo: Mongo, bus: EventBus, tenant: Tenant
) -> None:
    tdb = mongo.for_tenant(tenant)
    handled = asyncio.Event()
    runs: list[str] = []

    async def count_visit(event: CloudEvent) -> None:
        async def effect(uow: UnitOfWork) -> None:
            await uow["counters"].update_one(
                {"_id": "visits"}, {"$inc": {"n": 1}}, upsert=True, session=uow.session
            )

        ran = await process_once(tdb, event, effect)
        runs.append("ran" if ran else "skipped")
        if len(runs) == 2:
            handled.set()

    await bus.subscribe("svc", {"svc.page.visited": count_visit})
    event = CloudEvent.new(source="/t", type="svc.page.visited", tenant=tenant.id, data={})
    await bus.publish(event)
    await bus.publish(event)  # redelivered: same id
    await asyncio.wait_for(handled.wait(), 10)
    assert runs == ["ran", "skipped"]
    counter = await tdb["counters"].find_one({"_id": "visits"})
    assert counter is not None and counter["n"] == 1


async def test_concurrent_duplicates_apply_once(mongo: Mongo, tenant: Tenant) -> None:
    tdb = mongo.for_tenant(tenant)
    event = CloudEvent.new(source="/t", type="svc.x.done", tenant=tenant.id, data={})

    async def effect(uow: UnitOfWork) -> None:
        await uow["effects"].insert_one({"event": event.id}, session=uow.session)

    results = await asyncio.gather(
        *(process_once(tdb, event, effect) for _ in range(5)), return_exceptions=True
    )
    # Exactly one delivery ran; the rest were skipped or lost a write conflict (and would be
    # redelivered, then skipped).
    assert results.count(True) == 1
    assert await tdb["effects"].count_documents({}) == 1


async def test_failing_handler_is_retried_then_dead_lettered(
    bus: EventBus, tenant: Tenant, isolated_env: dict[str, Any]
) -> None:
    attempts: list[str] = []

    async def always_fails(event: CloudEvent) -> None:
        attempts.append(event.id)
        raise RuntimeError("downstream is broken")

    await bus.subscribe("svc", {"svc.bad.thing": always_fails})
    event = CloudEvent.new(source="/t", type="svc.bad.thing", tenant=tenant.id, data={})
    await bus.publish(event)
    await eventually(lambda: len(attempts) >= 3, timeout=15)
    conn = await aio_pika.connect(isolated_env["amqp_url"])
    async with conn:
        channel = await conn.channel()
        dlq = await channel.declare_queue(
            f"{isolated_env['queue_prefix']}svc.dlq",
            durable=True,
            arguments={"x-queue-type": "classic"},
        )
        message = await eventually(lambda: dlq.get(fail=False), timeout=10)
        assert json.loads(message.body)["id"] == event.id
        assert message.headers["x-xbt-retries"] == 3
        await message.ack()
    await asyncio.sleep(0.5)
    assert len(attempts) == 3  # bounded: no more deliveries after dead-lettering
