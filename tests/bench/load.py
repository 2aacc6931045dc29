"""A closed-loop HTTP load generator: N workers on one aiohttp session, keep-alive.

Every measurement in the bench uses this same generator, so a ratio compares the servers,
not the clients. Each worker sends a request, reads the whole response and sends the next.
Only responses completing inside the measurement window (after the warm-up) are counted;
throughput is those with the expected status divided by the window's length.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tests.bench.cpu import CpuMeter

# A failing server must not turn a worker into a busy loop of instant errors.
ERROR_PAUSE_SECONDS = 0.01
REQUEST_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] | None = None
    body: bytes | None = None


# Builds request number `n` (0, 1, 2, ... across all workers): round-robin over users.
RequestFactory = Callable[[int], Request]


@dataclass(frozen=True, slots=True)
class LoadSpec:
    concurrency: int
    warmup: float
    duration: float
    expect: int = 200


@dataclass(frozen=True, slots=True)
class Scenario:
    """One measurement: what to send, how hard, for how long."""

    name: str
    make_request: RequestFactory
    spec: LoadSpec


@dataclass(slots=True)
class LoadResult:
    name: str
    concurrency: int
    duration: float
    expect: int
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    # Cores used during the measured window, per process (see tests/bench/cpu.py).
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.ok / self.duration if self.duration else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def percentile_ms(self, q: float) -> float | None:
        """Nearest-rank percentile of the expected-status latencies, in milliseconds."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    def as_dict(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "duration_s": round(self.duration, 3),
            "expected_status": self.expect,
            "ok": self.ok,
            "per_second": round(self.rate, 2),
            "p50_ms": _round(self.percentile_ms(50)),
            "p99_ms": _round(self.percentile_ms(99)),
            "errors": dict(self.errors),
            "cpu_cores": self.cpu,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def run_load(scenario: Scenario, meter: CpuMeter | None = None) -> LoadResult:
    """Drive `spec.concurrency` workers for warm-up + duration; measure the last part."""
    spec, make_request = scenario.spec, scenario.make_request
    connector = aiohttp.TCPConnector(
        limit=spec.concurrency, limit_per_host=spec.concurrency, keepalive_timeout=60
    )
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    result = LoadResult(scenario.name, spec.concurrency, spec.duration, spec.expect)
    sequence = itertools.count()
    async with aiohttp.ClientSession(
        connector=connector,
        timeout=timeout,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:
        begin = time.perf_counter() + spec.warmup
        end = begin + spec.duration

        async def worker() -> None:
            while time.perf_counter() < end:
                req = make_request(next(sequence))
                sent = time.perf_counter()
                outcome: str | int
                try:
                    async with session.request(
                        req.method, req.url, headers=req.headers, data=req.body
                    ) as resp:
                        await resp.read()
                        outcome = resp.status
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    outcome = type(exc).__name__
                done = time.perf_counter()
                if begin <= done <= end:
                    if outcome == spec.expect:
                        result.ok += 1
                        result.latencies.append(done - sent)
                    else:
                        result.errors[str(outcome)] += 1
                if not isinstance(outcome, int):
                    await asyncio.sleep(ERROR_PAUSE_SECONDS)

        async def watch_cpu(meter: CpuMeter) -> None:
            await asyncio.sleep(max(0.0, begin - time.perf_counter()))
            start = meter.snapshot()
            await asyncio.sleep(max(0.0, end - time.perf_counter()))
            result.cpu = meter.usage(start, meter.snapshot())

        watchers = [watch_cpu(meter)] if meter is not None else []
        await asyncio.gather(*(worker() for _ in range(spec.concurrency)), *watchers)
    return result
