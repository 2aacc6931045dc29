"""Background loops (outbox relay, count flushers, index followers) in one shape.

`Periodic` runs a step in its own task: again at once when the step says there is more to
do, otherwise after `interval` seconds or as soon as `wake()` is called. A failing step is
logged and retried on the next turn; `stop()` cancels the task and waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

log = logging.getLogger("xbt.periodic")

Step = Callable[[], Awaitable[bool]]


class Periodic:
    def __init__(self, name: str, step: Step, *, interval: float) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                more = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; retrying in %.1f s", self.name, self.interval)
                more = False
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                self._wake.clear()


@contextlib.asynccontextmanager
async def running(jobs: Iterable[Periodic]) -> AsyncIterator[None]:
    """Start `jobs` for the duration of the block; stop them (in reverse order) after."""
    started: list[Periodic] = []
    try:
        for job in jobs:
            job.start()
            started.append(job)
        yield
    finally:
        for job in reversed(started):
            await job.stop()
