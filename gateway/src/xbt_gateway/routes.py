"""The gateway's own few routes (served by FastAPI): the merged OpenAPI document and its docs,
and the merged AsyncAPI document of every event.

The docs page is FastAPI's Swagger UI, which loads its script and stylesheet from the
jsDelivr CDN. That page alone gets a CSP allowing that CDN (and its one inline script, by
hash); every other response keeps the strict default.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from xbt_gateway.openapi import AsyncApiAggregator
from xbt_gateway.runtime import GatewayRuntime
from xbt_shared.errors import ServiceUnavailable

OPENAPI_PATH = "/api/openapi.json"
ASYNCAPI_PATH = "/api/asyncapi.json"
DOCS_PATH = "/api/docs"
CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _docs_page() -> tuple[bytes, str]:
    page = get_swagger_ui_html(
        openapi_url=OPENAPI_PATH,
        title="学不停 Xuebuting API",
        swagger_favicon_url="data:,",
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body)
    digests = (
        base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html.decode())
    )
    hashes = " ".join(f"'sha256-{digest}'" for digest in digests)
    csp = (
        f"default-src 'none'; script-src {CDN} {hashes}; "
        f"style-src {CDN} 'unsafe-inline'; img-src 'self' data: {CDN}; "
        "connect-src 'self'; font-src data:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'none'"
    )
    return html, csp


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
        html, csp = _docs_page()

        @router.get(DOCS_PATH, include_in_schema=False)
        async def docs() -> HTMLResponse:
            return HTMLResponse(html, headers={"Content-Security-Policy": csp})

    return router


OWN_PATHS = frozenset({OPENAPI_PATH, ASYNCAPI_PATH, DOCS_PATH})
