"""Schools and teachers for the demo content (real Tianjin school names, invented teachers)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from xbt_catalog.seed.data import sheet, table

# (tenant, school name, kind): kind 小学 covers grades 1-6, 中学 grades 7-12.
SCHOOLS: list[tuple[str, str, str]] = [
    (row["tenant"], row["name"], row["kind"]) for row in sheet("schools.csv")
]

_SURNAMES = table("names.json", "surnames")
_GIVEN = table("names.json", "given_names")


@dataclass(frozen=True, slots=True)
class Teacher:
    name: str
    school: str
    tenant: str


def teacher_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


class Teachers:
    """A stable pool of teachers per (tenant or None for anywhere, stage kind, subject), so
    the same teacher turns up across several recordings, as on the real platform."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._pools: dict[tuple[str | None, str, str], list[Teacher]] = {}

    def pick(self, stage: str, subject: str, tenant: str | None = None) -> Teacher:
        kind = "小学" if stage == "小学" else "中学"
        key = (tenant, kind, subject)
        pool = self._pools.get(key)
        if pool is None:
            schools = [(t, n) for t, n, k in SCHOOLS if k == kind and tenant in (None, t)]
            size = 10 if tenant is None else 4
            pool = []
            for _ in range(size):
                t, school = self._rng.choice(schools)
                pool.append(Teacher(teacher_name(self._rng), school, t))
            self._pools[key] = pool
        return self._rng.choice(pool)
