"""A worker process: its consumers and its own background jobs start and stop with it."""

from __future__ import annotations

import asyncio
from typing import Any

from xbt_shared.periodic import Periodic
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.testing import eventually
from xbt_shared.worker import create_worker_app


async def test_a_workers_loops_run_while_it_runs(isolated_env: dict[str, Any]) -> None:
    runs: list[str] = []
    seen: list[Runtime] = []

    def loops(runtime: Runtime) -> list[Periodic]:
        seen.append(runtime)

        async def step() -> bool:
            runs.append(runtime.service)
            return False

        return [Periodic("test-job", step, interval=0.05)]

    app = create_worker_app(
        CommonSettings(**isolated_env), service="svc", subscriptions={}, loops=loops
    )
    async with app.router.lifespan_context(app):
        await eventually(lambda: len(runs) >= 2)
    stopped_at = len(runs)
    await asyncio.sleep(0.2)
    assert len(runs) == stopped_at  # stopped with the worker
    assert runs[0] == "svc" and len(seen) == 1
