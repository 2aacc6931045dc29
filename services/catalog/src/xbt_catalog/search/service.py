"""Searching the catalog: one page of resources with facet counts, cached.

The index (`indexing.TenantIndexes`) answers from memory; a page is kept in the shared
cache only when this replica's index had followed every change up to the versions the
page was asked under (`current_at`), so a lagging replica never stores a stale page for
the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from xbt_catalog.resources.domain import Reader, cache_key, page_too_large, scopes_of
from xbt_catalog.search.domain import SearchPage
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.mongo import Doc


class SearchPort(Protocol):
    def summaries(self, ids: list[tuple[str, str]]) -> list[Doc]: ...

    def current_at(self, versions: Mapping[str, str]) -> bool: ...

    def search(
        self,
        reader: Reader,
        *,
        query: str,
        filters: dict[str, list[Any]],
        sort: str,
        page: int,
        size: int,
    ) -> SearchPage: ...


@dataclass
class Search:
    cache: VersionedCache
    index: SearchPort
    max_page_size: int = 50

    async def search(
        self,
        reader: Reader,
        *,
        query: str,
        filters: dict[str, list[Any]],
        sort: str,
        page: int,
        size: int,
    ) -> Cached:
        if size > self.max_page_size:
            raise page_too_large(self.max_page_size)
        key = "search:" + cache_key(
            {
                "q": query,
                "f": filters,
                "s": sort,
                "p": page,
                "n": size,
                "school": reader.school,
                "guest": reader.guest,
            }
        )

        async def load() -> Doc:
            found = self.index.search(
                reader, query=query, filters=filters, sort=sort, page=page, size=size
            )
            return {
                "items": self.index.summaries(found.ids),
                "total": found.total,
                "page": page,
                "size": size,
                "facets": found.facets,
                "relaxed": found.relaxed,
                "query": query,
                "sort": sort,
            }

        return await self.cache.get_or_load(
            scopes_of(reader), key, load, fresh=self.index.current_at
        )
