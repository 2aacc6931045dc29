"""Reading the client's body within the service's limit, without I/O (a fake `receive`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from xbt_gateway.bodies import (
    BUFFER_BYTES,
    BodyStream,
    BodyTooLarge,
    ClientGone,
    check_declared_length,
    read_login_body,
    upstream_body,
)
from xbt_gateway.headers import RequestHead
from xbt_shared.errors import PayloadTooLarge


def receiving(*chunks: bytes, disconnect: bool = False) -> Callable[[], Awaitable[Any]]:
    """A `receive` that yields `chunks` as one body (then a disconnect, if asked)."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    if disconnect:
        messages[-1]["more_body"] = True
        messages.append({"type": "http.disconnect"})

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    return receive


def head(**headers: str) -> RequestHead:
    return RequestHead([(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()])


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    check_declared_length(head(content_length="100"), 100)
    check_declared_length(head(), 100)
    with pytest.raises(PayloadTooLarge):
        check_declared_length(head(content_length="101"), 100)


async def test_a_small_body_is_read_whole() -> None:
    body = await upstream_body(receiving(b"ab", b"cd"), head(content_length="4"), 100)
    assert body == b"abcd"


async def test_no_body_is_none() -> None:
    assert await upstream_body(receiving(b""), head(), 100) is None
    assert await upstream_body(receiving(b""), head(content_length="0"), 100) is None


async def test_a_large_or_chunked_body_streams_with_its_declared_length() -> None:
    large = await upstream_body(
        receiving(b"x"), head(content_length=str(BUFFER_BYTES + 1)), 10 * BUFFER_BYTES
    )
    assert isinstance(large, BodyStream)
    assert large.length == BUFFER_BYTES + 1
    chunked = await upstream_body(receiving(b"x"), head(transfer_encoding="chunked"), 100)
    assert isinstance(chunked, BodyStream)
    assert chunked.length is None
    assert [chunk async for chunk in chunked] == [b"x"]


async def test_a_body_growing_past_the_limit_is_refused() -> None:
    with pytest.raises(BodyTooLarge):  # declared small, sent large
        await upstream_body(receiving(b"abc", b"def"), head(content_length="3"), 4)
    stream = BodyStream(receiving(b"abc", b"def"), 4, None)
    with pytest.raises(BodyTooLarge):
        _ = [chunk async for chunk in stream]
    assert stream.too_large


async def test_a_client_leaving_mid_body_is_gone() -> None:
    with pytest.raises(ClientGone):
        await upstream_body(receiving(b"ab", disconnect=True), head(content_length="4"), 100)
    stream = BodyStream(receiving(b"ab", disconnect=True), 100, None)
    with pytest.raises(ClientGone):
        _ = [chunk async for chunk in stream]
    assert stream.client_gone


async def test_a_login_body_has_its_own_limit() -> None:
    assert await read_login_body(receiving(b'{"a":1}'), head(), 16) == b'{"a":1}'
    with pytest.raises(PayloadTooLarge) as declared:
        await read_login_body(receiving(b""), head(content_length="17"), 16)
    with pytest.raises(PayloadTooLarge) as grown:
        await read_login_body(receiving(b"x" * 10, b"x" * 10), head(), 16)
    for err in (declared, grown):
        assert not isinstance(err.value, BodyTooLarge)
        assert err.value.detail == "a login body may be at most 16 bytes"
