"""Reading: visibility across tenants, schools and guests; search; caching; bad input."""

from __future__ import annotations

import httpx

from xbt_catalog.resources.service import Resources
from xbt_shared.cache import EDGE_CACHE_HEADER, EdgeDirective
from xbt_shared.mongo import Doc
from xbt_shared.testing import TokenFactory

from ...conftest import pupil


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> list[str]:
    resp = await client.get("/v1/resources", headers=headers, params=params)  # type: ignore[arg-type]
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


async def test_hexi_district_resource_is_invisible_to_heping(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    heping = pupil(tokens)
    by_id = await client.get("/v1/resources/r-hx-1", headers=heping)
    assert by_id.status_code == 404
    assert by_id.headers["content-type"].startswith("application/problem+json")
    listed = await _ids(client, heping, size=50)
    assert "r-hx-1" not in listed
    found = await _ids(client, heping, q="二元一次方程")
    assert "r-hx-1" not in found
    assert {"r-city-1", "r-hp-1", "r-hp-school"} <= set(found)
    # And the other way round: hexi sees its own and the city's, not heping's.
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert set(await _ids(client, hexi, q="二元一次方程")) == {"r-city-1", "r-hx-1"}


async def test_school_content_only_in_its_school_and_drafts_nowhere(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    other_school = pupil(tokens, school="hp-xx-1")
    assert "r-hp-school" not in await _ids(client, other_school, q="二元一次方程")
    assert (await client.get("/v1/resources/r-hp-school", headers=other_school)).status_code == 404
    mine = pupil(tokens)
    assert (await client.get("/v1/resources/r-hp-school", headers=mine)).status_code == 200
    assert (await client.get("/v1/resources/r-draft", headers=mine)).status_code == 404
    assert "r-draft" not in await _ids(client, mine, q="草稿")


async def test_guests_see_only_guest_content(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    guest = tokens.headers(tenant="heping", roles=["guest"])
    assert await _ids(client, guest, size=50) == ["r-city-1"]
    assert (await client.get("/v1/resources/r-city-2", headers=guest)).status_code == 404
    assert (await client.get("/v1/textbooks/tb-math-g7-2", headers=guest)).status_code == 200
    write = await client.post(
        "/v1/resources/r-city-1/recommend", headers=guest, json={"class_ids": ["c1"]}
    )
    assert write.status_code == 403


async def test_search_finds_subwords_with_facets_and_sorts(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    heping = pupil(tokens)
    resp = await client.get("/v1/resources", headers=heping, params={"q": "二元一次方程"})
    body = resp.json()
    # 解二元一次方程组 contains 二元一次方程: found without spaces or segmentation.
    assert {i["id"] for i in body["items"]} == {"r-city-1", "r-hp-1", "r-hp-school"}
    assert all("二元一次方程" in i["title"] for i in body["items"])
    assert body["total"] == 3
    assert body["facets"]["kind"] == {"recording": 2, "exercise": 1}
    narrowed = await _ids(client, heping, q="二元一次方程", kind="exercise")
    assert narrowed == ["r-hp-school"]
    newest = await _ids(client, heping, sort="newest", size=3)
    assert newest == ["r-hp-school", "r-hp-1", "r-city-4"]
    viewed = await _ids(client, heping, sort="most_viewed", size=1)
    assert viewed == ["r-city-2"]
    enrichment = await client.get(
        "/v1/resources", headers=heping, params={"kind": "enrichment", "category": "棋类"}
    )
    assert [i["title"] for i in enrichment.json()["items"]] == ["围棋入门 吃子技巧"]


async def test_bad_input_names_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    heping = pupil(tokens)
    bad_subject = await client.get("/v1/resources", headers=heping, params={"subject": "炼金术"})
    assert bad_subject.status_code == 422
    assert bad_subject.json()["errors"][0]["field"] == "query.subject.0"
    too_big = await client.get("/v1/resources", headers=heping, params={"size": 51})
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "query.size"
    assert (await client.get("/v1/resources/nope", headers=heping)).status_code == 404
    assert (await client.get("/v1/textbooks/nope", headers=heping)).status_code == 404
    assert (await client.get("/v1/resources")).status_code == 401


async def test_etag_and_304(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    heping = pupil(tokens)
    first = await client.get("/v1/textbooks/tb-math-g7-2", headers=heping)
    assert first.status_code == 200
    assert first.json()["tree"][0]["children"][1]["title"] == "8.2 消元——解二元一次方程组"
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = await client.get(
        "/v1/textbooks/tb-math-g7-2", headers={**heping, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    changed = await client.get(
        "/v1/textbooks/tb-math-g7-2", headers={**heping, "If-None-Match": '"other"'}
    )
    assert changed.status_code == 200


async def test_views_are_counted_in_redis_and_flushed_in_batches(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc], catalog: Resources
) -> None:
    heping = pupil(tokens)
    for _ in range(5):
        assert (await client.get("/v1/resources/r-city-3", headers=heping)).status_code == 200
    assert await catalog.views.pending("city", "r-city-3") == 5
    stored = await catalog.store("city").resource("r-city-3")
    assert stored is not None and stored.details["views"] == 0  # nothing written per view
    assert await catalog.views.flush() == 5
    stored = await catalog.store("city").resource("r-city-3")
    assert stored is not None and stored.details["views"] == 5
    assert await catalog.views.pending("city", "r-city-3") == 0


async def test_shared_reads_tell_the_gateway_what_it_may_keep(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc], catalog: Resources
) -> None:
    heping = pupil(tokens)
    detail = await client.get("/v1/resources/r-hp-1", headers=heping)
    directive = EdgeDirective.parse(detail.headers[EDGE_CACHE_HEADER])
    assert directive is not None and directive.max_age > 0
    # the versions named are the ones in Redis now, city's and heping's
    current = {k: await catalog.cache.redis.get(k) for k, _ in directive.versions}
    assert [k.split(":")[-3] for k in current] == ["city", "heping"]
    assert {k: str(v.decode() if isinstance(v, bytes) else v) for k, v in current.items()} == dict(
        directive.versions
    )
    # the gateway counts its answers where the catalog counts views
    assert directive.count == catalog.views.counter("heping", "r-hp-1")
    listed = await client.get("/v1/resources", headers=heping, params={"q": "二元一次方程"})
    listing = EdgeDirective.parse(listed.headers[EDGE_CACHE_HEADER])
    assert listing is not None and listing.count is None
    # a publish moves the district's version past what the copies were stamped with
    await catalog.cache.invalidate("heping")
    again = EdgeDirective.parse(
        (await client.get("/v1/resources/r-hp-1", headers=heping)).headers[EDGE_CACHE_HEADER]
    )
    assert again is not None and again.versions[1] != directive.versions[1]
    # answers about one user are never marked
    teacher = tokens.headers(tenant="heping", roles=["teacher"], school="hp-sy-zx")
    mine = await client.get("/v1/workflow/resources", headers=teacher)
    assert mine.status_code == 200
    assert EDGE_CACHE_HEADER not in mine.headers
