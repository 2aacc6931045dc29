"""Benchmark 6: outbox commit-to-publish latency, API and worker in separate processes.

As in Kubernetes: the API side runs no relay (`XBT_RUN_WORKERS=false`) and a worker process
does (`python -m tests.bench.relay_worker`: `create_worker_app`, as a worker pod, polling its
outbox every 2 s). The API side is this process, a `Runtime` as an API pod holds it: it
commits units of work (one document and one event, round-robin over a few districts) at a
modest steady rate, notes when each commit returned, and reads the events back from a queue
of its own on the bench's exchange; latency = the event's arrival - its commit's return.

Measured twice: nudged (after each commit the API side nudges the worker's relay through
Redis, xbt_shared.nudge), then poll only (the nudge switched off in this process, as before
the nudge existed), which is what the nudge saves. A bounded number of commits each, so the
whole measurement takes well under half a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika

from tests.bench.cpu import CpuMeter
from tests.bench.load import LoadResult
from tests.bench.relay_worker import SERVICE
from xbt_shared.mongo import ensure_event_indexes
from xbt_shared.nudge import nudge_channel
from xbt_shared.outbox import POLL_SECONDS
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import as_environment, free_port, wait_for_port

EVENT_TYPE = f"{SERVICE}.thing.created"
TENANTS = tuple(Tenant(t) for t in ("heping", "hexi", "nankai", "binhai"))
WARMUP_COMMITS = 20
WORKER = "relay-worker"
WORKER_READY_TIMEOUT = 60.0
# After the last commit, how long the events may take to come in (the poll-only run's
# slowest wait is one poll interval).
NUDGED_DRAIN_SECONDS = 5.0
POLL_ONLY_DRAIN_SECONDS = 2 * POLL_SECONDS + 3.0


@dataclass(frozen=True, slots=True)
class RelaySpec:
    commits: int  # nudged
    rate: float  # commits per second
    poll_only_commits: int

    @property
    def seconds(self) -> float:
        return (self.commits + self.poll_only_commits) / self.rate


@dataclass(frozen=True, slots=True)
class RelayFigures:
    nudged: LoadResult
    poll_only: LoadResult


class Tap:
    """A queue of the bench's own bound to the bench event in every tenant; notes when each
    event arrived, by id (a redelivered one keeps its first arrival)."""

    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.arrived: dict[str, float] = {}
        self._missing: set[str] = set()
        self._all_in = asyncio.Event()
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None

    async def open(self) -> None:
        self.connection = await aio_pika.connect_robust(self.env["amqp_url"])
        channel = await self.connection.channel()
        exchange = await channel.declare_exchange(
            self.env["events_exchange"], aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(
            f"{self.env['queue_prefix']}bench.relay-tap", exclusive=True
        )
        await queue.bind(exchange, routing_key=f"*.{EVENT_TYPE}")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            event_id = json.loads(message.body)["id"]
            self.arrived.setdefault(event_id, time.perf_counter())
            self._missing.discard(event_id)
            if not self._missing:
                self._all_in.set()

        await queue.consume(on_message, no_ack=True)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()

    async def wait_for(self, ids: set[str], timeout: float) -> None:
        """Until every one of `ids` arrived, or `timeout` seconds."""
        self._missing = ids - self.arrived.keys()
        if not self._missing:
            return
        self._all_in.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._all_in.wait(), timeout)


async def measure(
    env: dict[str, Any],
    logs: Path,
    spec: RelaySpec,
    *,
    pids: dict[str, int],
    settle: Callable[[], Awaitable[object]],
) -> RelayFigures:
    """Start the worker, measure nudged then poll only, stop the worker."""
    port = free_port()
    worker = _start_worker(env, logs, port)
    api = Runtime(CommonSettings(**{**env, "run_workers": False}), service=SERVICE)
    tap = Tap(env)
    try:
        for tenant in TENANTS:
            await ensure_event_indexes(api.mongo.for_tenant(tenant))
        await asyncio.to_thread(wait_for_port, port, timeout=WORKER_READY_TIMEOUT)
        await api.start()
        await _wait_listening(api, worker, logs)
        await tap.open()
        meter = CpuMeter({**pids, WORKER: worker.pid})
        await _run(api, tap, "outbox warm-up", WARMUP_COMMITS, spec.rate, None, 5.0)
        await settle()
        nudged = await _run(
            api,
            tap,
            "outbox commit → publish, nudged",
            spec.commits,
            spec.rate,
            meter,
            NUDGED_DRAIN_SECONDS,
        )
        api.mongo.on_events_committed = None  # as before the nudge: the worker's poll finds them
        await settle()
        poll_only = await _run(
            api,
            tap,
            "outbox commit → publish, poll only",
            spec.poll_only_commits,
            spec.rate,
            meter,
            POLL_ONLY_DRAIN_SECONDS,
        )
        return RelayFigures(nudged, poll_only)
    finally:
        await tap.close()
        await api.stop()
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()


async def _run(
    api: Runtime,
    tap: Tap,
    name: str,
    commits: int,
    rate: float,
    meter: CpuMeter | None,
    drain: float,
) -> LoadResult:
    """`commits` units of work at `rate` per second (on a schedule: a slow commit does not
    push the next ones back), then wait for their events."""
    committed: dict[str, float] = {}
    start_cpu = meter.snapshot() if meter is not None else None
    begin = time.perf_counter()
    for n in range(commits):
        await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        async with api.mongo.for_tenant(TENANTS[n % len(TENANTS)]).unit_of_work() as uow:
            await uow["things"].insert_one({"n": n}, session=uow.session)
            event = uow.emit(EVENT_TYPE, {"n": n})
        committed[event.id] = time.perf_counter()
    await tap.wait_for(set(committed), drain)
    result = LoadResult(name, concurrency=1, duration=commits / rate, expect=0)
    for event_id, at in committed.items():
        arrived = tap.arrived.get(event_id)
        if arrived is None:
            result.errors["not published"] += 1
        else:
            result.ok += 1
            result.latencies.append(arrived - at)
    if meter is not None and start_cpu is not None:
        result.cpu = meter.usage(start_cpu, meter.snapshot())
    return result


def _start_worker(env: dict[str, Any], logs: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        **as_environment(env),
        "XBT_LOG_JSON": "true",
        "XBT_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    argv = [sys.executable, "-m", "tests.bench.relay_worker", "--port", str(port)]
    with (logs / f"{WORKER}.log").open("wb") as log:
        return subprocess.Popen(
            argv, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


async def _wait_listening(api: Runtime, worker: subprocess.Popen[bytes], logs: Path) -> None:
    """Until the worker's relay listens for nudges (its port answers before that)."""
    channel = nudge_channel(api.redis_prefix, SERVICE)
    deadline = time.perf_counter() + WORKER_READY_TIMEOUT
    while time.perf_counter() < deadline:
        if worker.poll() is not None:
            tail = (logs / f"{WORKER}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{WORKER} exited early:\n{tail}")
        if dict(await api.redis.pubsub_numsub(channel)).get(channel, 0):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{WORKER} does not listen on {channel}")
