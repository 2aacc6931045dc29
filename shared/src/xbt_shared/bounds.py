"""Bounds every request shares: instants in a sane range, page numbers with a ceiling.

Without them a task due `9999-12-31T23:59:59Z` is accepted and then breaks every view that
converts it to Beijing time (`OverflowError`), and `?page=99999999999999999999` overflows
the database driver's integer: both were a 500. A request field or query parameter that is a
date-time uses `Instant`; a page number uses `PageNumber`; `tests/architecture` checks that
every integer query parameter of every service declares a minimum and a maximum.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, Field

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# Deeper than any list a person pages through; small enough that `(page - 1) * size` stays
# far inside a 64-bit integer.
MAX_PAGE = 1000


def _in_range(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(
            f"时间须在 {EARLIEST.year} 年至 {LATEST.year - 1} 年之间 "
            f"(a time between {EARLIEST.year} and {LATEST.year - 1})"
        )
    return value


# A point in time with its offset (`2026-03-09T15:00:00+08:00`), between 2000 and 2099.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_in_range),
    Field(json_schema_extra={"x-earliest": EARLIEST.isoformat(), "x-latest": LATEST.isoformat()}),
]

# `?page=` of a paginated list: 1 to MAX_PAGE.
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE}")]
