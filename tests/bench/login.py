"""Benchmark 1: logins per second against the bare argon2id loop they are bound by.

The bench accounts are written straight into identity's database of the bench tenant
with one precomputed hash (hashing 2,000 passwords would take a minute). Logins go
round-robin over the usernames, so neither the gateway's per-username login limiter
nor identity's lockout is what gets measured.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher

from tests.bench.load import LoadSpec, Request, Scenario
from xbt_identity.accounts.store import USERS
from xbt_identity.settings import IdentitySettings
from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant

TENANT = "heping"
PASSWORD = "bench-Pa55word-2026"
LOGIN_PATH = "/v1/auth/login"
_DEFAULTS = {name: f.default for name, f in IdentitySettings.model_fields.items()}
# identity's own parameters (OWASP argon2id: m=19456 KiB, t=2, p=1)...
ARGON2: dict[str, int] = {
    "time_cost": _DEFAULTS["argon2_time_cost"],
    "memory_cost": _DEFAULTS["argon2_memory_kib"],
    "parallelism": _DEFAULTS["argon2_parallelism"],
}
# ... and its pool of hashing threads (XBT_IDENTITY_HASH_THREADS), which the bare loop copies.
HASH_THREADS: int = _DEFAULTS["hash_threads"]
JSON_HEADERS = {"Content-Type": "application/json"}


def identity_env() -> dict[str, str]:
    """Pin identity to the parameters the bare loop uses, whatever the caller's env says."""
    return {
        "XBT_IDENTITY_ARGON2_TIME_COST": str(ARGON2["time_cost"]),
        "XBT_IDENTITY_ARGON2_MEMORY_KIB": str(ARGON2["memory_cost"]),
        "XBT_IDENTITY_ARGON2_PARALLELISM": str(ARGON2["parallelism"]),
        "XBT_IDENTITY_HASH_THREADS": str(HASH_THREADS),
    }


def hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=ARGON2["time_cost"],
        memory_cost=ARGON2["memory_cost"],
        parallelism=ARGON2["parallelism"],
    )


class Accounts:
    """The bench usernames, handed out round-robin across every phase of the run."""

    def __init__(self, count: int) -> None:
        self.usernames = [f"bench{i:05d}" for i in range(count)]
        self._next = 0

    def next(self) -> str:
        name = self.usernames[self._next % len(self.usernames)]
        self._next += 1
        return name

    @property
    def used(self) -> int:
        return self._next


async def create_accounts(env: dict[str, Any], accounts: Accounts, password_hash: str) -> float:
    """Insert the accounts (shaped like seed.py's users); returns the seconds it took."""
    started = time.perf_counter()
    mongo = Mongo(env["mongodb_uri"], service="identity", db_prefix=env["db_prefix"])
    now = datetime.now(UTC)
    docs = [
        {
            "_id": f"u-bench-{i:05d}",
            "username": username,
            "name": f"压测学生{i}",
            "roles": ["student"],
            "school_id": "hp-sy-zx",
            "class_ids": [],
            "teaching": [],
            "student_no": None,
            "password_hash": password_hash,
            "must_change_password": False,
            "disabled": False,
            "created_at": now,
            "created_by": "bench",
        }
        for i, username in enumerate(accounts.usernames)
    ]
    try:
        users = mongo.for_tenant(Tenant(TENANT))[USERS]
        for start in range(0, len(docs), 500):
            await users.insert_many(docs[start : start + 500], ordered=False)
    finally:
        await mongo.close()
    return time.perf_counter() - started


@dataclass(frozen=True, slots=True)
class HashRate:
    threads: int
    verifies: int
    seconds: float
    # Cores used meanwhile, per process (see tests/bench/cpu.py).
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.verifies / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "threads": self.threads,
            "verifies": self.verifies,
            "duration_s": round(self.seconds, 3),
            "per_second": round(self.rate, 2),
            "cpu_cores": self.cpu,
        }


def argon2_loop(password_hash: str, seconds: float, threads: int = HASH_THREADS) -> HashRate:
    """`PasswordHasher.verify` in a bare loop on `threads` threads (argon2 drops the GIL)."""
    ph = hasher()
    ph.verify(password_hash, PASSWORD)  # first-use costs out of the window
    counts = [0] * threads
    elapsed = [0.0] * threads
    barrier = threading.Barrier(threads)

    def loop(slot: int) -> None:
        barrier.wait()
        started = time.perf_counter()
        stop = started + seconds
        n = 0
        while time.perf_counter() < stop:
            ph.verify(password_hash, PASSWORD)
            n += 1
        counts[slot] = n
        elapsed[slot] = time.perf_counter() - started

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # Each thread overshoots its window by at most one verify: use the mean window.
    return HashRate(threads, sum(counts), sum(elapsed) / threads)


def combine(parts: list[HashRate]) -> HashRate:
    """The parts as one measurement (CPU use weighted by each part's length)."""
    seconds = sum(p.seconds for p in parts) or 1e-9
    names = {name for p in parts for name in p.cpu}
    cpu = {
        name: round(sum(p.cpu.get(name, 0.0) * p.seconds for p in parts) / seconds, 2)
        for name in sorted(names)
    }
    return HashRate(parts[0].threads, sum(p.verifies for p in parts), seconds, cpu)


def login_scenario(name: str, base: str, accounts: Accounts, spec: LoadSpec) -> Scenario:
    """POST logins at `base` + /v1/auth/login (base: identity, or the gateway's prefix)."""
    url = f"{base}{LOGIN_PATH}"

    def make(_: int) -> Request:
        body = {"tenant": TENANT, "username": accounts.next(), "password": PASSWORD}
        return Request("POST", url, JSON_HEADERS, json.dumps(body).encode())

    return Scenario(name, make, spec)
