"""The idempotent consumer: an event's effect happens once, however often it arrives.

The handler's effect and the record "event <id> processed" are written in one transaction
in the consuming service's tenant database. A redelivered event finds its record and does
nothing; two concurrent deliveries collide on the record's unique `_id` and one rolls back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError, OperationFailure

from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import INBOX, TenantDb, UnitOfWork, is_transient

Effect = Callable[[UnitOfWork], Awaitable[None]]


async def process_once(tdb: TenantDb, event: CloudEvent, effect: Effect, *, tries: int = 5) -> bool:
    """Run `effect` for `event` unless it ran before; True if it ran now.

    Two deliveries racing each other may also meet as a transaction write conflict rather
    than a duplicate key (whichever the server notices first); the loser looks again, and
    finds the winner's record once that commits."""
    for attempt in range(tries):
        if await tdb[INBOX].find_one({"_id": event.id}, {"_id": 1}) is not None:
            return False
        try:
            async with tdb.unit_of_work() as uow:
                await uow[INBOX].insert_one(
                    {"_id": event.id, "type": event.type, "processed_at": datetime.now(UTC)},
                    session=uow.session,
                )
                await effect(uow)
        except DuplicateKeyError as exc:
            if _is_inbox_collision(exc):
                return False
            raise
        except OperationFailure as exc:
            if not is_transient(exc) or attempt == tries - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)
            continue
        return True
    return False  # unreachable: the last try returns or raises


def _is_inbox_collision(exc: DuplicateKeyError) -> bool:
    details = exc.details or {}
    key_pattern = details.get("keyPattern") or {}
    return set(key_pattern) in ({"_id"}, set()) and INBOX in str(exc)
