"""Events leave identity through the outbox and reach the bus."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import httpx

from .conftest import Suite, bearer, login


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
        seen: list[dict[str, object]] = []
        deadline = asyncio.get_running_loop().time() + 15
        while asyncio.get_running_loop().time() < deadline:
            message = await queue.get(fail=False)
            if message is None:
                await asyncio.sleep(0.05)
                continue
            await message.ack()
            event = json.loads(message.body)
            if event["data"]["user_id"] == user_id:
                seen.append(event)
                break
        assert seen, "identity.user.registered did not arrive"
        event = seen[0]
        assert event["specversion"] == "1.0"
        assert event["type"] == "identity.user.registered"
        assert event["tenant"] == "heping"
        assert event["data"]["username"] == username
        assert event["data"]["via"] == "admin"
        assert event["traceparent"]
