"""Searching one or several indexes: validation, relaxed fallback, shared statistics,
merging pages and summing facet counts.

The service keeps one index per tenant database and searches the city's together with the
reader's district's; `search_many` never looks at an index it was not given, so a heping
reader searching [city, heping] cannot see hexi's resources.

Scores are comparable across the indexes: document frequencies and the document count are
summed over all of them before any idf is computed. Only the average field lengths used for
length normalisation stay per index (they differ little between tenants).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from heapq import merge
from itertools import islice

from xbt_catalog.search.analysis import QueryPlan, plan_query
from xbt_catalog.search.domain import (
    FACETS,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    SORTS,
    FacetValue,
    Filters,
    FilterSpec,
    SearchHit,
    SearchResult,
)
from xbt_catalog.search.index import Match, SearchIndex, idf


def min_match(terms: int) -> int:
    """How many query terms a relaxed hit needs: all but a third (at least one missing)."""
    return terms - max(1, terms // 3)


def _check(sort: str, page: int, size: int) -> None:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}, not {sort!r}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}, not {size}")
    if page < 1:
        raise ValueError(f"page must be at least 1, not {page}")
    if page * size > MAX_RESULT_WINDOW:
        raise ValueError(f"page * size may be at most {MAX_RESULT_WINDOW}")


def _idfs(indexes: Sequence[SearchIndex], plan: QueryPlan) -> dict[str, float]:
    n = sum(len(ix) for ix in indexes)
    out = {t: idf(sum(ix.df(t) for ix in indexes), n) for t in plan.required + plan.optional}
    out.update((c, idf(sum(ix.char_df(c) for ix in indexes), n)) for c in plan.chars)
    return out


def search_many(
    indexes: Sequence[SearchIndex],
    query: str = "",
    *,
    filters: FilterSpec = None,
    sort: str = "relevance",
    page: int = 1,
    size: int = 20,
    reader_school: str | None,
    guest: bool,
) -> SearchResult:
    """Search `indexes` as one. An empty query browses (relevance then means newest).

    Every query term must match (CJK bigrams, words, one-character groups); if no document
    the reader may see has them all (whatever the facet filters), hits need only all but a
    third of the terms and the result says `relaxed=True`. `reader_school` and `guest`
    exclude other schools' resources and, for guests, resources not marked for guests.
    Raises ValueError for a size above MAX_PAGE_SIZE, a page past MAX_RESULT_WINDOW, an
    unknown sort or facet.
    """
    _check(sort, page, size)
    if filters is None:
        filters = Filters()
    elif not isinstance(filters, Filters):
        filters = Filters.of(filters)
    plan = plan_query(query)
    unique = list({id(ix): ix for ix in indexes}.values())
    with ExitStack() as locks:
        for ix in sorted(unique, key=id):
            locks.enter_context(ix._lock)
        matches = [
            ix.match(plan, filters, reader_school=reader_school, guest=guest) for ix in unique
        ]
        relaxed = False
        # Relax when no document the reader may see has every term; facet filters play no
        # part, so narrowing a result never switches it between exact and relaxed.
        if not plan.empty and plan.size >= 2 and not any(m.matched for m in matches):
            relaxed = True
            least = min_match(plan.size)
            matches = [
                ix.match(plan, filters, reader_school=reader_school, guest=guest, min_match=least)
                for ix in unique
            ]
        idfs = _idfs(unique, plan)
        k = page * size
        tops = [
            [
                (key, hit_id, score, ix.name)
                for key, hit_id, score in ix.top(m, plan, idfs, sort=sort, k=k)
            ]
            for ix, m in zip(unique, matches, strict=True)
        ]
        page_rows = list(islice(merge(*tops), k - size, k))
        facets = _sum_facets(unique, matches, filters)
    return SearchResult(
        hits=[
            SearchHit(id=hit_id, score=score, source=source)
            for _, hit_id, score, source in page_rows
        ],
        total=sum(m.total for m in matches),
        facets=facets,
        page=page,
        size=size,
        sort=sort,
        relaxed=relaxed,
    )


def _sum_facets(
    indexes: Sequence[SearchIndex], matches: Sequence[Match], filters: Filters
) -> dict[str, dict[FacetValue, int]]:
    totals: dict[str, dict[FacetValue, int]] = {f: {} for f in FACETS}
    for ix, m in zip(indexes, matches, strict=True):
        for facet, counts in ix.facet_counts(m).items():
            into = totals[facet]
            for value, n in counts.items():
                into[value] = into.get(value, 0) + n
    for facet, selected in filters.active().items():
        for value in selected:
            totals[facet].setdefault(value, 0)
    return {
        facet: dict(sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))))
        for facet, counts in totals.items()
    }
