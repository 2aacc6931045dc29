"""The outbox relay: publishes committed events, then marks them sent.

Events were written to each tenant's `outbox` collection in the same transaction as the
state change. The relay claims a batch (a lease, so several replicas don't publish the same
rows at once), publishes them with many confirms in flight, and marks only the confirmed
ones sent. If the broker is down or the connection drops, rows stay unsent and are retried:
an event can be published more than once in a crash, never zero times, and consumers are
idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Gauge
from pymongo.errors import PyMongoError

from xbt_shared.bus import EventBus
from xbt_shared.mongo import OUTBOX, Doc, Mongo, TenantDb, UnitOfWork, is_transient
from xbt_shared.periodic import Periodic
from xbt_shared.tenancy import Tenant
from xbt_shared.transactions import run_in_transaction

log = logging.getLogger("xbt.outbox")

# Marking published rows: how many times to try, losing races with commits.
MARK_TRIES = 20
# After losing a claim to a commit in flight, the pause before the next pass.
CLAIM_PAUSE_SECONDS = 0.01
# Commits wake the relay at once (`notify`, or a nudge from an API process through Redis:
# xbt_shared.nudge); the poll only finds rows whose wake-up was lost (Redis down, a crash,
# another replica's lease running out), so it can be unhurried: each pass is one query per
# tenant database.
POLL_SECONDS = 2.0

RELAYED = Counter("xbt_outbox_relayed_total", "Outbox rows published", ["service"])
RELAY_FAILURES = Counter("xbt_outbox_publish_failures_total", "Failed publishes", ["service"])
PENDING = Gauge("xbt_outbox_pending", "Unsent outbox rows seen in the last pass", ["service"])


def _unleased(now: datetime) -> dict[str, Any]:
    """No lease, or one that ran out: null, missing or before `now`. Written without a
    top-level `$or`, which keeps every server able to serve the filter from an index (the
    pending rows by `published_at`, the claim by `_id`) rather than walk the whole outbox,
    published rows included."""
    return {"$not": {"$gte": now}}


class OutboxRelay:
    def __init__(
        self,
        mongo: Mongo,
        bus: EventBus,
        *,
        batch_size: int = 200,
        idle_interval: float = POLL_SECONDS,
        lease_seconds: float = 30.0,
    ) -> None:
        self.mongo = mongo
        self.bus = bus
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = uuid.uuid4().hex
        self._loop = Periodic("outbox-relay", self._pass, interval=idle_interval)
        # Tenants whose outbox to look at on the next pass; every `idle_interval` a pass
        # looks at all of them. In a burst, one district's commits cost one query per pass,
        # not one per district.
        self._due: set[str] = set()
        self._next_sweep = 0.0

    def notify(self, tenant: Tenant | None = None) -> None:
        """Called after a commit that wrote events in `tenant`'s outbox, so they go out
        without waiting for a poll (no tenant: look everywhere). Commits in this process
        call it directly; those of API processes without a relay reach it as a nudge."""
        if tenant is None:
            self._next_sweep = 0.0
        else:
            self._due.add(tenant.id)
        self._loop.wake()

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _pass(self) -> bool:
        """Relay what is due; True if a tenant may have more right away."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.idle_interval
            targets = [tdb.tenant.id for tdb in self.mongo.all_tenants()]
        else:
            targets = sorted(self._due)
        self._due = set()
        for tenant_id in targets:
            if await self.relay_tenant(self.mongo.for_tenant(Tenant(tenant_id))) >= self.batch_size:
                self._due.add(tenant_id)  # a full batch: there may be more
        return bool(self._due)

    async def relay_once(self) -> int:
        """One pass over every tenant's outbox; returns how many events were published."""
        total = 0
        for tdb in self.mongo.all_tenants():
            total += await self.relay_tenant(tdb)
        return total

    async def relay_tenant(self, tdb: TenantDb) -> int:
        outbox = tdb[OUTBOX]
        now = datetime.now(UTC)
        pending = {"published_at": None, "claimed_until": _unleased(now)}
        rows = [
            row async for row in outbox.find(pending).sort("created_at", 1).limit(self.batch_size)
        ]
        if not rows:
            return 0
        candidates = [row["_id"] for row in rows]
        claim = f"{self.owner}:{uuid.uuid4().hex}"
        claimed = await self._update(
            tdb,
            {"_id": {"$in": candidates}, **pending},
            {"$set": {"claimed_until": now + self.lease, "claim": claim}},
            tries=1,
        )
        if claimed is None:  # lost a race with a commit in flight: the next pass takes them
            self._due.add(tdb.tenant.id)
            await asyncio.sleep(CLAIM_PAUSE_SECONDS)  # not at once: let that commit finish
            return 0
        if claimed < len(rows):
            # Another relay took some of them since they were read: send only ours. By id
            # (the candidates): an index the server always has, whatever the outbox's size.
            rows = [
                row
                async for row in outbox.find(
                    {"_id": {"$in": candidates}, "claim": claim, "published_at": None}
                ).sort("created_at", 1)
            ]
        results = await asyncio.gather(
            *(self.bus.publish(row["event"]) for row in rows), return_exceptions=True
        )
        confirmed = [row["_id"] for row, res in zip(rows, results, strict=True) if res is None]
        failed = [row["_id"] for row, res in zip(rows, results, strict=True) if res is not None]
        if confirmed:
            # Should this never succeed, the lease runs out and the rows go out once more
            # (consumers are idempotent): published more than once, never lost.
            await self._update(
                tdb,
                {"_id": {"$in": confirmed}},
                {"$set": {"published_at": datetime.now(UTC)}, "$unset": {"claim": ""}},
                tries=MARK_TRIES,
            )
            RELAYED.labels(self.mongo.service).inc(len(confirmed))
        if failed:
            RELAY_FAILURES.labels(self.mongo.service).inc(len(failed))
            log.warning("%d events not confirmed; will retry", len(failed))
            # Release the lease at once so the next pass retries them.
            await self._update(
                tdb,
                {"_id": {"$in": failed}},
                {"$set": {"claimed_until": None}, "$inc": {"attempts": 1}, "$unset": {"claim": ""}},
                tries=MARK_TRIES,
            )
        return len(confirmed)

    async def _update(self, tdb: TenantDb, query: Doc, update: Doc, *, tries: int) -> int | None:
        """`update_many` on the outbox in a transaction of its own: how many rows it changed,
        or None if it conflicted with a commit in flight `tries` times (nothing written).

        The services' transactions insert into the same collection at the same moment. A
        multi-row write outside a transaction is retried by the server itself until it
        gets through, and a server may do that while holding the collection, so that the
        very inserts it waits for queue behind it: every submission of a deadline burst
        stalled for seconds. Inside a transaction a conflict comes back at once."""

        async def work(uow: UnitOfWork) -> int:
            result = await uow[OUTBOX].update_many(query, update, session=uow.session)
            return result.modified_count

        try:
            return await run_in_transaction(tdb, work, tries=tries)
        except PyMongoError as exc:
            if is_transient(exc):
                return None
            raise

    async def pending(self) -> int:
        count = 0
        for tdb in self.mongo.all_tenants():
            count += await tdb[OUTBOX].count_documents({"published_at": None})
        PENDING.labels(self.mongo.service).set(count)
        return count
