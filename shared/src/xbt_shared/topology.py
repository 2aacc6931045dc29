"""Declare the consuming services' queues and bindings before any service publishes:
`python -m xbt_shared.topology catalog=xbt_catalog.events tasks=xbt_tasks.events ...`.

A topic exchange drops an event that no queue is bound to. Each service binds its queue when
it starts, so events published before that are lost to it: the demo data's tasks, relayed by
the tasks service a second before the catalog subscribed, never reached the catalog's
answer-key lock. `make run` (deploy/local/run.py) runs this after seeding and before starting
any service. Each argument names a consumer (the service, as its runtime names its queue)
and the module whose `subscriptions()` lists the event types it handles; the module is
imported by name, so shared code depends on no service.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterable, Mapping

from xbt_shared.bus import EventBus
from xbt_shared.settings import CommonSettings


async def declare_consumers(
    settings: CommonSettings, consumers: Mapping[str, Iterable[str]]
) -> None:
    """Declare each consumer's queues, bound to its event types, on the settings' broker."""
    bus = EventBus(
        settings.amqp_url,
        exchange=settings.events_exchange,
        queue_prefix=settings.queue_prefix,
        queue_type=settings.queue_type,
    )
    await bus.connect()
    try:
        for consumer, event_types in consumers.items():
            await bus.declare(consumer, event_types)
    finally:
        await bus.close()


def consumers_of(arguments: Iterable[str]) -> dict[str, list[str]]:
    """`["catalog=xbt_catalog.events", ...]` → `{"catalog": [event types], ...}`."""
    consumers: dict[str, list[str]] = {}
    for argument in arguments:
        consumer, sep, module = argument.partition("=")
        if not (sep and consumer and module):
            raise SystemExit(f"expected <consumer>=<events module>, got {argument!r}")
        types = sorted(importlib.import_module(module).subscriptions())
        if types:
            consumers[consumer] = types
    return consumers


def main(argv: list[str]) -> None:
    asyncio.run(declare_consumers(CommonSettings(), consumers_of(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
