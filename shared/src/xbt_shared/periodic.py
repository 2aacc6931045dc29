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
    """`first_after`: wait this long before the first step (a clean-up need not run the
    moment a process starts). `stop()` waits at most `stop_timeout` for the step in flight
    to give up: a shutdown is never held by a slow database call."""

    def __init__(
        self,
        name: str,
        step: Step,
        *,
        interval: float,
        first_after: float = 0.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.first_after = first_after
        self.stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is None:
            return
        task, self._task = self._task, None
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=self.stop_timeout)
        if not done:
            log.warning("%s did not stop within %.0f s; left behind", self.name, self.stop_timeout)
        elif not task.cancelled() and task.exception() is not None:
            log.error("%s ended with an error", self.name, exc_info=task.exception())

    async def _run(self) -> None:
        if self.first_after > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.first_after)
            self._wake.clear()
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
