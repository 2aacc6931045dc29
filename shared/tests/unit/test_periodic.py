"""The background loop shape: wake-ups, immediate re-runs, failures retried."""

from __future__ import annotations

import asyncio
import time

from xbt_shared.periodic import Periodic
from xbt_shared.testing import eventually


async def test_runs_again_at_once_while_there_is_more_then_waits() -> None:
    calls: list[int] = []

    async def step() -> bool:
        calls.append(1)
        return len(calls) < 3  # three passes of work, then idle

    loop = Periodic("test", step, interval=60)
    loop.start()
    try:
        await eventually(lambda: len(calls) == 3, timeout=2)
        await asyncio.sleep(0.05)
        assert len(calls) == 3  # idle now: the next pass waits for the interval
        loop.wake()
        await eventually(lambda: len(calls) == 4, timeout=2)  # ...or for a wake-up
    finally:
        await loop.stop()


async def test_a_failing_step_is_retried_on_the_next_turn() -> None:
    calls: list[int] = []

    async def step() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("broker away")
        return False

    loop = Periodic("test", step, interval=0.01)
    loop.start()
    try:
        await eventually(lambda: len(calls) >= 2, timeout=2)
    finally:
        await loop.stop()
    stopped_at = len(calls)
    await asyncio.sleep(0.05)
    assert len(calls) == stopped_at  # stop() really stops it


async def test_the_first_step_waits_for_first_after() -> None:
    runs: list[float] = []

    async def step() -> bool:
        runs.append(time.monotonic())
        return False

    started = time.monotonic()
    loop = Periodic("later", step, interval=10.0, first_after=0.3)
    loop.start()
    await asyncio.sleep(0.15)
    assert runs == []
    await asyncio.sleep(0.4)
    await loop.stop()
    assert len(runs) == 1 and runs[0] - started >= 0.3


async def test_a_step_that_will_not_stop_does_not_hold_the_shutdown() -> None:
    entered = asyncio.Event()

    async def stubborn() -> bool:
        entered.set()
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # a client library swallowing the cancellation

    loop = Periodic("stubborn", stubborn, interval=1.0, stop_timeout=0.2)
    loop.start()
    task = loop._task
    await entered.wait()
    started = time.monotonic()
    await loop.stop()
    assert time.monotonic() - started < 1.0
    assert task is not None and not task.done()  # left behind, as logged
    task.get_coro().close()  # the test's own clean-up of the stubborn coroutine
