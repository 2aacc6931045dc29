"""Another replica's publish reaches this replica's search index through the follower."""

from __future__ import annotations

from datetime import UTC, datetime

from xbt_catalog.resources.domain import Reader
from xbt_catalog.resources.service import Resources
from xbt_catalog.search.indexing import TenantIndexes
from xbt_shared.mongo import Doc

from ..conftest import resource


async def test_follower_applies_each_change_once(catalog: Resources, corpus: list[Doc]) -> None:
    indexes = catalog.index
    assert isinstance(indexes, TenantIndexes)
    # This test is the follower: the app's own loop (every 2 s) would take changes between
    # the writes and the passes below, and the counts would depend on the timing.
    await indexes.stop()
    await indexes.follow_once()  # settles drafts the build (published only) did not note
    assert await indexes.follow_once() == 0
    reader = Reader(tenant="heping", school=None, guest=False)

    def found(query: str) -> list[str]:
        page = indexes.search(reader, query=query, filters={}, sort="relevance", page=1, size=10)
        return [rid for _, rid in page.ids]

    now = datetime.now(UTC)
    store = catalog.store("heping")
    # Two changes stamped with the same instant, written by "another replica".
    for rid in ("r-other-1", "r-other-2"):
        await store.insert_resources(
            [
                {
                    **resource(rid, f"别处发布 勾股定理 {rid}", level="district", tenant="heping"),
                    "updated_at": now,
                }
            ]
        )
    assert await indexes.follow_once() == 2
    assert set(found("勾股定理")) == {"r-other-1", "r-other-2"}
    assert await indexes.follow_once() == 0  # applied once, not on every pass
    await store.update_resource(
        "r-other-1", {"status": "withdrawn", "updated_at": datetime.now(UTC)}
    )
    assert await indexes.follow_once() == 1
    assert found("勾股定理") == ["r-other-2"]
    assert "r-other-2" in indexes.indexes["heping"]
    assert "r-other-2" not in indexes.indexes["hexi"]


async def test_flushed_views_reach_result_lists_and_most_viewed(
    catalog: Resources, corpus: list[Doc]
) -> None:
    indexes = catalog.index
    assert isinstance(indexes, TenantIndexes)
    await indexes.stop()  # as above: this test drives the follower
    await indexes.follow_once()
    await indexes.follow_views_once()
    reader = Reader(tenant="heping", school=None, guest=False)

    def most_viewed() -> list[tuple[str, int]]:
        page = indexes.search(reader, query="", filters={}, sort="most_viewed", page=1, size=3)
        return [(s["id"], s["views"]) for s in indexes.summaries(page.ids)]

    assert most_viewed()[0] == ("r-city-2", 50)
    # 1,000 views of r-hp-1, counted by any replica and flushed to MongoDB
    key, field = catalog.views.counter("heping", "r-hp-1")
    await catalog.cache.redis.hincrby(key, field, 1000)
    assert await catalog.views.flush() == 1000
    assert await indexes.follow_views_once() == 1
    top = most_viewed()
    assert top[0] == ("r-hp-1", 1000)
    assert await indexes.follow_views_once() == 0  # applied once
    # the text index was not touched: it is still found by its words, with the new count
    page = indexes.search(
        reader, query="二元一次方程", filters={}, sort="relevance", page=1, size=5
    )
    counts = {s["id"]: s["views"] for s in indexes.summaries(page.ids)}
    assert counts["r-hp-1"] == 1000
