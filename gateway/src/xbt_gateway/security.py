"""Security headers on every response, as one pure ASGI middleware.

It also drops a client's `X-Request-Id` that is not a plain token (at most 128 characters
of `A-Z a-z 0-9 . _ -`), so that ids from the outside cannot forge log lines or bloat
them; the request then gets a fresh id from the kit's request-context middleware.

A header the response already carries is kept (a service's own CSP for its HTML page,
the docs page's CSP). Otherwise:

- API answers get a CSP that allows nothing (`default-src 'none'`): JSON needs no scripts.
- HTML from a service without its own CSP gets only the directives that cannot break a
  page (no framing, no <base>, no plugins); the service knows which sources its page needs.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
HTML_FALLBACK_CSP = b"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_max_age: int | None = None) -> None:
        self.app = app
        self.always: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if hsts_max_age is not None:
            hsts = f"max-age={hsts_max_age}; includeSubDomains".encode()
            self.always.append((b"strict-transport-security", hsts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"x-request-id" and not REQUEST_ID.fullmatch(value):
                scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"x-request-id"]
                break

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                for name, value in self.always:
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    html = any(
                        name.lower() == b"content-type" and value.startswith(b"text/html")
                        for name, value in headers
                    )
                    headers.append(
                        (b"content-security-policy", HTML_FALLBACK_CSP if html else API_CSP)
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
