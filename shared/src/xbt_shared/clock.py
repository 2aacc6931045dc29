"""The one clock the services stamp documents with."""

from __future__ import annotations

from datetime import UTC, datetime


def now_ms() -> datetime:
    """Now in UTC, to the millisecond: MongoDB keeps milliseconds, so a stamp compared with a
    stored one (a revision check, a due time) must be cut the same way."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
