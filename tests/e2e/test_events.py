"""Events leave identity through the outbox and reach the bus."""

from __future__ import annotations

import uuid

import aio_pika
import httpx

from ..conftest import Suite, bearer, first_event, login


async def test_user_registered_event_reaches_the_bus(gw: httpx.AsyncClient, suite: Suite) -> None:
    conn = await aio_pika.connect(suite.env["amqp_url"])
    async with conn:
        channel = await conn.channel()
        exchange = await channel.declare_exchange(
            suite.env["events_exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="heping.identity.user.registered")
        admin = await login(gw, "heping", "schooladmin1")
        username = f"evt{uuid.uuid4().hex[:8]}"
        created = await gw.post(
            "/api/identity/v1/users",
            headers=bearer(admin),
            json={"username": username, "name": "事件测试", "roles": ["student"]},
        )
        assert created.status_code == 201, created.text
        user_id = created.json()["user"]["id"]
        event = await first_event(
            queue,
            "identity.user.registered",
            lambda event: event["data"]["user_id"] == user_id,
        )
        assert event["specversion"] == "1.0"
        assert event["type"] == "identity.user.registered"
        assert event["tenant"] == "heping"
        assert event["data"]["username"] == username
        assert event["data"]["via"] == "admin"
        assert event["traceparent"]
