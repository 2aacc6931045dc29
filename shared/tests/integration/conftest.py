"""Fixtures of the shared kit's integration tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import pytest


class Recorder:
    """A raw queue on the test exchange that remembers every message id it got."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    async def start(self, env: dict[str, Any]) -> aio_pika.abc.AbstractConnection:
        conn = await aio_pika.connect(env["amqp_url"])
        channel = await conn.channel()
        exchange = await channel.declare_exchange(
            env["events_exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key="#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            self.ids.append(json.loads(message.body)["id"])
            await message.ack()

        await queue.consume(on_message)
        return conn


@pytest.fixture
async def recorder(isolated_env: dict[str, Any]) -> AsyncIterator[Recorder]:
    """Every event published on the test's exchange from now on, by id."""
    recorder = Recorder()
    conn = await recorder.start(isolated_env)
    yield recorder
    await conn.close()
