"""The question bank's MongoDB access, bound to one tenant's database."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING

from xbt_catalog.resources.domain import Reader
from xbt_shared.mongo import Doc, TenantStore

KNOWLEDGE_POINTS = "knowledge_points"
ITEMS = "items"


class BankStore(TenantStore):
    async def ensure_indexes(self) -> None:
        points = self.tdb[KNOWLEDGE_POINTS]
        await points.create_index([("subject", ASCENDING), ("stage", ASCENDING)])
        await points.create_index("path")
        items = self.tdb[ITEMS]
        # Selections are `$in` over these arrays: multikey indexes (`$all` would scan).
        await items.create_index("knowledge_point_ids")
        await items.create_index("textbook_node_ids")

    # knowledge points ------------------------------------------------------------------------

    async def knowledge_points(self, *, subject: str, stage: str) -> list[Doc]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"subject": subject, "stage": stage})
        return [p async for p in cursor]

    async def knowledge_point(self, kp_id: str) -> Doc | None:
        return await self.tdb[KNOWLEDGE_POINTS].find_one({"_id": kp_id})

    async def descendant_ids(self, kp_id: str) -> list[str]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"path": kp_id}, {"_id": 1})
        return [p["_id"] async for p in cursor]

    # items -------------------------------------------------------------------------------------

    async def item(self, item_id: str) -> Doc | None:
        return await self.tdb[ITEMS].find_one({"_id": item_id})

    async def count_items(self, query: Doc) -> int:
        return await self.tdb[ITEMS].count_documents(query)

    async def item_order(self, query: Doc, *, limit: int) -> list[tuple[int, str]]:
        """(difficulty, id) of the first `limit` matches in list order: enough to merge the
        city's and a district's matches and cut one page out of them."""
        cursor = (
            self.tdb[ITEMS]
            .find(query, {"_id": 1, "difficulty": 1})
            .sort([("difficulty", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [(int(d.get("difficulty") or 0), d["_id"]) async for d in cursor]

    async def items_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[ITEMS].find({"_id": {"$in": list(ids)}})
        return [d async for d in cursor]


def visibility_query(reader: Reader, scope: str) -> Doc:
    """`resources.domain.readable` as a query on one scope's items, so counts and pages are right
    (results are checked with `readable` again all the same)."""
    query: Doc = {"status": "published"}
    if reader.guest:
        query["guest_visible"] = True
    if scope != reader.tenant:
        query["provider.level"] = "city"
    elif reader.school:
        query["$or"] = [
            {"provider.level": {"$in": ["city", "district"]}},
            {"provider.level": "school", "provider.school_id": reader.school},
        ]
    else:
        query["provider.level"] = {"$in": ["city", "district"]}
    return query
