"""Tenant-bound MongoDB access and the unit of work.

A service never gets a bare collection: it gets a `TenantDb` for one tenant, which picks the
database `<prefix><service>_<tenant>`. The unit of work runs one transaction and writes the
events recorded during it to that tenant's outbox, so state and events commit together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Self, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from xbt_shared.envelope import CloudEvent
from xbt_shared.events import Event
from xbt_shared.tenancy import ALL_TENANTS, Tenant

Doc = dict[str, Any]
T = TypeVar("T")

OUTBOX = "outbox"
INBOX = "inbox"


class UndeclaredEvent(RuntimeError):
    """A use case recorded an event its service does not declare: a bug, not bad input."""


def is_transient(exc: PyMongoError) -> bool:
    """A transaction that lost a race with another commit (a write conflict): nothing it
    wrote stays, and running it again may well succeed."""
    return exc.has_error_label("TransientTransactionError") or getattr(exc, "code", None) == 112


class Mongo:
    """The process' MongoDB client and the naming of its databases."""

    def __init__(self, uri: str, *, service: str, db_prefix: str = "") -> None:
        self.client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, serverSelectionTimeoutMS=5000, maxPoolSize=50
        )
        self.service = service
        self.db_prefix = db_prefix
        # Set by the runtime to wake the outbox relay after a commit that wrote events.
        # Told which tenant's outbox a commit wrote to (the relay looks there at once).
        self.on_events_committed: Callable[[Tenant], None] | None = None
        # One `TenantDb` per tenant for the life of the process: 17 of them at most, and a
        # request asks for its tenant's one on every call.
        self._tenant_dbs: dict[Tenant, TenantDb] = {}
        # The event types the service declares (its `events.PUBLISHES`), once it has said.
        self.declared_events: frozenset[str] | None = None

    def database_name(self, tenant: Tenant) -> str:
        return f"{self.db_prefix}{self.service}_{tenant.id}"

    def for_tenant(self, tenant: Tenant) -> TenantDb:
        tdb = self._tenant_dbs.get(tenant)
        if tdb is None:
            tdb = self._tenant_dbs[tenant] = TenantDb(self, tenant)
        return tdb

    def platform_db(self) -> AsyncDatabase[Doc]:
        """Data that belongs to no tenant (signing keys, registered OIDC clients)."""
        return self.client[f"{self.db_prefix}{self.service}_platform"]

    def all_tenants(self) -> Iterable[TenantDb]:
        """Every tenant's database, for the few jobs that loop over districts explicitly."""
        return (self.for_tenant(t) for t in ALL_TENANTS)

    async def ping(self) -> None:
        await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()


class TenantDb:
    """One tenant's database of one service. The only way to reach a collection."""

    def __init__(self, mongo: Mongo, tenant: Tenant) -> None:
        self.mongo = mongo
        self.tenant = tenant
        self.db: AsyncDatabase[Doc] = mongo.client[mongo.database_name(tenant)]

    def __getitem__(self, name: str) -> AsyncCollection[Doc]:
        return self.db[name]

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed when the block ends, aborted if it raises. Most callers
        want `transaction(work)`, which also runs it again after a write conflict."""
        async with self.mongo.client.start_session() as session:
            uow = UnitOfWork(self, session)
            await session.start_transaction()
            try:
                yield uow
                wrote_events = await uow._flush_events()
            except BaseException:
                if session.in_transaction:
                    await session.abort_transaction()
                raise
            await _commit(session)
            if wrote_events and self.mongo.on_events_committed is not None:
                self.mongo.on_events_committed(self.tenant)

    async def transaction(
        self,
        work: Callable[[UnitOfWork], Awaitable[T]],
        *,
        tries: int = 8,
        retry_on: tuple[type[BaseException], ...] = (),
    ) -> T:
        """`run_in_transaction` in this tenant's database."""
        from xbt_shared.transactions import run_in_transaction

        return await run_in_transaction(self, work, tries=tries, retry_on=retry_on)


# A commit whose answer was lost may have applied: it is committed again (the server
# answers the same for a transaction it already committed), never run again.
COMMIT_TRIES = 5


async def _commit(session: AsyncClientSession) -> None:
    for attempt in range(COMMIT_TRIES):
        try:
            await session.commit_transaction()
            return
        except PyMongoError as exc:
            unknown = exc.has_error_label("UnknownTransactionCommitResult")
            if not unknown or attempt == COMMIT_TRIES - 1:
                raise
            await asyncio.sleep(0.01 * 2**attempt)


class UnitOfWork:
    """One transaction in one tenant's database, with the events it will publish."""

    def __init__(self, tdb: TenantDb, session: AsyncClientSession) -> None:
        self.tdb = tdb
        self.session = session
        self.tenant = tdb.tenant
        self._events: list[CloudEvent] = []

    def __getitem__(self, name: str) -> AsyncCollection[Doc]:
        return self.tdb[name]

    def emit(self, type: str, data: dict[str, Any], *, subject: str | None = None) -> CloudEvent:
        event = CloudEvent.new(
            source=f"/xbt/{self.tdb.mongo.service}",
            type=type,
            tenant=self.tenant.id,
            data=data,
            subject=subject,
        )
        self._events.append(event)
        return event

    def record(self, event: Event, *, subject: str | None = None) -> CloudEvent:
        """Emit a contract model from a service's events.py (its `TYPE` names the event).
        An event the service does not declare in `events.PUBLISHES` is refused: the AsyncAPI
        document and the contract tests would not know it."""
        declared = self.tdb.mongo.declared_events
        if declared is not None and event.TYPE not in declared:
            raise UndeclaredEvent(f"{event.TYPE} is not in {self.tdb.mongo.service}'s PUBLISHES")
        return self.emit(event.TYPE, event.model_dump(mode="json"), subject=subject)

    @property
    def events(self) -> list[CloudEvent]:
        return list(self._events)

    async def _flush_events(self) -> bool:
        if not self._events:
            return False
        rows = [outbox_row(e) for e in self._events]
        await self.tdb[OUTBOX].insert_many(rows, session=self.session)
        self._events.clear()
        return True


class TenantStore:
    """The base of every feature's store: bound to one tenant's database. Built with a unit
    of work (`Store(uow)` or `Store.within(uow)`), it reads and writes inside that
    transaction; built with a `TenantDb`, directly."""

    def __init__(self, db: TenantDb | UnitOfWork) -> None:
        self.tdb: TenantDb = db.tdb if isinstance(db, UnitOfWork) else db
        self.session: AsyncClientSession | None = db.session if isinstance(db, UnitOfWork) else None

    @classmethod
    def within(cls, uow: UnitOfWork) -> Self:
        return cls(uow)

    @property
    def tenant(self) -> Tenant:
        return self.tdb.tenant


def outbox_row(event: CloudEvent) -> Doc:
    return {
        "_id": event.id,
        "routing_key": event.routing_key,
        "event": event.model_dump(mode="json"),
        "created_at": event.time,
        "published_at": None,
        "claimed_until": None,
        "attempts": 0,
    }


# Published outbox rows and processed inbox records are kept this long (to trace an event
# back), then the server's TTL monitor removes them: both collections would otherwise grow
# with every event the city ever produced. Far longer than any redelivery (retries come
# within minutes), so an inbox record never expires while its event can still arrive.
EVENT_RECORDS_KEPT = timedelta(days=7)


async def ensure_event_indexes(tdb: TenantDb) -> None:
    """The outbox's and the inbox's indexes in one tenant database."""
    kept = int(EVENT_RECORDS_KEPT.total_seconds())
    await tdb[OUTBOX].create_index([("published_at", 1), ("created_at", 1)])
    # Unpublished rows (published_at null) are never removed: TTL only takes dates.
    await tdb[OUTBOX].create_index("published_at", expireAfterSeconds=kept)
    await tdb[INBOX].create_index("processed_at", expireAfterSeconds=kept)
