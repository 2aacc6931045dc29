"""View counts: counted in Redis on every read, written to MongoDB in batches.

A popular lesson may be opened thousands of times a minute on the first morning; one
database write per view would melt the database. Each view is one HINCRBY on the owning
tenant's hash; a flusher renames the hash away (atomic hand-over: views arriving meanwhile
start a new hash) and writes the counts with one bulk update per tenant.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from xbt_catalog.resources.store import ResourceStore
from xbt_shared.clock import now_ms
from xbt_shared.mongo import Mongo
from xbt_shared.periodic import Periodic
from xbt_shared.runtime import redis_key
from xbt_shared.tenancy import ALL_TENANTS, Tenant

log = logging.getLogger("xbt.catalog.views")


class ViewCounter:
    def __init__(self, redis: Redis, mongo: Mongo, *, prefix: str, interval: float) -> None:
        self.redis = redis
        self.mongo = mongo
        self.prefix = prefix
        self._loop = Periodic("view-flusher", self._flush_step, interval=interval)

    def _key(self, tenant: str) -> str:
        return redis_key(self.prefix, tenant, "catalog", "views")

    def counter(self, owner_tenant: str, resource_id: str) -> tuple[str, str]:
        """Where views of a resource that lives in `owner_tenant`'s database are counted:
        (hash key, field). The gateway counts there too when it answers from its copy."""
        return self._key(owner_tenant), resource_id

    async def count(self, key: str, field: str) -> None:
        """One view, on a counter from `counter`."""
        await self.redis.hincrby(key, field, 1)

    async def pending(self, owner_tenant: str, resource_id: str) -> int:
        value = await self.redis.hget(self._key(owner_tenant), resource_id)
        return int(value or 0)

    async def flush(self) -> int:
        """Write every tenant's counted views to its database; returns how many views."""
        total = 0
        for tenant in ALL_TENANTS:
            key = self._key(tenant.id)
            batch = f"{key}:flushing:{uuid.uuid4().hex}"
            try:
                await self.redis.rename(key, batch)
            except ResponseError:  # no such key: no views counted since the last flush
                continue
            counts = {str(rid): int(n) for rid, n in (await self.redis.hgetall(batch)).items()}
            try:
                store = ResourceStore(self.mongo.for_tenant(Tenant(tenant.id)))
                # Milliseconds, as stored: the index follower compares stamps with stored ones.
                await store.add_views(counts, at=now_ms())
            except Exception:
                # Give the counts back rather than lose them; the next flush retries.
                async with self.redis.pipeline(transaction=False) as pipe:
                    for rid, n in counts.items():
                        pipe.hincrby(key, rid, n)
                    await pipe.execute()
                log.exception("could not write view counts for %s; kept for later", tenant.id)
                await self.redis.delete(batch)
                continue
            await self.redis.delete(batch)
            total += sum(counts.values())
        return total

    async def _flush_step(self) -> bool:
        await self.flush()
        return False

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        with contextlib.suppress(Exception):
            await self.flush()  # hand the last counts over before the process ends
