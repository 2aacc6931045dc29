"""The catalog's search engine alone, in process: indexing 50,000 realistic entries and the
latency of 500 realistic queries over the city's and a district's index together.

Nothing is timed against a threshold (machines differ); `search_latency()` returns the
figures and `line()` says them. The corpus and the queries are the catalog's synthetic ones
(seeded, so every run indexes the same documents), which its unit tests also search.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from services.catalog.tests.unit.search.corpus import query_mix, synthetic_docs
from xbt_catalog.search import SearchIndex, search_many


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _summary(ms: list[float]) -> str:
    return (
        f"p50 {percentile(ms, 50):.2f} ms, p99 {percentile(ms, 99):.2f} ms, "
        f"max {max(ms):.2f} ms, mean {statistics.fmean(ms):.2f} ms"
    )


@dataclass(frozen=True, slots=True)
class SearchLatency:
    indexed: int
    index_seconds: float
    relevance_ms: list[float]  # page 1 by relevance, a pupil of one school
    other_ms: list[float]  # page 2, newest or most viewed, a guest
    found: int
    relaxed: int

    def line(self) -> str:
        return (
            f"search: indexed {self.indexed} resources in {self.index_seconds:.1f} s; "
            f"{len(self.relevance_ms)} queries over city+district, relevance: "
            f"{_summary(self.relevance_ms)}; newest/most viewed, page 2, guest: "
            f"{_summary(self.other_ms)}; {self.found} found something, {self.relaxed} relaxed"
        )


def search_latency(documents: int = 50_000, queries: int = 500) -> SearchLatency:
    docs = list(synthetic_docs(documents))
    city, district = SearchIndex("city"), SearchIndex("heping")
    started = time.perf_counter()
    for doc in docs:
        (city if doc.provider == "city" else district).add(doc)
    city.warm()
    district.warm()
    index_seconds = time.perf_counter() - started
    mine = [city, district]
    relevance: list[float] = []
    other: list[float] = []
    found = relaxed = 0
    for i, (q, f) in enumerate(query_mix(queries)):
        t0 = time.perf_counter()
        result = search_many(mine, q, filters=f, reader_school="school-1", guest=False)
        t1 = time.perf_counter()
        sort = "newest" if i % 2 else "most_viewed"
        search_many(mine, q, filters=f, sort=sort, page=2, reader_school=None, guest=True)
        t2 = time.perf_counter()
        relevance.append((t1 - t0) * 1000)
        other.append((t2 - t1) * 1000)
        found += result.total > 0
        relaxed += result.relaxed
    return SearchLatency(
        indexed=len(city) + len(district),
        index_seconds=index_seconds,
        relevance_ms=relevance,
        other_ms=other,
        found=found,
        relaxed=relaxed,
    )


if __name__ == "__main__":
    print(search_latency().line())
