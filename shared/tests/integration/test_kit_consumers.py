"""`@consumer` handlers bound to the real Mongo-wire server (and, once, to RabbitMQ)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from xbt_shared.bus import Handler
from xbt_shared.consumers import Consumer, bind_all, consumer, subscriptions_for
from xbt_shared.envelope import CloudEvent
from xbt_shared.events import Consumed
from xbt_shared.mongo import INBOX, Mongo, UnitOfWork
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import delete_broker_objects, eventually

SERVICE = "svc"


class PageVisited(Consumed):
    """The part of another service's event this consumer reads."""

    TYPE: ClassVar[str] = "web.page.visited"
    page: str


class PageRemoved(Consumed):
    TYPE: ClassVar[str] = "web.page.removed"
    page: str


@dataclass
class Visits:
    """A consumer counting visits per page, and what it was called with."""

    seen: list[tuple[str, str]] = field(default_factory=list)  # (tenant, page)
    fail_next: bool = False

    def consumer(self) -> Consumer[PageVisited]:
        @consumer(PageVisited)
        async def count_visit(uow: UnitOfWork, data: PageVisited, event: CloudEvent) -> None:
            self.seen.append((uow.tenant.id, data.page))
            await uow["visits"].update_one(
                {"_id": data.page}, {"$inc": {"n": 1}}, upsert=True, session=uow.session
            )
            if self.fail_next:
                self.fail_next = False
                raise RuntimeError("the effect failed half-way")

        return count_visit


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    m = Mongo(isolated_env["mongodb_uri"], service=SERVICE, db_prefix=isolated_env["db_prefix"])
    yield m
    await m.close()


def visited(tenant: str, data: dict[str, Any] | None = None) -> CloudEvent:
    body = {"page": "home", "referrer": "search"} if data is None else data
    return CloudEvent.new(source="/xbt/web", type=PageVisited.TYPE, tenant=tenant, data=body)


async def databases(mongo: Mongo) -> list[str]:
    return [n for n in await mongo.client.list_database_names() if n.startswith(mongo.db_prefix)]


async def test_an_event_is_handled_once_however_often_it_arrives(
    mongo: Mongo, tenant: Tenant
) -> None:
    visits = Visits()
    count_visit = visits.consumer()
    handle = count_visit.bind(mongo)
    assert count_visit.name == handle.__name__ == "count_visit"
    assert count_visit.model is PageVisited
    event = visited(tenant.id)
    await handle(event)
    await handle(event)  # redelivered
    await handle(event.model_copy())
    assert visits.seen == [(tenant.id, "home")]
    tdb = mongo.for_tenant(tenant)
    assert await tdb["visits"].find_one({"_id": "home"}) == {"_id": "home", "n": 1}
    assert [r["_id"] async for r in tdb[INBOX].find({})] == [event.id]
    # Another event with the same body is another visit.
    await handle(visited(tenant.id))
    assert await tdb["visits"].find_one({"_id": "home"}) == {"_id": "home", "n": 2}


async def test_an_event_naming_no_known_tenant_is_dropped(mongo: Mongo) -> None:
    visits = Visits()
    handle = visits.consumer().bind(mongo)
    await handle(visited("atlantis"))  # returns: nothing to redeliver
    assert visits.seen == []
    assert await databases(mongo) == []


async def test_a_malformed_event_is_dropped(mongo: Mongo, tenant: Tenant) -> None:
    visits = Visits()
    handle = visits.consumer().bind(mongo)
    malformed = visited(tenant.id, {"path": "home"})
    await handle(malformed)
    await handle(malformed)
    await handle(visited(tenant.id, {"page": ["not", "a", "string"]}))
    assert visits.seen == []
    assert await databases(mongo) == []  # not even an inbox record


async def test_the_effect_happens_in_the_events_tenant_only(
    mongo: Mongo, tenant: Tenant, other_tenant: Tenant
) -> None:
    visits = Visits()
    handle = visits.consumer().bind(mongo)
    event = visited(other_tenant.id)
    await handle(event)
    assert visits.seen == [(other_tenant.id, "home")]
    there, here = mongo.for_tenant(other_tenant), mongo.for_tenant(tenant)
    assert await there["visits"].count_documents({}) == 1
    assert await there[INBOX].count_documents({"_id": event.id}) == 1
    assert await databases(mongo) == [mongo.database_name(other_tenant)]
    assert await here["visits"].count_documents({}) == 0


async def test_a_failed_effect_leaves_nothing_so_the_redelivery_runs_it(
    mongo: Mongo, tenant: Tenant
) -> None:
    visits = Visits(fail_next=True)
    handle = visits.consumer().bind(mongo)
    event = visited(tenant.id)
    with pytest.raises(RuntimeError):  # the bus retries it later
        await handle(event)
    tdb = mongo.for_tenant(tenant)
    assert await tdb[INBOX].count_documents({}) == 0
    assert await tdb["visits"].count_documents({}) == 0
    await handle(event)
    assert len(visits.seen) == 2
    assert await tdb["visits"].find_one({"_id": "home"}) == {"_id": "home", "n": 1}


async def test_a_consumer_can_be_called_with_a_unit_of_work_of_ones_own(
    mongo: Mongo, tenant: Tenant
) -> None:
    visits = Visits()
    count_visit = visits.consumer()
    async with mongo.for_tenant(tenant).unit_of_work() as uow:
        await count_visit(uow, PageVisited(page="about"), visited(tenant.id))
    assert visits.seen == [(tenant.id, "about")]
    assert await mongo.for_tenant(tenant)[INBOX].count_documents({}) == 0


async def test_bind_all_binds_every_subscription(mongo: Mongo, tenant: Tenant) -> None:
    visits, removals = Visits(), Visits()
    subscriptions: Mapping[str, Consumer[Any]] = {
        PageVisited.TYPE: visits.consumer(),
        PageRemoved.TYPE: removals.consumer(),
    }
    handlers = bind_all(subscriptions, mongo)
    assert set(handlers) == {PageVisited.TYPE, PageRemoved.TYPE}
    await handlers[PageVisited.TYPE](visited(tenant.id))
    assert visits.seen == [(tenant.id, "home")] and removals.seen == []


@pytest.fixture
async def runtime(isolated_env: dict[str, Any]) -> AsyncIterator[Runtime]:
    """A runtime whose bus is connected (its relay and nudges are not needed here)."""
    runtime = Runtime(CommonSettings(**isolated_env), service=SERVICE)
    await runtime.bus.connect()
    yield runtime
    await runtime.bus.close()
    await runtime.redis.aclose()
    await runtime.mongo.close()
    await delete_broker_objects(isolated_env, (SERVICE,))


async def test_subscriptions_for_binds_the_services_consumers_to_the_runtimes_databases(
    runtime: Runtime, tenant: Tenant
) -> None:
    visits = Visits()
    asked: list[int] = []

    def subscriptions() -> dict[str, Consumer[Any]]:
        asked.append(1)
        return {PageVisited.TYPE: visits.consumer()}

    bound = subscriptions_for(subscriptions)
    assert asked == []  # nothing is imported or bound until the runtime starts
    handlers = bound(runtime)
    deliveries: list[str] = []

    def counted(handler: Handler) -> Handler:
        async def handle(event: CloudEvent) -> None:
            deliveries.append(event.id)
            await handler(event)

        return handle

    await runtime.bus.subscribe(SERVICE, {t: counted(h) for t, h in handlers.items()})
    event = visited(tenant.id)
    await runtime.bus.publish(event)
    await runtime.bus.publish(event)  # the same event, delivered again
    await eventually(lambda: len(deliveries) == 2)
    await asyncio.sleep(0.1)
    assert visits.seen == [(tenant.id, "home")]
    counter = await runtime.mongo.for_tenant(tenant)["visits"].find_one({"_id": "home"})
    assert counter == {"_id": "home", "n": 1}
