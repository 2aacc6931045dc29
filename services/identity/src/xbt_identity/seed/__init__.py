"""Demo data for `make run`: the schools, classes and documented demo accounts.

`data/demo.json` holds the content, `loader` writes what is missing;
`python -m xbt_identity.seed` does it against the configured databases.
"""

from __future__ import annotations

from xbt_identity.seed.loader import CLASSES, DEMO_PASSWORD, demo_schools, demo_users, seed

__all__ = ["CLASSES", "DEMO_PASSWORD", "demo_schools", "demo_users", "seed"]
