"""Writes the demo documents into each owner's database, leaving existing ones alone.

Idempotent: every document has a fixed id; existing ones are kept, so a second `make run`
adds nothing and keeps what users changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pymongo.errors import BulkWriteError

from xbt_catalog.seed import loader
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

# collection -> generator of its demo documents
DEMO: dict[str, Callable[[], Iterable[Doc]]] = {
    "textbooks": loader.textbooks,
    "resources": loader.resources,
    "courses": loader.courses,
    "tv_schedule": loader.tv_schedule,
    "knowledge_points": loader.knowledge_points,
    "items": loader.items,
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
    """Insert the demo documents that are missing; how many of each collection were new."""
    return {name: await insert_missing(mongo, name, make()) for name, make in DEMO.items()}
