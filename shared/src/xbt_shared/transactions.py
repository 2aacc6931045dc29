"""One way to run a transaction: retried as pymongo's `with_transaction` retries it.

Two commits that touch the same document race; the loser's transaction is aborted by the
server with a write conflict (label `TransientTransactionError`), and running it again from
the start usually succeeds. A commit whose answer was lost on the way back
(`UnknownTransactionCommitResult`) is committed again, not run again: it may have applied.
Use cases hand their work to `run_in_transaction` instead of writing their own loop.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from pymongo.errors import DuplicateKeyError, PyMongoError

from xbt_shared.mongo import is_transient

if TYPE_CHECKING:
    from xbt_shared.mongo import TenantDb, UnitOfWork

T = TypeVar("T")

Work = Callable[["UnitOfWork"], Awaitable[T]]

DEFAULT_TRIES = 8

# A concurrent request inserted the same document first (same `_id` or unique key). Pass it
# as `retry_on` where the next try finds that document and decides again, or catch it
# (`except CONCURRENT_INSERT`): services name the race without importing the driver.
CONCURRENT_INSERT: tuple[type[BaseException], ...] = (DuplicateKeyError,)


def backoff(attempt: int) -> float:
    """Seconds to wait before try `attempt + 1`: short, growing, and spread so that two
    racing requests do not meet again at once."""
    return min(0.01 * 2**attempt, 0.2) * random.uniform(0.5, 1.5)


async def run_in_transaction(
    tdb: TenantDb,
    work: Work[T],
    *,
    tries: int = DEFAULT_TRIES,
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """Run `work` in one transaction of `tdb` (with its events in the outbox) and return what
    it returns. Tried again from the start after a write conflict or any `retry_on` exception,
    up to `tries` times; then the last error is raised. Anything else propagates at once."""
    for attempt in range(tries):
        try:
            async with tdb.unit_of_work() as uow:
                result = await work(uow)
            return result
        except PyMongoError as exc:
            if not is_transient(exc) and not isinstance(exc, retry_on):
                raise
            if attempt == tries - 1:
                raise
        except retry_on:
            if attempt == tries - 1:
                raise
        await asyncio.sleep(backoff(attempt))
    raise AssertionError("unreachable: the last try returns or raises")
