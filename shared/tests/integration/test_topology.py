"""Queues declared before anyone publishes keep the events published before their consumer
first runs (xbt_shared.topology), on a real RabbitMQ."""

from __future__ import annotations

import asyncio
from typing import Any

from xbt_shared.bus import EventBus
from xbt_shared.envelope import CloudEvent
from xbt_shared.settings import CommonSettings
from xbt_shared.testing import delete_broker_objects
from xbt_shared.topology import declare_consumers

CONSUMER = "svc"


def event(kind: str) -> CloudEvent:
    return CloudEvent.new(source="/xbt/test", type=kind, tenant="heping", data={"n": 1})


async def test_events_published_before_the_consumer_runs_wait_in_its_declared_queue(
    isolated_env: dict[str, Any],
) -> None:
    settings = CommonSettings(**isolated_env)
    await declare_consumers(settings, {CONSUMER: ["demo.page.visited"]})
    publisher = EventBus(settings.amqp_url, exchange=settings.events_exchange)
    await publisher.connect()
    early = event("demo.page.visited")
    unbound = event("demo.page.closed")  # a type the consumer does not take
    await publisher.publish(early)
    await publisher.publish(unbound)
    await publisher.close()

    got: list[str] = []
    consumer = EventBus(
        settings.amqp_url, exchange=settings.events_exchange, queue_prefix=settings.queue_prefix
    )
    await consumer.connect()
    try:

        async def handle(received: CloudEvent) -> None:
            got.append(received.id)

        await consumer.subscribe(
            CONSUMER, {"demo.page.visited": handle, "demo.page.closed": handle}
        )
        for _ in range(100):
            if got:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # anything else that was queued would have arrived too
        assert got == [early.id]
    finally:
        await consumer.close()
        await delete_broker_objects(isolated_env, extra_queues=(CONSUMER,))
