"""The client's body, read within a limit: whole when small, else streamed upstream.

A declared length over the limit is refused before anything else is done; a body that grows
past it while being read (chunked, or lying about its length) is refused when it does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.types import Receive

from xbt_gateway.headers import RequestHead
from xbt_shared.errors import PayloadTooLarge

# Bodies up to this size are read whole and sent with a Content-Length; larger ones stream.
BUFFER_BYTES = 64 * 1024


class BodyTooLarge(PayloadTooLarge):
    """A body that grew past the limit while being read."""


class ClientGone(Exception):
    """The client disconnected: there is no one left to answer."""


class BodyStream:
    """The client's body as an async iterator for aiohttp, counted against the limit.

    `length`: the declared Content-Length, forwarded as such (None: chunked)."""

    def __init__(self, receive: Receive, limit: int, length: int | None) -> None:
        self.receive = receive
        self.limit = limit
        self.length = length
        self.too_large = False
        self.client_gone = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.client_gone = True
                raise ClientGone()
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                self.too_large = True
                raise BodyTooLarge(f"the body may be at most {self.limit} bytes")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


Body = bytes | BodyStream | None


def check_declared_length(head: RequestHead, limit: int) -> None:
    if head.content_length is not None and head.content_length > limit:
        raise PayloadTooLarge(f"the body may be at most {limit} bytes")


async def upstream_body(receive: Receive, head: RequestHead, limit: int) -> Body:
    """The body to forward: read whole up to `BUFFER_BYTES`, a stream beyond (or chunked),
    None when the request has none."""
    length = head.content_length
    if length is not None and length <= BUFFER_BYTES:
        return await read_body(receive, limit) if length else None
    if length is not None or head.chunked:
        return BodyStream(receive, limit, length)
    return None


async def read_login_body(receive: Receive, head: RequestHead, limit: int) -> bytes:
    """A login's body, read whole (the rate limiter needs its tenant and username)."""
    if head.content_length is not None and head.content_length > limit:
        raise PayloadTooLarge(f"a login body may be at most {limit} bytes")
    try:
        return await read_body(receive, limit)
    except BodyTooLarge:
        raise PayloadTooLarge(f"a login body may be at most {limit} bytes") from None


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk: bytes = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(f"the body may be at most {limit} bytes")
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
