"""The app factory pieces every service and the gateway share.

`build_app` returns a FastAPI app with problem+json errors, request ids, tracing, metrics,
`/livez` (the process answers), `/readyz` (its dependencies answer) and `/metrics`.

Once an app's lifespan has started everything, what is alive then (modules, routes, models,
connections, a search index) lives as long as the process. Left to the cyclic garbage
collector, every full collection walks all of it while the event loop waits: in the gateway
under load, a 40-70 ms stall every few seconds, which every request in flight pays (the
p99 of a search through it). `gc.freeze()` moves those objects out of the collector's sight,
so a full collection walks only what was made since.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xbt_shared import asyncapi, openapi
from xbt_shared.consumers import Consumer
from xbt_shared.errors import PROBLEM_JSON, install_problem_handlers
from xbt_shared.events import Event
from xbt_shared.observability import RequestContextMiddleware, setup_observability
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings

ReadinessCheck = Callable[[], Awaitable[dict[str, str]]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def freeze_after_start(lifespan: Lifespan | None) -> Lifespan:
    """`lifespan`, then a collection and `gc.freeze()` before the app serves."""

    @asynccontextmanager
    async def started(app: FastAPI) -> AsyncIterator[Any]:
        if lifespan is None:
            gc.collect()
            gc.freeze()
            yield None
            return
        async with lifespan(app) as state:
            gc.collect()
            gc.freeze()
            yield state

    return started


def build_app(
    settings: CommonSettings,
    *,
    service: str,
    title: str,
    version: str = "1.0.0",
    lifespan: Lifespan | None = None,
    readiness: ReadinessCheck | None = None,
    description: str = "",
    app_class: type[FastAPI] = FastAPI,
    request_context: bool = True,
    metrics_route: bool = True,
    forwarded_prefix: bool = True,
) -> FastAPI:
    """`request_context=False` leaves out the request id/span/metrics middleware, for an
    app (the gateway) that places it itself, outside FastAPI's own middleware.
    `metrics_route=False` leaves out `/metrics`, for an app (the gateway) whose port is
    public and which serves its metrics on a port of their own.
    `forwarded_prefix=False`: a problem's `instance` ignores `X-Forwarded-Prefix`, for an
    app (the gateway) whose paths are public already.

    A route's OpenAPI summary is the first line of its function's docstring, the rest its
    description (`openapi.install`)."""
    setup_observability(
        service,
        level=settings.log_level,
        json_logs=settings.log_json,
        trace_sample_ratio=settings.trace_sample_ratio,
    )
    app = app_class(
        title=title,
        version=version,
        description=description,
        lifespan=freeze_after_start(lifespan),
        docs_url="/docs" if settings.environment != "prod" else None,
        redoc_url=None,
        # Our RequestContextMiddleware opens the server span; FastAPI's own telemetry would
        # add a second one per request and halve the throughput of a cheap route.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app, forwarded_prefix=forwarded_prefix)
    # security, every problem an operation answers, summaries from docstrings
    openapi.install(app)
    # Inside the request context, so metrics and spans still say HEAD.
    app.add_middleware(HeadAsGet)
    if request_context:
        app.add_middleware(RequestContextMiddleware, service=service)

    @app.get("/livez", include_in_schema=False)
    @app.get("/healthz", include_in_schema=False)
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await readiness() if readiness else {}
        ok = all(v == "ok" for v in checks.values())
        if ok:
            return JSONResponse({"status": "ok", "checks": checks})
        return JSONResponse(
            {
                "type": "/problems/not-ready",
                "title": "Not ready",
                "status": 503,
                "checks": checks,
            },
            status_code=503,
            media_type=PROBLEM_JSON,
        )

    if metrics_route:

        @app.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


HEAD_REQUEST = "xbt.head"


class HeadAsGet:
    """HEAD on every GET route (FastAPI's routes answer HEAD with 405): the request is
    served as the GET it mirrors, with GET's status and headers (Content-Type,
    Content-Length, ETag, Cache-Control) and no body. The route sees GET; a route whose
    GET has a side effect (a view counted) asks `is_head` and skips it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_REQUEST: True}, receive, headers_only)


def is_head(request: Request) -> bool:
    """Whether this GET is serving a HEAD (which must change nothing)."""
    return bool(request.scope.get(HEAD_REQUEST))


def build_service_app(
    runtime: Runtime,
    *,
    title: str,
    lifespan: Lifespan,
    routers: Sequence[APIRouter] = (),
    description: str = "",
    service: str | None = None,
    publishes: Iterable[type[Event]] = (),
    consumes: Callable[[], Mapping[str, Consumer[Any]]] | None = None,
) -> FastAPI:
    """`build_app` for a service holding a `Runtime`: readiness from its connections, and
    `app.state.runtime / .verifier / .settings` set where routes and dependencies look.

    `publishes` and `consumes` (the service's `events.PUBLISHES` and `events.subscriptions`)
    are described at `/asyncapi.json`."""
    app = build_app(
        runtime.settings,
        service=service or runtime.service,
        title=title,
        description=description,
        lifespan=lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    app.state.verifier = runtime.verifier
    app.state.settings = runtime.settings
    for router in routers:
        app.include_router(router)
    published = tuple(publishes)
    if published:
        runtime.mongo.declared_events = frozenset(event.TYPE for event in published)
    events_doc: dict[str, Any] | None = None

    @app.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_document() -> JSONResponse:
        nonlocal events_doc
        if events_doc is None:
            consumed = consumes() if consumes is not None else {}
            events_doc = asyncapi.document(
                service or runtime.service,
                publishes=published,
                consumes={event_type: c.model for event_type, c in consumed.items()},
                exchange=runtime.settings.events_exchange,
            )
        return JSONResponse(events_doc)

    return app
