"""The gateway app: `uvicorn xbt_gateway.main:app --port 8000`.

Layers, outermost first: security headers -> CORS -> request id, span and metrics (kit) ->
the proxy (pure ASGI, answers `/api/<service>/...` itself) -> FastAPI, with its own
middleware and router, for the gateway's own routes (`/livez`, `/readyz`,
`/api/openapi.json`, `/api/docs` and its files) and, for every other path, the web portal
(`portal.py`).
The edge layers sit outside FastAPI's middleware stack, so a proxied request pays for none
of it.
Nothing connects at import: the aiohttp session, Redis and the verifier open in the lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.types import ASGIApp

from xbt_gateway.cors import EdgeCors
from xbt_gateway.metrics import MetricsServer
from xbt_gateway.portal import Portal, default_root
from xbt_gateway.proxy import ProxyMiddleware
from xbt_gateway.routes import OWN_PATHS, OWN_PREFIXES, build_router
from xbt_gateway.runtime import GatewayRuntime
from xbt_gateway.security import SecurityHeadersMiddleware
from xbt_gateway.settings import GatewaySettings
from xbt_shared.app import build_app
from xbt_shared.observability import RequestContextMiddleware


class GatewayApp(FastAPI):
    """FastAPI for the gateway's own routes, wrapped in the edge layers (`edge`)."""

    edge: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return self.edge(inner) if self.edge is not None else inner


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    runtime = GatewayRuntime(settings)
    metrics = (
        MetricsServer(settings.metrics_host, settings.metrics_port)
        if settings.metrics_port is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if metrics is not None:
            metrics.start()
        await runtime.start()
        app.state.verifier = runtime.verifier
        try:
            yield
        finally:
            await runtime.stop()
            if metrics is not None:
                metrics.stop()

    app = build_app(
        settings,
        service="gateway",
        title="Xuebuting gateway",
        lifespan=lifespan,
        readiness=runtime.readiness,
        description="The public entry of the suite. The API itself is at /api/docs.",
        app_class=GatewayApp,
        request_context=False,
        # The port is public; Prometheus scrapes `metrics_port` instead.
        metrics_route=False,
        # Its paths are the public ones; a client's X-Forwarded-Prefix means nothing here.
        forwarded_prefix=False,
    )
    assert isinstance(app, GatewayApp)
    app.state.settings = settings
    app.state.runtime = runtime
    app.include_router(build_router(runtime, docs_enabled=settings.docs_enabled))
    # Last: its catch-all answers every other path with the portal's page or file.
    portal_root = Path(settings.portal_dir) if settings.portal_dir else default_root()
    app.include_router(Portal(portal_root).router())

    hsts = settings.hsts_max_age_seconds if settings.tls_terminated_upstream else None

    def edge(inner: ASGIApp) -> ASGIApp:
        handler: ASGIApp = ProxyMiddleware(
            inner, runtime=runtime, own_paths=OWN_PATHS, own_prefixes=OWN_PREFIXES
        )
        handler = RequestContextMiddleware(handler, service="gateway")
        handler = EdgeCors(handler, origins=settings.cors_origins)
        return SecurityHeadersMiddleware(handler, hsts_max_age=hsts)

    app.edge = edge
    return app


app = create_app()
