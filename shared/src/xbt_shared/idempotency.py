"""Requests a client may send again (`Idempotency-Key`): the first answer, replayed.

A keyed write stores its answer under the key, in the same transaction as the write itself,
so either both are there or neither is. A retry with the same key and the same request gets
that answer again (and the client learns it is a replay); the same key with a different
request is refused with 422, since the client has mixed up its keys. Concurrent copies of
one request collide on the record's `_id`: one commits, the others find its answer.

Records expire (TTL on `expires_at`); a client retries within minutes, not days.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Problem
from xbt_shared.mongo import Doc, TenantDb, UnitOfWork, is_transient
from xbt_shared.transactions import DEFAULT_TRIES, backoff

IDEMPOTENCY = "idempotency"
DEFAULT_TTL = timedelta(hours=48)


class IdempotencyKeyReused(Problem):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key used for another request"


def request_digest(payload: Any) -> str:
    """What identifies a request's content: the same digest means the same request."""
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


class Idempotent:
    """One request that may carry an `Idempotency-Key` (without one, `run` simply runs it).

    `scope` names the kind of request (a question, a like), so one key used for two kinds is
    two records; `actor` is the caller, so one user's key never answers another user."""

    def __init__(
        self,
        tdb: TenantDb,
        *,
        scope: str,
        actor: str,
        key: str | None,
        digest: str,
        collection: str = IDEMPOTENCY,
        ttl: timedelta = DEFAULT_TTL,
        reused_detail: str = "this Idempotency-Key was used for a different request; use a new key",
    ) -> None:
        self.tdb = tdb
        self.scope = scope
        self.actor = actor
        self.key = key
        self.digest = digest
        self.collection = collection
        self.ttl = ttl
        self.reused_detail = reused_detail

    @property
    def record_id(self) -> str | None:
        if self.key is None:
            return None
        if not self.scope:
            return f"{self.actor}:{self.key}"
        return f"{self.scope}:{self.actor}:{self.key}"

    async def replayed(self) -> Doc | None:
        """The answer stored for this key, if any; 422 if it was for another request."""
        if self.record_id is None:
            return None
        record = await self.tdb[self.collection].find_one({"_id": self.record_id})
        if record is None:
            return None
        if record["digest"] != self.digest:
            raise IdempotencyKeyReused(self.reused_detail)
        answer: Doc = record["response"]
        return answer

    async def remember(self, uow: UnitOfWork, answer: Doc) -> None:
        """Store `answer` in the caller's transaction: a concurrent request with this key
        collides here (duplicate key or write conflict) and is rolled back."""
        if self.record_id is None:
            return
        await uow[self.collection].insert_one(
            {
                "_id": self.record_id,
                "digest": self.digest,
                "response": answer,
                "expires_at": now_ms() + self.ttl,
            },
            session=uow.session,
        )

    async def run(
        self,
        work: Callable[[UnitOfWork], Awaitable[Doc]],
        *,
        tries: int = DEFAULT_TRIES,
        retry_on: tuple[type[BaseException], ...] = (),
        busy_detail: str = "too many requests at once for this item; try again",
    ) -> tuple[Doc, bool]:
        """(the answer, whether it replays an earlier request's).

        The first try does not look the key up: a new key is the common case, and a used one
        collides with its record in the transaction anyway."""
        for attempt in range(tries):
            if attempt > 0:
                replay = await self.replayed()
                if replay is not None:
                    return replay, True
            try:
                return await self._run_once(work), False
            except retry_on:
                pass  # the caller's own race (a Problem among them is retried, not answered)
            except Problem:
                # A retry of work accepted before may now be refused (no attempts left, a
                # file already handed in): it gets the first answer, not the refusal.
                if attempt == 0:
                    replay = await self.replayed()
                    if replay is not None:
                        return replay, True
                raise
            except DuplicateKeyError:
                pass  # a concurrent request with the same key (or the same new document)
            except OperationFailure as exc:
                if not is_transient(exc):
                    raise
            await asyncio.sleep(backoff(attempt))
        raise Conflict(busy_detail)

    async def _run_once(self, work: Callable[[UnitOfWork], Awaitable[Doc]]) -> Doc:
        async with self.tdb.unit_of_work() as uow:
            answer = await work(uow)
            await self.remember(uow, answer)
        return answer


async def ensure_idempotency_indexes(tdb: TenantDb, collection: str = IDEMPOTENCY) -> None:
    await tdb[collection].create_index("expires_at", expireAfterSeconds=0)
