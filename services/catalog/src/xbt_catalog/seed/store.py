"""Writes the demo documents into each owner's database, leaving existing ones alone.

Idempotent: every document has a fixed id; existing ones are kept, so a second `make run` on
the same day adds nothing and keeps what users changed (on a later day: that day's TV
broadcasts and the replays of those ended since).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from pymongo.errors import BulkWriteError

from xbt_catalog.seed import loader
from xbt_catalog.seed.common import seed_moment
from xbt_catalog.seed.research import research, research_tenant
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

# collection -> generator of its demo documents as of the seed moment
DEMO: dict[str, Callable[[datetime], Iterable[Doc]]] = {
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


async def insert_missing(
    mongo: Mongo, collection: str, docs: Iterable[Doc], *, tenant: str | None = None
) -> int:
    """Insert the documents not there yet, each into its owner's database (`tenant` when
    given, else the document's provider's); how many were new."""
    by_tenant: dict[str, list[Doc]] = {}
    for doc in docs:
        by_tenant.setdefault(tenant or owner_of(doc), []).append(doc)
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


async def seed(mongo: Mongo, now: datetime | None = None) -> dict[str, int]:
    """Insert the demo documents that are missing, dated as of `now` (default: the current
    time; see `loader`); how many of each collection were new."""
    moment = seed_moment(now)
    created = {name: await insert_missing(mongo, name, make(moment)) for name, make in DEMO.items()}
    # 网络教研 belongs to one district: its groups and plans go into that district's database.
    district = research_tenant()
    for name, docs in research(moment).items():
        created[name] = await insert_missing(mongo, name, docs, tenant=district)
    return created
