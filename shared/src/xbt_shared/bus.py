"""The event bus on RabbitMQ (aio-pika).

Topic exchange `xbt.events`, routing key `<tenant>.<type>`, persistent messages published
with confirms over a robust (self-reconnecting) connection. Each consuming service owns a
durable queue, a retry queue that hands messages back after a delay, and a dead-letter queue
for messages that kept failing. Messages are acked only after the handler returned.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustExchange,
)
from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import Counter

from xbt_shared.context import request_id_var, tenant_var
from xbt_shared.envelope import CloudEvent
from xbt_shared.observability import extract_trace_context

log = logging.getLogger("xbt.bus")
tracer = trace.get_tracer("xbt.bus")

EVENTS_PUBLISHED = Counter("xbt_events_published_total", "Events published", ["type"])
EVENTS_CONSUMED = Counter(
    "xbt_events_consumed_total", "Events handled by consumers", ["queue", "type", "outcome"]
)

Handler = Callable[[CloudEvent], Awaitable[None]]
RETRY_HEADER = "x-xbt-retries"


class EventBus:
    def __init__(
        self,
        url: str,
        *,
        exchange: str = "xbt.events",
        queue_prefix: str = "",
        max_retries: int = 5,
        retry_delay_ms: int = 2000,
        prefetch: int = 50,
        reconnect_interval: float = 1.0,
        queue_type: str = "classic",
    ) -> None:
        self.url = url
        self.exchange_name = exchange
        self.queue_prefix = queue_prefix
        self.max_retries = max_retries
        self.retry_delay_ms = retry_delay_ms
        self.prefetch = prefetch
        self.reconnect_interval = reconnect_interval
        # "quorum" on a RabbitMQ cluster (replicated, durable); "classic" on one local node.
        self.queue_type = queue_type
        self.connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None
        self._consumer_channels: list[AbstractRobustChannel] = []

    async def connect(self) -> None:
        self.connection = await aio_pika.connect_robust(
            self.url, timeout=10, reconnect_interval=self.reconnect_interval
        )
        self._publish_channel = await self.connection.channel(publisher_confirms=True)
        assert self._publish_channel is not None
        self._exchange = await self._publish_channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )

    @property
    def is_connected(self) -> bool:
        return self.connection is not None and not self.connection.is_closed

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = None

    async def publish(self, event: CloudEvent | dict[str, Any], *, timeout: float = 10.0) -> None:
        """Publish one event and wait for the broker's confirm (raises if not confirmed)."""
        if self._exchange is None:
            raise RuntimeError("event bus is not connected")
        body = event.model_dump(mode="json") if isinstance(event, CloudEvent) else event
        routing_key = f"{body['tenant']}.{body['type']}"
        headers: dict[str, Any] = {}
        if body.get("traceparent"):
            headers["traceparent"] = body["traceparent"]
        message = aio_pika.Message(
            json.dumps(body, ensure_ascii=False).encode(),
            content_type="application/cloudevents+json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=body["id"],
            type=body["type"],
            headers=headers,
        )
        await self._exchange.publish(message, routing_key=routing_key, timeout=timeout)
        EVENTS_PUBLISHED.labels(body["type"]).inc()

    def queue_name(self, consumer: str) -> str:
        return f"{self.queue_prefix}{consumer}"

    async def subscribe(
        self,
        consumer: str,
        handlers: dict[str, Handler],
        *,
        tenants: Iterable[str] = ("*",),
    ) -> None:
        """Bind `consumer`'s queue to the event types in `handlers` and start consuming."""
        assert self.connection is not None, "connect() first"
        channel: AbstractRobustChannel = await self.connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        self._consumer_channels.append(channel)
        queue = await self._declare(channel, consumer, handlers, tenants)
        name = queue.name

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._handle(channel, name, message, handlers)

        await queue.consume(on_message)

    async def declare(
        self, consumer: str, event_types: Iterable[str], *, tenants: Iterable[str] = ("*",)
    ) -> None:
        """Declare `consumer`'s queues and bind them to `event_types`, without consuming:
        from then on its events wait in its queue, even before the consumer first runs
        (a topic exchange drops what no queue is bound to)."""
        assert self.connection is not None, "connect() first"
        channel: AbstractRobustChannel = await self.connection.channel()
        try:
            await self._declare(channel, consumer, list(event_types), tenants)
        finally:
            await channel.close()

    async def _declare(
        self,
        channel: AbstractRobustChannel,
        consumer: str,
        event_types: Iterable[str],
        tenants: Iterable[str],
    ) -> AbstractQueue:
        exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        name = self.queue_name(consumer)
        typed = {"x-queue-type": self.queue_type}
        queue = await channel.declare_queue(name, durable=True, arguments=typed)
        # Failed messages wait here, then expire back into the main queue.
        await channel.declare_queue(
            f"{name}.retry",
            durable=True,
            arguments={
                **typed,
                "x-message-ttl": self.retry_delay_ms,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": name,
            },
        )
        await channel.declare_queue(f"{name}.dlq", durable=True, arguments=typed)
        for tenant in tenants:
            for event_type in event_types:
                await queue.bind(exchange, routing_key=f"{tenant}.{event_type}")
        return queue

    async def _handle(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        message: AbstractIncomingMessage,
        handlers: dict[str, Handler],
    ) -> None:
        try:
            event = CloudEvent.model_validate_json(message.body)
        except ValueError:
            log.error("unparseable message on %s; dead-lettered", queue)
            await self._to_queue(channel, f"{queue}.dlq", message, retries=0)
            await message.ack()
            EVENTS_CONSUMED.labels(queue, "unknown", "invalid").inc()
            return
        handler = handlers.get(event.type)
        if handler is None:
            await message.ack()
            return
        token = otel_context.attach(extract_trace_context(dict(message.headers or {})))
        tenant_token = tenant_var.set(event.tenant)
        rid_token = request_id_var.set(event.requestid)
        try:
            with tracer.start_as_current_span(
                f"consume {event.type}", kind=trace.SpanKind.CONSUMER
            ) as span:
                span.set_attribute("xbt.tenant", event.tenant)
                span.set_attribute("messaging.message.id", event.id)
                await handler(event)
            await message.ack()
            EVENTS_CONSUMED.labels(queue, event.type, "ok").inc()
        except Exception:
            retries = _retries(message)
            if retries + 1 >= self.max_retries:
                log.exception(
                    "event %s failed %d times; dead-lettered",
                    event.id,
                    retries + 1,
                    extra={"event_id": event.id, "event_type": event.type},
                )
                await self._to_queue(channel, f"{queue}.dlq", message, retries=retries + 1)
                EVENTS_CONSUMED.labels(queue, event.type, "dead").inc()
            else:
                log.warning(
                    "event %s failed; retry %d scheduled",
                    event.id,
                    retries + 1,
                    exc_info=True,
                    extra={"event_id": event.id, "event_type": event.type},
                )
                await self._to_queue(channel, f"{queue}.retry", message, retries=retries + 1)
                EVENTS_CONSUMED.labels(queue, event.type, "retry").inc()
            # Acked after the copy is safely queued: a crash in between redelivers the
            # original, which the handler's inbox makes harmless.
            await message.ack()
        finally:
            tenant_var.reset(tenant_token)
            request_id_var.reset(rid_token)
            otel_context.detach(token)

    async def _to_queue(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        message: AbstractIncomingMessage,
        *,
        retries: int,
    ) -> None:
        headers = dict(message.headers or {})
        headers[RETRY_HEADER] = retries
        await channel.default_exchange.publish(
            aio_pika.Message(
                message.body,
                content_type=message.content_type,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message.message_id,
                type=message.type,
                headers=headers,
            ),
            routing_key=queue,
        )


async def wait_connected(bus: EventBus, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not bus.is_connected:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("event bus did not connect")
        await asyncio.sleep(0.05)


def _retries(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(RETRY_HEADER, 0)
    return value if isinstance(value, int) else 0
