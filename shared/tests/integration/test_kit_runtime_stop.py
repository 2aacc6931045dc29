"""A runtime's nudge listener stops when told, at whatever moment it is told.

Its Redis client may swallow the cancellation that `stop` sends (the task then carries on
listening, and `stop`, awaiting it, never returns: a worker's shutdown hangs). Most often
while it connects and subscribes, so the listeners here are stopped within their first
moments (a process stopped right after it started), each at another point.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from xbt_shared.nudge import NudgeListener, nudge_channel

STOPS = 60
PROMPTLY = 1.0  # seconds


async def test_a_nudge_listener_stops_promptly_whenever_it_is_stopped(
    isolated_env: dict[str, Any],
) -> None:
    channel = nudge_channel(isolated_env["redis_prefix"], "svc")
    hung = 0
    for _ in range(STOPS):
        # A short heartbeat: many reads and pings in the little time each listener lives.
        listener = NudgeListener(
            isolated_env["redis_url"], channel, lambda tenant: None, heartbeat=0.05
        )
        listener.start()
        task = listener._task  # to clean up after a listener that would not stop
        assert task is not None
        await asyncio.sleep(random.uniform(0, 0.02))
        stopping = asyncio.create_task(listener.stop())
        await asyncio.wait({stopping}, timeout=PROMPTLY)
        if not stopping.done():
            hung += 1
            # Leave nothing running for the tests after this one.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.1)
            with contextlib.suppress(asyncio.CancelledError):
                await stopping
    assert hung == 0, f"{hung} of {STOPS} listeners went on listening after stop()"
