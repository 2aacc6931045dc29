"""Chinese keyword search over the catalog, in memory and without I/O.

The catalog service feeds one `SearchIndex` per tenant database (documents added, replaced
or removed as content is published, edited or withdrawn) and searches the city's and the
reader's district's together with `search_many`.

- Analysis (analysis.py): NFKC + lowercase; CJK runs become overlapping character bigrams,
  Latin/digit runs words; one-character queries (诗) match the character anywhere.
- Matching: every query term must match; if nothing does, all but a third (`relaxed`).
- Ranking: BM25F (title > tags > description) plus a bonus when the whole query appears in
  the title; ties go to the newest, then the smallest id. Or newest / most viewed.
- Facets: stage, grade, subject, kind, category, enrichment_kind, provider; counts are
  disjunctive (each facet counted without its own filter) and cost a few bitset operations.
"""

from xbt_catalog.search.analysis import normalize, plan_query, tokenize
from xbt_catalog.search.domain import (
    FACETS,
    MAX_PAGE_SIZE,
    MAX_RESULT_WINDOW,
    Filters,
    SearchDoc,
    SearchHit,
    SearchResult,
    Sort,
)
from xbt_catalog.search.engine import search_many
from xbt_catalog.search.index import SearchIndex

__all__ = [
    "FACETS",
    "MAX_PAGE_SIZE",
    "MAX_RESULT_WINDOW",
    "Filters",
    "SearchDoc",
    "SearchHit",
    "SearchIndex",
    "SearchResult",
    "Sort",
    "normalize",
    "plan_query",
    "search_many",
    "tokenize",
]
