"""The background loop shape: wake-ups, immediate re-runs, failures retried."""

from __future__ import annotations

import asyncio

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
