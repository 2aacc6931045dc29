"""An API process without a relay nudges the worker's relay through Redis after a commit.

The worker-side relays here poll every 30 s, so an event out within a few seconds was sent
because the nudge woke the relay: a functional check of the wake-up, not a timing one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from xbt_shared.mongo import Mongo
from xbt_shared.nudge import RelayNudge, nudge_channel
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import eventually, free_port, wait_for_port

from .conftest import Recorder

SERVICE = "svc"
ONLY_A_NUDGE_EXPLAINS = 5.0  # seconds; the relays' poll is 30 s
HEARD = "xbt_outbox_nudges_heard_total"
FAILED = "xbt_outbox_nudge_failures_total"


@asynccontextmanager
async def started(
    env: dict[str, Any], *, run_workers: bool, outbox_poll_seconds: float = 30.0
) -> AsyncIterator[Runtime]:
    """A worker-side runtime is listening, and past its relay's first sweep, when yielded
    (unless its Redis is unreachable)."""
    settings = CommonSettings(**env, run_workers=run_workers)
    runtime = Runtime(settings, service=SERVICE, outbox_poll_seconds=outbox_poll_seconds)
    await runtime.start()
    try:
        if runtime.nudges is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runtime.nudges.subscribed.wait(), 5)
            await asyncio.sleep(0.5)  # the relay's first pass, a sweep of every tenant
        yield runtime
    finally:
        await runtime.stop()


async def commit_event(mongo: Mongo, tenant: Tenant, n: int = 1) -> str:
    async with mongo.for_tenant(tenant).unit_of_work() as uow:
        await uow["things"].insert_one({"_id": f"thing-{n}"}, session=uow.session)
        return uow.emit("svc.thing.created", {"n": n}).id


def counted(metric: str, channel: str) -> float:
    return REGISTRY.get_sample_value(metric, {"channel": channel}) or 0.0


async def test_a_commit_in_an_api_process_wakes_the_workers_relay(
    isolated_env: dict[str, Any], tenant: Tenant, other_tenant: Tenant, recorder: Recorder
) -> None:
    async with (
        started(isolated_env, run_workers=True) as worker,
        started(isolated_env, run_workers=False) as api,
    ):
        assert isinstance(api.mongo.on_events_committed, RelayNudge)
        channel = nudge_channel(isolated_env["redis_prefix"], SERVICE)
        before = counted(HEARD, channel)
        first = await commit_event(api.mongo, tenant, 1)
        await eventually(lambda: recorder.ids == [first], timeout=ONLY_A_NUDGE_EXPLAINS)
        second = await commit_event(api.mongo, other_tenant, 2)
        await eventually(lambda: recorder.ids == [first, second], timeout=ONLY_A_NUDGE_EXPLAINS)
        assert counted(HEARD, channel) - before == 2
        assert await worker.relay.pending() == 0


async def test_a_process_running_its_own_relay_wakes_it_directly(
    isolated_env: dict[str, Any],
) -> None:
    runtime = Runtime(CommonSettings(**isolated_env), service=SERVICE)
    try:
        assert runtime.mongo.on_events_committed == runtime.relay.notify
        assert runtime.nudge is None and runtime.nudges is not None
    finally:
        await runtime.stop()


def test_the_channel_carries_the_redis_prefix() -> None:
    assert nudge_channel("test:abc:", "tasks") == "test:abc:outbox-nudge:tasks"
    assert nudge_channel("", "tasks") != nudge_channel("test:abc:", "tasks")


async def test_a_burst_of_commits_is_one_nudge_per_tenant_per_pause(
    isolated_env: dict[str, Any],
) -> None:
    redis = Redis.from_url(isolated_env["redis_url"], decode_responses=True)
    channel = nudge_channel(isolated_env["redis_prefix"], SERVICE)
    messages: list[str] = []
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)

    async def read() -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is not None:
                messages.append(message["data"])

    reader = asyncio.create_task(read())
    nudge = RelayNudge(redis, channel, spacing=1.0)
    try:
        # A thousand commits in one turn of the loop: one publish per tenant.
        for n in range(1000):
            nudge(Tenant("heping") if n % 2 else Tenant("hexi"))
        await eventually(lambda: sorted(messages) == ["heping", "hexi"])
        # More while the sender pauses after that send: they gather into one more.
        for _ in range(100):
            nudge(Tenant("heping"))
            await asyncio.sleep(0.001)
        await eventually(lambda: len(messages) == 3, timeout=5)
        assert messages[-1] == "heping"
        await asyncio.sleep(1.5)
        assert len(messages) == 3
    finally:
        await nudge.close()
        reader.cancel()
        await pubsub.aclose()
        await redis.aclose()


async def test_without_redis_commits_go_on_and_the_poll_delivers(
    isolated_env: dict[str, Any],
    tenant: Tenant,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    nowhere = {**isolated_env, "redis_url": f"redis://127.0.0.1:{free_port()}/0"}
    channel = nudge_channel(nowhere["redis_prefix"], SERVICE)
    caplog.set_level(logging.WARNING, logger="xbt.outbox.nudge")
    async with (
        started(nowhere, run_workers=True, outbox_poll_seconds=0.2),
        started(nowhere, run_workers=False) as api,
    ):
        assert api.nudge is not None
        api.nudge.retry_after = 0.0  # every commit tries Redis again
        before = counted(FAILED, channel)
        events = []
        for n in range(5):
            events.append(await commit_event(api.mongo, tenant, n))
            await asyncio.sleep(0.05)
        await eventually(lambda: sorted(recorder.ids) == sorted(events))
        assert counted(FAILED, channel) - before >= 5
    failures = [r for r in caplog.records if "outbox nudge on" in r.getMessage()]
    assert len(failures) == 1  # reported once, not once per commit


async def test_a_redis_that_never_answers_holds_nothing_up(isolated_env: dict[str, Any]) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(60)  # reads nothing, answers nothing

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    channel = nudge_channel(isolated_env["redis_prefix"], SERVICE)
    nudge = RelayNudge(redis, channel, timeout=0.2)
    before = counted(FAILED, channel)
    try:
        nudge(Tenant("heping"))  # returns at once; the send gives up after its timeout
        await eventually(lambda: counted(FAILED, channel) - before == 1, timeout=5)
        await asyncio.wait_for(nudge.close(), 1)
    finally:
        server.close()
        await redis.aclose()


def start_redis(port: int) -> subprocess.Popen[bytes]:
    """A Redis server of the test's own, to restart at will (not the machine's)."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return proc


def stop_redis(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)


async def subscribers(redis_url: str, channel: str) -> int:
    redis = Redis.from_url(redis_url)
    try:
        return int(dict(await redis.pubsub_numsub(channel))[channel.encode()])
    finally:
        await redis.aclose()


async def test_the_workers_subscription_survives_a_redis_restart(
    isolated_env: dict[str, Any], tenant: Tenant, recorder: Recorder
) -> None:
    port = free_port()
    own = {**isolated_env, "redis_url": f"redis://127.0.0.1:{port}/0"}
    channel = nudge_channel(own["redis_prefix"], SERVICE)
    server = start_redis(port)
    try:
        worker_side = started(own, run_workers=True)
        async with worker_side, started(own, run_workers=False) as api:
            first = await commit_event(api.mongo, tenant, 1)
            await eventually(lambda: recorder.ids == [first], timeout=ONLY_A_NUDGE_EXPLAINS)
            stop_redis(server)
            server = start_redis(port)
            await eventually(lambda: subscribers(own["redis_url"], channel), timeout=15)
            # The API side's pooled connection went with the old server too: the nudge
            # finds it dropped and sends again on a new one.
            second = await commit_event(api.mongo, tenant, 2)
            await eventually(lambda: recorder.ids == [first, second], timeout=ONLY_A_NUDGE_EXPLAINS)
    finally:
        stop_redis(server)
