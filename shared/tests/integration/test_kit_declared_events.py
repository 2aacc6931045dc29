"""A unit of work refuses an event its service does not declare in `events.PUBLISHES`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest

from xbt_shared.events import Event
from xbt_shared.mongo import OUTBOX, Mongo, UndeclaredEvent
from xbt_shared.tenancy import Tenant


class ThingMade(Event):
    TYPE: ClassVar[str] = "svc.thing.made"
    EXAMPLE: ClassVar[dict[str, Any]] = {"thing_id": "t-1"}
    thing_id: str


class ThingLost(Event):
    TYPE: ClassVar[str] = "svc.thing.lost"
    EXAMPLE: ClassVar[dict[str, Any]] = {"thing_id": "t-1"}
    thing_id: str


@pytest.fixture
async def mongo(isolated_env: dict[str, Any]) -> AsyncIterator[Mongo]:
    m = Mongo(isolated_env["mongodb_uri"], service="svc", db_prefix=isolated_env["db_prefix"])
    m.declared_events = frozenset({ThingMade.TYPE})
    yield m
    await m.close()


async def test_declared_event_is_written_undeclared_one_refused(
    mongo: Mongo, tenant: Tenant
) -> None:
    tdb = mongo.for_tenant(tenant)
    async with tdb.unit_of_work() as uow:
        uow.record(ThingMade(thing_id="t-1"), subject="t-1")
    with pytest.raises(UndeclaredEvent, match=r"svc\.thing\.lost"):
        async with tdb.unit_of_work() as uow:
            await uow["things"].insert_one({"_id": "t-2"}, session=uow.session)
            uow.record(ThingLost(thing_id="t-2"))
    rows = [row["event"]["type"] async for row in tdb[OUTBOX].find({})]
    assert rows == [ThingMade.TYPE]
    assert await tdb["things"].find_one({"_id": "t-2"}) is None
