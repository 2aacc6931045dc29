"""Machine facts, the printed table and the JSON file under var/bench/."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.bench.cpu import DRIVER, OTHERS
from tests.bench.load import LoadResult
from tests.bench.login import HashRate

ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = ROOT / "var" / "bench"
CPU_COLUMNS = (
    DRIVER,
    "gateway",
    "gateway-nolimit",
    "identity",
    "catalog",
    "tasks",
    "mongo",
    OTHERS,
)
PACKAGES = ("argon2-cffi", "aiohttp", "uvicorn", "uvloop", "fastapi", "redis", "pymongo")


@dataclass(frozen=True, slots=True)
class Ratio:
    key: str
    label: str
    numerator: float
    denominator: float
    target: float | None = None

    @property
    def value(self) -> float:
        return self.numerator / self.denominator if self.denominator else 0.0

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "context"
        return "meets target" if self.value >= self.target else "BELOW target"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": round(self.value, 3),
            "numerator_per_s": round(self.numerator, 2),
            "denominator_per_s": round(self.denominator, 2),
            "target": self.target,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class LatencyBound:
    """A latency target: a percentile of one measurement must stay below a bound."""

    key: str
    label: str
    value_ms: float | None
    bound_ms: float

    @property
    def verdict(self) -> str:
        if self.value_ms is None:
            return "NO DATA"
        return "meets target" if self.value_ms < self.bound_ms else "ABOVE target"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value_ms": None if self.value_ms is None else round(self.value_ms, 2),
            "target_below_ms": self.bound_ms,
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """A count that must be exactly what it should be (zero lost, zero duplicated...)."""

    key: str
    label: str
    value: int
    expected: int

    @property
    def verdict(self) -> str:
        return "meets target" if self.value == self.expected else "MISSED target"

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "expected": self.expected,
            "verdict": self.verdict,
        }


def machine_facts() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": {name: _version(name) for name in PACKAGES},
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _errors(result: LoadResult) -> str:
    if not result.errors:
        return "0"
    detail = ", ".join(f"{k}×{v}" for k, v in result.errors.most_common(3))
    return f"{result.error_count} ({detail})"


def print_report(
    *,
    started: datetime,
    machine: dict[str, Any],
    notes: Sequence[str],
    hashes: Sequence[tuple[str, HashRate]],
    loads: Sequence[LoadResult],
    ratios: Sequence[Ratio],
    bounds: Sequence[LatencyBound] = (),
    checks: Sequence[Check] = (),
    elapsed: float,
    out: Path,
) -> None:
    line = "─" * 106
    print()
    print(f"学不停 Xuebuting — make bench   {started.isoformat(timespec='seconds')}")
    print(
        f"machine: nproc {machine['nproc']}, {machine['cpu_model'] or 'unknown CPU'}, "
        f"Python {machine['python']} ({machine['implementation']}), {machine['platform']}"
    )
    print(f"load average at start: {' '.join(map(str, machine['load_average_at_start']))}")
    for note in notes:
        print(f"  · {note}")
    print(line)
    header = f"{'measurement':<44}{'conc':>5}{'per s':>11}{'p50 ms':>10}{'p99 ms':>10}"
    print(f"{header}{'counted':>9}  errors")
    print(line)
    for label, rate in hashes:
        print(
            f"{label:<44}{rate.threads:>5}{rate.rate:>11,.1f}{'-':>10}{'-':>10}"
            f"{rate.verifies:>9}  -"
        )
    for r in loads:
        print(
            f"{r.name:<44}{r.concurrency:>5}{r.rate:>11,.1f}"
            f"{_ms(r.percentile_ms(50)):>10}{_ms(r.percentile_ms(99)):>10}{r.ok:>9}  {_errors(r)}"
        )
    print(line)
    _print_cpu(
        line, [(label, rate.cpu) for label, rate in hashes] + [(r.name, r.cpu) for r in loads]
    )
    print(f"{'ratio':<62}{'value':>8}{'target':>9}  verdict")
    print(line)
    for ratio in ratios:
        target = "-" if ratio.target is None else f"≥ {ratio.target:.2f}"
        print(f"{ratio.label:<62}{ratio.value:>8.2f}{target:>9}  {ratio.verdict}")
    print(line)
    if bounds:
        print(f"{'latency':<62}{'ms':>8}{'target':>9}  verdict")
        print(line)
        for bound in bounds:
            print(
                f"{bound.label:<62}{_ms(bound.value_ms):>8}{f'< {bound.bound_ms:g}':>9}"
                f"  {bound.verdict}"
            )
        print(line)
    if checks:
        print(f"{'count':<62}{'value':>8}{'target':>9}  verdict")
        print(line)
        for check in checks:
            print(
                f"{check.label:<62}{check.value:>8,}{f'= {check.expected:,}':>9}  {check.verdict}"
            )
        print(line)
    print(f"took {elapsed:.0f} s; results written to {out.relative_to(ROOT)}")


def _print_cpu(line: str, rows: Sequence[tuple[str, dict[str, float]]]) -> None:
    present = {name for _, cpu in rows for name in cpu}
    names = [n for n in CPU_COLUMNS if n in present] + sorted(present - set(CPU_COLUMNS))
    widths = {n: max(7, len(n)) + 2 for n in names}
    print(
        f"{'CPU during the measured window (cores)':<44}"
        + "".join(f"{n:>{widths[n]}}" for n in names)
    )
    print(line)
    for label, cpu in rows:
        cells = "".join(
            f"{cpu[n]:>{widths[n]}.2f}" if n in cpu else f"{'-':>{widths[n]}}" for n in names
        )
        print(f"{label:<44}{cells}")
    print(line)


def write_json(started: datetime, payload: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return path
