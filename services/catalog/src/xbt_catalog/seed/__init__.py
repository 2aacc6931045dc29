"""Demo data for `make run`: textbooks, resources, courses, the TV schedule, the question bank.

`data/` holds the content (JSON and CSV), `loader` turns it into documents, `store` writes
the missing ones; `python -m xbt_catalog.seed` does it against the configured MongoDB.
"""

from __future__ import annotations

from xbt_catalog.seed.store import owner_of, seed

__all__ = ["owner_of", "seed"]
