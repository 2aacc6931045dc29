"""The service's answer back to the client: whole when small, else streamed; a shared read's
answer kept as its edge copy (`edge_cache.py`)."""

from __future__ import annotations

import logging

import aiohttp
from starlette.types import Send

from xbt_gateway.bodies import BUFFER_BYTES, ClientGone
from xbt_gateway.edge_cache import Copy, EdgeLookup, etag_matches, send_copy
from xbt_gateway.headers import response_headers
from xbt_gateway.problems import BadGateway, UpstreamTimeout
from xbt_gateway.runtime import Upstream

log = logging.getLogger("xbt.gateway.proxy")

NO_BODY_STATUS = frozenset({204, 304})


async def relay(
    resp: aiohttp.ClientResponse,
    upstream: Upstream,
    method: str,
    send: Send,
    edge: EdgeLookup | None,
) -> None:
    """Pass the answer on; `edge`: the GET's edge lookup that missed, if it had one."""
    status = resp.status
    headers, directive = response_headers(resp, upstream)
    no_body = method == "HEAD" or status in NO_BODY_STATUS or status < 200
    length = resp.content_length
    buffered = length is not None and length <= BUFFER_BYTES
    if edge is not None and status == 200 and length is not None:
        keep = edge.cache.keepable(directive, headers) if directive is not None else None
        if keep is not None and length <= edge.cache.max_bytes:
            copy = Copy(headers, await read_whole(resp, upstream))
            await send_copy(send, copy, edge.if_none_match)
            # Kept after the answer has gone, outside this request: the client's next
            # request on the connection does not wait for Redis.
            edge.keep_soon(keep, copy)
            return
        if buffered and etag_matches(edge.if_none_match, Copy(headers, b"").etag):
            # The client's If-None-Match was held back: answer it as the service would.
            await send_copy(send, Copy(headers, b""), edge.if_none_match)
            return
    if no_body or buffered:
        data = b"" if no_body else await read_whole(resp, upstream)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    try:
        async for chunk in resp.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (TimeoutError, aiohttp.ClientError) as exc:
        # Headers are out: all we can do is cut the connection so the client sees a
        # truncated response rather than a complete-looking one.
        resp.close()
        log.warning("upstream %s broke off a response: %r", upstream.name, exc)
        raise ClientGone() from exc
    except OSError as exc:  # the client went away mid-download
        resp.close()
        raise ClientGone() from exc
    await send({"type": "http.response.body", "body": b""})


async def read_whole(resp: aiohttp.ClientResponse, upstream: Upstream) -> bytes:
    try:
        return await resp.read()
    except TimeoutError as exc:
        raise UpstreamTimeout(f"{upstream.name} did not finish in time") from exc
    except aiohttp.ClientError as exc:
        raise BadGateway(f"{upstream.name} failed: {type(exc).__name__}") from exc
