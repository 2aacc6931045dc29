"""CORS at the edge: the configured origins get Starlette's CORS answers; any other origin
gets none.

Starlette's `CORSMiddleware` alone answers a preflight from an origin it refuses with a
plain-text 400 that still carries the allow-methods and allow-headers lists, and adds its
expose list to every answer. Here a request from another origin passes untouched (the
browser then refuses to hand the answer to the page), and its preflight is a 403 problem
with no `Access-Control-*` header. No origin is configured by default, and then every
preflight is that 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from xbt_gateway.problems import send_problem
from xbt_shared.errors import Forbidden

ALLOW_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ALLOW_HEADERS = [
    "Authorization",
    "Content-Type",
    "Accept",
    "Accept-Language",
    "Idempotency-Key",
    "If-None-Match",
    "If-Match",
    "X-Request-Id",
    "X-Xbt-Tenant",
    "traceparent",
]
EXPOSE_HEADERS = ["X-Request-Id", "Retry-After", "ETag", "Location", "Content-Disposition"]
# Browsers cache a preflight this long (Chromium caps it at 2 hours).
MAX_AGE_SECONDS = 600


class CorsOriginRefused(Forbidden):
    status, slug, title = 403, "cors-origin-refused", "CORS origin refused"


class EdgeCors:
    def __init__(self, app: ASGIApp, *, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(origins)
        # Bearer tokens, never cookies: no credentials mode.
        self.cors = CORSMiddleware(
            app,
            allow_origins=sorted(self.origins),
            allow_methods=ALLOW_METHODS,
            allow_headers=ALLOW_HEADERS,
            expose_headers=EXPOSE_HEADERS,
            allow_credentials=False,
            max_age=MAX_AGE_SECONDS,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin: bytes | None = None
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight = True
        if origin is None:
            await self.app(scope, receive, send)
        elif origin.decode("latin-1") in self.origins:
            await self.cors(scope, receive, send)
        elif preflight and scope["method"] == "OPTIONS":
            await send_problem(
                send,
                CorsOriginRefused("此来源的网页不能跨域调用本平台的接口"),
                instance=scope["path"],
                request_headers=scope["headers"],
            )
        else:
            await self.app(scope, receive, send)
