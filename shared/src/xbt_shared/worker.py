"""Worker processes: the outbox relay and the event consumers, without the public API.

In Kubernetes, API pods run with XBT_RUN_WORKERS=false and a worker Deployment runs this,
so consumers scale on queue depth and APIs on load. After a commit, an API pod nudges the
workers' relays through Redis (xbt_shared.nudge), so events still go out at once; the relay's
poll is the fallback. The worker still answers `/livez`,
`/readyz` and `/metrics` on its port for probes and scraping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from xbt_shared.app import build_service_app
from xbt_shared.bus import Handler
from xbt_shared.periodic import Periodic, running
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings


def create_worker_app(
    settings: CommonSettings,
    *,
    service: str,
    subscriptions: dict[str, Handler] | Callable[[Runtime], dict[str, Handler]],
    prepare: Callable[[Runtime], Awaitable[None]] | None = None,
    loops: Callable[[Runtime], Sequence[Periodic]] | None = None,
) -> FastAPI:
    """`loops`: the service's own background jobs (clean-ups), run beside the consumers."""
    settings = settings.model_copy(update={"run_workers": True})
    runtime = Runtime(settings, service=service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if prepare is not None:
            await prepare(runtime)
        handlers = subscriptions(runtime) if callable(subscriptions) else subscriptions
        await runtime.start(subscriptions=handlers)
        try:
            async with running(loops(runtime) if loops is not None else ()):
                yield
        finally:
            await runtime.stop()

    return build_service_app(
        runtime, service=f"{service}-worker", title=f"{service} worker", lifespan=lifespan
    )


def serve(app: FastAPI, *, port: int = 8080, host: str = "0.0.0.0") -> None:
    uvicorn.run(app, host=host, port=port, access_log=False)
