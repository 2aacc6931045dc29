"""The gateway's own few routes (served by FastAPI): the merged OpenAPI document and its docs
(Swagger UI served from the gateway itself, `docs.py`), and the merged AsyncAPI document of
every event.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from xbt_gateway.docs import DOCS_PATH, STATIC_PREFIX, docs_router
from xbt_gateway.openapi import AsyncApiAggregator
from xbt_gateway.runtime import GatewayRuntime
from xbt_shared.errors import ServiceUnavailable

OPENAPI_PATH = "/api/openapi.json"
ASYNCAPI_PATH = "/api/asyncapi.json"


def build_router(runtime: GatewayRuntime, *, docs_enabled: bool) -> APIRouter:
    router = APIRouter()
    events = AsyncApiAggregator(
        title="学不停 Xuebuting events",
        cache_seconds=runtime.settings.openapi_cache_seconds,
        fetch_timeout=runtime.openapi.fetch_timeout,
    )

    @router.get(ASYNCAPI_PATH, include_in_schema=False)
    async def merged_asyncapi(request: Request) -> Response:
        """Every event of the suite: what each service publishes and consumes."""
        session = runtime.session
        if session is None:
            raise ServiceUnavailable("the gateway is starting")
        body = await events.document(session, runtime.settings.upstreams)
        max_age = int(runtime.settings.openapi_cache_seconds)
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": f"public, max-age={max_age}"},
        )

    @router.get(OPENAPI_PATH, include_in_schema=False)
    async def merged_openapi(request: Request) -> Response:
        session = runtime.session
        if session is None:
            raise ServiceUnavailable("the gateway is starting")
        body = await runtime.openapi.document(session, runtime.settings.upstreams)
        max_age = int(runtime.settings.openapi_cache_seconds)
        return Response(
            body,
            media_type="application/json",
            headers={"Cache-Control": f"public, max-age={max_age}"},
        )

    if docs_enabled:
        router.include_router(docs_router(OPENAPI_PATH, title="学不停 Xuebuting API"))

    return router


OWN_PATHS = frozenset({OPENAPI_PATH, ASYNCAPI_PATH, DOCS_PATH})
# Paths under these are the gateway's own too (the docs' files), never a service's.
OWN_PREFIXES = (STATIC_PREFIX,)
