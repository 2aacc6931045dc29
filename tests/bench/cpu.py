"""Where the 2 cores went during a measurement, from /proc (Linux only; else nothing).

Per process of the bench (this driver, the services, the Mongo-wire server) and "others":
the rest of the machine's busy time, which includes Redis and RabbitMQ working for the
suite but also anything else running on the machine. A large "others" during the bare
argon2 loop means the machine was not quiet and the ratios are less trustworthy.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
DRIVER = "driver"
OTHERS = "others"


@dataclass(frozen=True, slots=True)
class Snapshot:
    wall: float
    busy: float | None
    processes: dict[str, float]


class CpuMeter:
    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = {DRIVER: os.getpid(), **pids}

    def snapshot(self) -> Snapshot:
        processes: dict[str, float] = {}
        for name, pid in self.pids.items():
            seconds = _process_seconds(pid)
            if seconds is not None:
                processes[name] = seconds
        return Snapshot(time.perf_counter(), _machine_busy_seconds(), processes)

    @staticmethod
    def usage(start: Snapshot, end: Snapshot) -> dict[str, float]:
        """Cores used on average between two snapshots, per process and by the others."""
        wall = end.wall - start.wall
        if wall <= 0:
            return {}
        cores = {
            name: round((end.processes[name] - before) / wall, 2)
            for name, before in start.processes.items()
            if name in end.processes
        }
        if start.busy is not None and end.busy is not None:
            ours = sum(end.processes.get(n, b) - b for n, b in start.processes.items())
            cores[OTHERS] = round(max(0.0, (end.busy - start.busy - ours) / wall), 2)
        return cores


def _process_seconds(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rpartition(")")[2].split()
    # After the command name: state is field 3 of stat(5); utime, stime are 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_busy_seconds() -> float | None:
    try:
        first = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    values = [int(v) for v in first.split()[1:9]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS


async def wait_for_quiet(
    meter: CpuMeter, *, max_others: float, patience: float, sample: float = 2.0
) -> float:
    """Wait (up to `patience` s) until other processes use at most `max_others` cores.

    Returns the last sample of "others": the bench proceeds either way and reports it.
    """
    deadline = time.perf_counter() + patience
    while True:
        start = meter.snapshot()
        await asyncio.sleep(sample)
        others = meter.usage(start, meter.snapshot()).get(OTHERS, 0.0)
        if others <= max_others or time.perf_counter() >= deadline:
            return others
