"""Event consumers as a few lines each: `@consumer(Model)` does the rest.

A handler receives the event's body as its model and a unit of work in the event's tenant,
and makes its effect there. The decorator's binding does what every consumer needs: refuse
an event naming no known tenant, validate the body (a malformed event is logged and dropped:
redelivering it cannot fix it), and run the effect through the inbox (`process_once`), so a
redelivered event changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from xbt_shared.bus import Handler
from xbt_shared.envelope import CloudEvent
from xbt_shared.inbox import process_once
from xbt_shared.mongo import Mongo, UnitOfWork
from xbt_shared.tenancy import Tenant, is_tenant

if TYPE_CHECKING:
    from xbt_shared.runtime import Runtime

log = logging.getLogger("xbt.consumers")

M = TypeVar("M", bound=BaseModel)
ConsumerFn = Callable[[UnitOfWork, M, CloudEvent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Consumer(Generic[M]):
    model: type[M]
    handler: ConsumerFn[M]

    @property
    def name(self) -> str:
        return getattr(self.handler, "__name__", repr(self.handler))

    def bind(self, mongo: Mongo) -> Handler:
        """The bus handler for this consumer, writing to `mongo`'s tenant databases."""

        async def handle(event: CloudEvent) -> None:
            if not is_tenant(event.tenant):
                log.error("%s: event %s names no known tenant; dropped", self.name, event.id)
                return
            try:
                data = self.model.model_validate(event.data)
            except ValidationError:
                log.exception("%s: malformed %s event %s; dropped", self.name, event.type, event.id)
                return

            async def effect(uow: UnitOfWork) -> None:
                await self.handler(uow, data, event)

            ran = await process_once(mongo.for_tenant(Tenant(event.tenant)), event, effect)
            if not ran:
                log.info("%s: event %s was processed before; nothing to do", self.name, event.id)

        handle.__name__ = self.name
        return handle

    async def __call__(self, uow: UnitOfWork, data: M, event: CloudEvent) -> None:
        """The handler itself (tests call it with a unit of work of their own)."""
        await self.handler(uow, data, event)


def consumer(model: type[M]) -> Callable[[ConsumerFn[M]], Consumer[M]]:
    def wrap(handler: ConsumerFn[M]) -> Consumer[M]:
        return Consumer(model, handler)

    return wrap


def bind_all(subscriptions: Mapping[str, Consumer[Any]], mongo: Mongo) -> dict[str, Handler]:
    return {event_type: c.bind(mongo) for event_type, c in subscriptions.items()}


def subscriptions_for(
    get: Callable[[], Mapping[str, Consumer[Any]]],
) -> Callable[[Runtime], dict[str, Handler]]:
    """What `Runtime.start` and `create_worker_app` take: the service's `subscriptions()`,
    bound to that runtime's databases."""

    def bound(runtime: Runtime) -> dict[str, Handler]:
        return bind_all(get(), runtime.mongo)

    return bound
