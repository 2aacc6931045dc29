"""Two catalog replicas on one MongoDB and one Redis: a replica whose index has not yet
caught up with another's publish answers from what it has, but keeps nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_catalog.main import create_app
from xbt_catalog.resources.service import Resources
from xbt_catalog.search.indexing import TENANT_IDS, TenantIndexes
from xbt_catalog.settings import CatalogSettings
from xbt_shared.cache import EDGE_CACHE_HEADER
from xbt_shared.mongo import Doc
from xbt_shared.testing import TokenFactory, client_of, running

from ..api.resources.test_publishing import NEW, admin, teacher
from ..conftest import pupil

QUERY = {"q": "图像解法"}


@pytest.fixture
async def lagging(
    catalog_settings: CatalogSettings, tokens: TokenFactory, corpus: list[Doc]
) -> AsyncIterator[FastAPI]:
    """A second replica whose follower passes only when the test says so."""
    async with running(create_app(catalog_settings), tokens) as app:
        indexes = app.state.resources.index
        assert isinstance(indexes, TenantIndexes)
        await indexes.stop()  # no pass of its own from now on (one may have run at start)
        await indexes.catch_up()
        yield app


async def _search(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[list[str], bool]:
    resp = await client.get("/v1/resources", headers=headers, params=QUERY)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return [item["id"] for item in body["items"]], EDGE_CACHE_HEADER in resp.headers


async def test_a_lagging_replica_keeps_no_stale_search_page(
    client: httpx.AsyncClient, lagging: FastAPI, tokens: TokenFactory
) -> None:
    reader = pupil(tokens)
    async with client_of(lagging) as other:
        assert await _search(other, reader) == ([], True)  # caught up: kept and marked
        created = await client.post(
            "/v1/resources", headers=teacher(tokens), json={**NEW, "level": "district"}
        )
        rid = created.json()["id"]
        await client.post(f"/v1/resources/{rid}/submit", headers=teacher(tokens))
        published = await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
        assert published.status_code == 200, published.text

        # The lagging replica has not seen the publish: it answers without the resource,
        # and neither stores that page nor lets the gateway keep it.
        assert await _search(other, reader) == ([], False)
        # The publishing replica is current: it finds the resource, because the stale page
        # was not stored under the new version, and its answer may be kept.
        assert await _search(client, reader) == ([rid], True)

        indexes = lagging.state.resources.index
        assert isinstance(indexes, TenantIndexes)
        await indexes.catch_up()
        assert await _search(other, reader) == ([rid], True)


async def test_answers_are_kept_again_once_the_follower_has_passed(
    catalog_settings: CatalogSettings, lagging: FastAPI, tokens: TokenFactory
) -> None:
    """A version moved by someone else (a seed, another replica) is caught up with by the
    next pass, whatever the pass finds."""
    reader = pupil(tokens)
    catalog = lagging.state.resources
    async with client_of(lagging) as other:
        assert (await _search(other, reader))[1]
        await catalog.cache.invalidate("heping")
        assert await _search(other, reader) == ([], False)
        await catalog.index.catch_up()
        assert await _search(other, reader) == ([], True)
        # the city's version is one of the scopes a heping reader's page depends on
        await catalog.cache.invalidate("city")
        assert await _search(other, reader) == ([], False)


async def test_an_own_publish_moves_the_mark_on_only_from_the_version_before_it(
    catalog: Resources,
) -> None:
    indexes = catalog.index
    assert isinstance(indexes, TenantIndexes)
    await indexes.stop()
    await indexes.catch_up()
    v = int((await catalog.cache.current(["heping"]))["heping"])
    assert indexes.current_at({"heping": str(v)})
    indexes.applied_own("heping", v + 1)
    assert indexes.current_at({"heping": str(v + 1)})
    # someone else's change took v + 2 before this replica's own v + 3: not complete
    indexes.applied_own("heping", v + 3)
    assert not indexes.current_at({"heping": str(v + 3)})
    assert indexes.current_at({"heping": str(v + 1)})  # still complete where it was
    assert indexes.current_at({"city": (await catalog.cache.current(["city"]))["city"]})


async def test_a_mark_moved_on_during_a_follower_pass_is_kept(catalog: Resources) -> None:
    """The pass read version 10; an own publish made it 11 while the pass ran: ending the
    pass must not take the mark back to 10."""
    versions = dict.fromkeys(TENANT_IDS, "10")

    async def versions_of(scopes: Sequence[str]) -> Mapping[str, str]:
        return {s: versions[s] for s in scopes}

    indexes = TenantIndexes(catalog.mongo, versions_of=versions_of)
    await indexes.catch_up()
    assert indexes.current_at({"heping": "10", "city": "10"})
    follow = indexes.follow_once

    async def with_an_own_publish() -> int:
        changed = await follow()
        versions["heping"] = "11"
        indexes.applied_own("heping", 11)
        return changed

    indexes.follow_once = with_an_own_publish  # type: ignore[method-assign]
    await indexes.catch_up()
    assert indexes.current_at({"heping": "11", "city": "10"})
    indexes.follow_once = follow  # type: ignore[method-assign]
    await indexes.catch_up()
    assert indexes.current_at({"heping": "11", "city": "10"})
