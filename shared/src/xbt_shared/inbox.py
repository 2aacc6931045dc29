"""The idempotent consumer: an event's effect happens once, however often it arrives.

The handler's effect and the record "event <id> processed" are written in one transaction
in the consuming service's tenant database. A redelivered event finds its record and does
nothing; two concurrent deliveries collide on the record's unique `_id` and one rolls back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import INBOX, TenantDb, UnitOfWork
from xbt_shared.transactions import run_in_transaction

Effect = Callable[[UnitOfWork], Awaitable[None]]


async def process_once(tdb: TenantDb, event: CloudEvent, effect: Effect, *, tries: int = 5) -> bool:
    """Run `effect` for `event` unless it ran before; True if it ran now.

    Two deliveries racing each other may also meet as a transaction write conflict rather
    than a duplicate key (whichever the server notices first); the loser runs again, and
    then meets the winner's record as a duplicate key."""
    if await tdb[INBOX].find_one({"_id": event.id}, {"_id": 1}) is not None:
        return False

    async def record_and_apply(uow: UnitOfWork) -> None:
        await uow[INBOX].insert_one(
            {"_id": event.id, "type": event.type, "processed_at": datetime.now(UTC)},
            session=uow.session,
        )
        await effect(uow)

    try:
        await run_in_transaction(tdb, record_and_apply, tries=tries)
    except DuplicateKeyError as exc:
        if _is_inbox_collision(exc):
            return False
        raise
    return True


def _is_inbox_collision(exc: DuplicateKeyError) -> bool:
    details = exc.details or {}
    key_pattern = details.get("keyPattern") or {}
    return set(key_pattern) in ({"_id"}, set()) and INBOX in str(exc)
