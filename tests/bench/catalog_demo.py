"""How long building the catalog's demo documents takes (`xbt_catalog.seed.loader`).

`make run` and the end-to-end suite seed these documents at every start; the bound keeps that
step quick. It ran as an assertion in the catalog's unit tests; timing belongs here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from xbt_catalog.seed import loader

# Building every demo document from the data files must stay well under this.
BOUND_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class DemoBuild:
    seconds: float
    sizes: dict[str, int]

    @property
    def within_bound(self) -> bool:
        return self.seconds < BOUND_SECONDS

    def line(self) -> str:
        sizes = ", ".join(f"{name} {n}" for name, n in self.sizes.items())
        verdict = "ok" if self.within_bound else f"over the {BOUND_SECONDS:.0f} s bound"
        return f"catalog demo documents built in {self.seconds:.2f} s ({sizes}): {verdict}"


def demo_build() -> DemoBuild:
    """Build every demo document once and time it (the data files themselves are read when
    the loader is first imported)."""
    start = time.perf_counter()
    docs = loader.all_documents()
    elapsed = time.perf_counter() - start
    return DemoBuild(seconds=elapsed, sizes={name: len(rows) for name, rows in docs.items()})


if __name__ == "__main__":
    result = demo_build()
    print(result.line())
    raise SystemExit(0 if result.within_bound else 1)
