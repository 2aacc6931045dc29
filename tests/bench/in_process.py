"""The measurements that need no running service, taken in this process once the suite has
stopped (nothing else of the bench competes for the cores then), as rows of the report.

- the catalog's search engine alone (tests/bench/catalog_search_perf.py): 50,000 entries
  indexed, the latency of 500 realistic queries, two rows (relevance, page 1, a pupil; newest
  or most viewed, page 2, a guest), queries one after another, so "per s" is 1 ÷ the mean;
- building the catalog's demo documents (tests/bench/catalog_demo.py) against its bound;
- identity's roster import (tests/bench/identity_roster.py: an identity app and a Mongo-wire
  server of its own), rows per second against the bound its API test used to assert.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from tests.bench import catalog_demo, catalog_search_perf, identity_roster
from tests.bench.cpu import CpuMeter
from tests.bench.load import LoadResult
from tests.bench.report import LatencyBound, Ratio


@dataclass
class InProcess:
    loads: dict[str, LoadResult] = field(default_factory=dict)
    bounds: list[LatencyBound] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def measure(*, roster_rows: int) -> InProcess:
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

    started = time.perf_counter()
    rate = asyncio.run(identity_roster.roster_import(roster_rows))
    print(f"  identity roster import: {roster_rows} rows at {rate:.0f} rows/s")
    out.ratios.append(
        Ratio(
            "roster_import_vs_bound",
            f"roster import rows/s ({roster_rows:,} rows) ÷ 5,000 rows in 60 s",
            rate,
            identity_roster.TARGET_ROWS_PER_SECOND,
            1.0,
        )
    )
    out.facts["identity_roster_import"] = {
        "rows": roster_rows,
        "rows_per_second": round(rate, 1),
        "with_setup_s": round(time.perf_counter() - started, 1),
    }
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
