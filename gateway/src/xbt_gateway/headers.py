"""Which headers pass the gateway, both ways, and what it learns from the client's.

The request's headers are scanned once (`RequestHead`): what the later steps need is kept
in slots, and the list forwarded upstream is built in the same pass.
"""

from __future__ import annotations

import aiohttp

from xbt_gateway.runtime import Upstream
from xbt_shared.cache import EDGE_CACHE_HEADER
from xbt_shared.errors import BadRequest

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request headers not forwarded as the client sent them: hop-by-hop ones, the ones the
# gateway sets itself, and identity headers a client might forge (the services read the
# caller from the token alone; none may ever see a client's claim to be someone).
DROP_REQUEST = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-xbt-user",
    b"x-xbt-roles",
    b"x-xbt-school",
    b"x-request-id",
    b"traceparent",
    b"tracestate",
    b"forwarded",
    b"x-real-ip",
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-prefix",
}
# Response headers not passed back: hop-by-hop ones and those our own server layers set.
DROP_RESPONSE = HOP_BY_HOP | {b"server", b"date", b"x-request-id"}
EDGE_DIRECTIVE = EDGE_CACHE_HEADER.encode()

ResponseHeaders = list[tuple[bytes, bytes]]


class RequestHead:
    """What the steps learn about one request while scanning its headers once, and the
    headers to forward (`headers`)."""

    __slots__ = (
        "authorization",
        "chunked",
        "content_length",
        "content_type",
        "forwarded_for",
        "forwarded_host",
        "forwarded_proto",
        "headers",
        "host",
        "if_none_match",
        "named_tenants",
    )

    def __init__(self, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.authorization: bytes | None = None
        self.chunked = False
        self.content_length: int | None = None
        self.content_type = b""
        self.forwarded_for: str | None = None
        self.forwarded_host: str | None = None
        self.forwarded_proto: str | None = None
        self.host: str | None = None
        self.if_none_match: str | None = None
        self.named_tenants: list[str] = []
        headers: list[tuple[str, str]] = []
        connection_tokens: bytes | None = None
        for name, value in raw_headers:
            if name in DROP_REQUEST:
                if name == b"content-length":
                    try:
                        self.content_length = int(value)
                    except ValueError:
                        raise BadRequest("invalid Content-Length") from None
                elif name == b"transfer-encoding":
                    self.chunked = b"chunked" in value.lower()
                elif name == b"host":
                    self.host = value.decode("latin-1")
                elif name == b"x-forwarded-for":  # several headers are one list
                    hop = value.decode("latin-1")
                    seen: str | None = self.forwarded_for
                    self.forwarded_for = f"{seen}, {hop}" if seen else hop
                elif name == b"x-forwarded-host":
                    self.forwarded_host = value.decode("latin-1")
                elif name == b"x-forwarded-proto":
                    self.forwarded_proto = value.decode("latin-1")
                elif name == b"connection":
                    connection_tokens = value
                continue
            if name == b"authorization":
                if self.authorization is not None:
                    # Which one would a service read? Refuse rather than guess.
                    raise BadRequest("more than one Authorization header")
                self.authorization = value
            elif name == b"x-xbt-tenant":
                self.named_tenants.append(value.decode("latin-1").strip())
            elif name == b"content-type":
                self.content_type = value
            elif name == b"if-none-match":
                self.if_none_match = value.decode("latin-1")
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if connection_tokens:
            listed = {t.strip().lower().decode("latin-1") for t in connection_tokens.split(b",")}
            headers = [(k, v) for k, v in headers if k not in listed]
        self.headers = headers

    def hold_back_if_none_match(self) -> None:
        """Forward without the client's validator: a read the edge may keep must come back
        whole, and the gateway answers the validator itself (`relay`)."""
        if self.if_none_match is not None:
            self.headers = [(k, v) for k, v in self.headers if k != "if-none-match"]


def response_headers(
    resp: aiohttp.ClientResponse, upstream: Upstream
) -> tuple[ResponseHeaders, bytes | None]:
    """The headers passed back, and the edge-cache directive (never passed back)."""
    headers: ResponseHeaders = []
    directive: bytes | None = None
    for name, value in resp.raw_headers:
        key = name.lower()
        if key in DROP_RESPONSE:
            continue
        if key == EDGE_DIRECTIVE:
            directive = value
            continue
        if key == b"location":
            value = public_location(value, upstream)
        headers.append((key, value))
    return headers, directive


def public_location(value: bytes, upstream: Upstream) -> bytes:
    """Rewrite a redirect into the service's own API to its public gateway path."""
    base = upstream.base.encode()
    if value.startswith(base + b"/"):
        value = value[len(base) :]
    elif upstream.base_path and value.startswith(upstream.base_path.encode() + b"/v"):
        value = value[len(upstream.base_path) :]
    if len(value) > 2 and value.startswith(b"/v") and value[2:3].isdigit():
        return upstream.public_prefix.encode() + value
    return value
