"""HEAD on a resource: GET's headers, no body, and no view counted."""

from __future__ import annotations

import httpx

from xbt_catalog.resources.service import Resources
from xbt_shared.mongo import Doc
from xbt_shared.testing import TokenFactory

from ...conftest import pupil


async def test_head_on_a_resource_answers_gets_headers_and_counts_no_view(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc], catalog: Resources
) -> None:
    heping = pupil(tokens)
    for _ in range(3):
        head = await client.head("/v1/resources/r-city-3", headers=heping)
        assert head.status_code == 200
        assert head.content == b""
    assert await catalog.views.pending("city", "r-city-3") == 0
    got = await client.get("/v1/resources/r-city-3", headers=heping)
    assert await catalog.views.pending("city", "r-city-3") == 1
    for name in ("content-type", "etag", "cache-control"):
        assert head.headers[name] == got.headers[name], name
    assert head.headers["content-length"] == str(len(got.content))


async def test_head_sees_no_other_districts_resource(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    head = await client.head("/v1/resources/r-hx-1", headers=pupil(tokens))
    assert head.status_code == 404
    assert head.content == b""
