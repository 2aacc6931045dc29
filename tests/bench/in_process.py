"""The measurements that need no running service, taken in this process once the suite has
stopped (nothing else of the bench competes for the cores then), as rows of the report.

- the catalog's search engine alone (tests/bench/catalog_search_perf.py): 50,000 entries
  indexed, the latency of 500 realistic queries, two rows (relevance, page 1, a pupil; newest
  or most viewed, page 2, a guest), queries one after another, so "per s" is 1 ÷ the mean;
- building the catalog's demo documents (tests/bench/catalog_demo.py) against its bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.bench import catalog_demo, catalog_search_perf
from tests.bench.cpu import CpuMeter
from tests.bench.load import LoadResult
from tests.bench.report import LatencyBound


@dataclass
class InProcess:
    loads: dict[str, LoadResult] = field(default_factory=dict)
    bounds: list[LatencyBound] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def measure() -> InProcess:
    out = InProcess()
    meter = CpuMeter({})
    start = meter.snapshot()
    search = catalog_search_perf.search_latency()
    cpu = meter.usage(start, meter.snapshot())
    for key, name, samples in (
        ("search_engine_relevance", "search engine alone, relevance, page 1", search.relevance_ms),
        ("search_engine_sorted", "search engine alone, sorted, page 2, guest", search.other_ms),
    ):
        out.loads[key] = _serial(name, samples, cpu)
        print(f"  {name}: p50 {out.loads[key].percentile_ms(50) or 0:.2f} ms")
    out.notes.append(f"in process, after the suite stopped: catalog {search.line()}")
    out.facts["catalog_search_engine"] = {
        "indexed": search.indexed,
        "index_seconds": round(search.index_seconds, 2),
        "queries": len(search.relevance_ms),
        "found": search.found,
        "relaxed": search.relaxed,
    }

    demo = catalog_demo.demo_build()
    print(f"  {demo.line()}")
    out.bounds.append(
        LatencyBound(
            "catalog_demo_build",
            "catalog demo documents built (seed loader, in process)",
            demo.seconds * 1000,
            catalog_demo.BOUND_SECONDS * 1000,
        )
    )
    out.facts["catalog_demo_build"] = {"seconds": round(demo.seconds, 3), "sizes": demo.sizes}
    return out


def _serial(name: str, samples_ms: list[float], cpu: dict[str, float]) -> LoadResult:
    seconds = [ms / 1000 for ms in samples_ms]
    return LoadResult(
        name,
        concurrency=1,
        duration=sum(seconds),
        expect=0,
        ok=len(seconds),
        latencies=seconds,
        cpu=cpu,
    )
