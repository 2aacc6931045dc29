"""The TV review lessons' broadcast slots (毕业年级复习专题课) in MongoDB: `tv_schedule`,
city content only, so only the city's database (`catalog_city`) holds one.
"""

from __future__ import annotations

from pymongo import ASCENDING

from xbt_shared.mongo import Doc, TenantStore

TV_SCHEDULE = "tv_schedule"


class ScheduleStore(TenantStore):
    """The TV schedule; only the city's database holds one."""

    async def ensure_indexes(self) -> None:
        if not self.tenant.is_city:
            return
        # Two-field indexes on purpose: the Mongo-wire test server drops the last day of a
        # `date` range under an equality prefix when the index has a field after `date`
        # (grade, date, start); these shapes answer the same queries correctly everywhere.
        await self.tdb[TV_SCHEDULE].create_index([("date", ASCENDING), ("start", ASCENDING)])
        await self.tdb[TV_SCHEDULE].create_index([("grade", ASCENDING), ("date", ASCENDING)])

    async def slots(
        self, *, first: str, last: str, grade: int | None = None, limit: int = 5000
    ) -> list[Doc]:
        """Slots from date `first` to `last` (ISO dates, inclusive), in broadcast order."""
        query: Doc = {"date": {"$gte": first, "$lte": last}}
        if grade is not None:
            query["grade"] = grade
        return await self._find(query, limit)

    async def slots_of_grade(self, grade: int, *, limit: int = 5000) -> list[Doc]:
        return await self._find({"grade": grade}, limit)

    async def _find(self, query: Doc, limit: int) -> list[Doc]:
        cursor = (
            self.tdb[TV_SCHEDULE]
            .find(query)
            .sort([("date", ASCENDING), ("start", ASCENDING), ("grade", ASCENDING)])
            .limit(limit)
        )
        return [s async for s in cursor]

    async def insert_slots(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[TV_SCHEDULE].insert_many(docs)
