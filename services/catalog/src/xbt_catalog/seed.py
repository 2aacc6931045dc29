"""Demo data for `make run`: textbooks, resources, courses, the TV schedule, the question bank.

Idempotent: every document has a fixed id; existing ones are left alone, so a second
`make run` adds nothing and keeps what users changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from pymongo.errors import BulkWriteError

from xbt_catalog import demo
from xbt_catalog.main import ensure_indexes
from xbt_catalog.service import CACHE_NAMESPACE
from xbt_catalog.settings import CatalogSettings
from xbt_shared.cache import VersionedCache
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.runtime import Runtime
from xbt_shared.tenancy import ALL_TENANTS, CITY, Tenant

# collection -> generator of its demo documents
DEMO: dict[str, Callable[[], Iterable[Doc]]] = {
    "textbooks": demo.textbooks,
    "resources": demo.resources,
    "courses": demo.courses,
    "tv_schedule": demo.tv_schedule,
    "knowledge_points": demo.knowledge_points,
    "items": demo.items,
}


def owner_of(doc: Doc) -> str:
    provider = doc.get("provider") or {}
    return str(provider.get("tenant") or CITY)


async def insert_missing(mongo: Mongo, collection: str, docs: Iterable[Doc]) -> int:
    by_tenant: dict[str, list[Doc]] = {}
    for doc in docs:
        by_tenant.setdefault(owner_of(doc), []).append(doc)
    created = 0
    for tenant, batch in by_tenant.items():
        coll = mongo.for_tenant(Tenant(tenant))[collection]
        existing = {d["_id"] async for d in coll.find({}, {"_id": 1})}
        fresh = [d for d in batch if d["_id"] not in existing]
        for start in range(0, len(fresh), 1000):
            try:
                result = await coll.insert_many(fresh[start : start + 1000], ordered=False)
                created += len(result.inserted_ids)
            except BulkWriteError as exc:  # another seeder got there first
                created += int(exc.details.get("nInserted", 0))
    return created


async def seed(mongo: Mongo) -> dict[str, int]:
    return {name: await insert_missing(mongo, name, make()) for name, make in DEMO.items()}


async def main() -> None:
    settings = CatalogSettings()
    runtime = Runtime(settings, service="catalog")
    try:
        await ensure_indexes(runtime)
        created = await seed(runtime.mongo)
        if any(created.values()):
            # Answers cached before this seed (Redis outlives `make run`) must not be served.
            cache = VersionedCache(
                runtime.redis, prefix=runtime.redis_prefix, namespace=CACHE_NAMESPACE
            )
            for tenant in ALL_TENANTS:
                await cache.invalidate(tenant.id)
        print(
            "  catalog demo data: created "
            + ", ".join(f"{n} {name}" for name, n in created.items())
            + " (existing ones kept)"
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
