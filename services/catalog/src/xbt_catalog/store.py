"""The catalog's MongoDB access, bound to one tenant's database (`catalog_<tenant>`).

A district reader's content comes from two databases: the city's and their district's. The
service builds one store for each and never queries a third.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from xbt_shared.mongo import Doc, TenantDb, UnitOfWork, ensure_event_indexes

TEXTBOOKS = "textbooks"
RESOURCES = "resources"

# Listing a textbook does not need its chapter tree.
WITHOUT_TREE = {"tree": 0}


class CatalogStore:
    def __init__(self, tdb: TenantDb, session: AsyncClientSession | None = None) -> None:
        self.tdb = tdb
        self.tenant = tdb.tenant
        self.session = session

    @classmethod
    def within(cls, uow: UnitOfWork) -> CatalogStore:
        return cls(uow.tdb, uow.session)

    async def ensure_indexes(self) -> None:
        resources = self.tdb[RESOURCES]
        await resources.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
        # The search-index follower asks "what changed since t?" every few seconds.
        await resources.create_index("updated_at")
        # ... and "whose view counts were flushed since t?"
        await resources.create_index("views_at")
        await resources.create_index("textbook_node_ids")
        await resources.create_index([("kind", ASCENDING), ("category", ASCENDING)])
        await self.tdb[TEXTBOOKS].create_index(
            [("stage", ASCENDING), ("grade", ASCENDING), ("subject", ASCENDING)]
        )
        await ensure_event_indexes(self.tdb)

    # textbooks -----------------------------------------------------------------------------

    async def textbooks(self, query: Doc) -> list[Doc]:
        cursor = (
            self.tdb[TEXTBOOKS]
            .find(query, WITHOUT_TREE, session=self.session)
            .sort([("grade", ASCENDING), ("subject", ASCENDING), ("volume", ASCENDING)])
        )
        return [t async for t in cursor]

    async def textbook(self, textbook_id: str) -> Doc | None:
        return await self.tdb[TEXTBOOKS].find_one({"_id": textbook_id}, session=self.session)

    async def insert_textbooks(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[TEXTBOOKS].insert_many(docs, session=self.session)

    # resources -----------------------------------------------------------------------------

    async def resource(self, resource_id: str) -> Doc | None:
        return await self.tdb[RESOURCES].find_one({"_id": resource_id}, session=self.session)

    async def resources_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[RESOURCES].find({"_id": {"$in": list(ids)}}, session=self.session)
        return [r async for r in cursor]

    async def resources(
        self, query: Doc, *, sort: list[tuple[str, int]], skip: int, limit: int
    ) -> list[Doc]:
        cursor = (
            self.tdb[RESOURCES].find(query, session=self.session).sort(sort).skip(skip).limit(limit)
        )
        return [r async for r in cursor]

    async def count_resources(self, query: Doc) -> int:
        return await self.tdb[RESOURCES].count_documents(query, session=self.session)

    async def insert_resource(self, doc: Doc) -> None:
        await self.tdb[RESOURCES].insert_one(doc, session=self.session)

    async def insert_resources(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[RESOURCES].insert_many(docs, session=self.session)

    async def update_resource(
        self, resource_id: str, changes: Doc, *, expect: Doc | None = None
    ) -> Doc | None:
        """Apply `changes` if the document still matches `expect` (optimistic check)."""
        return await self.tdb[RESOURCES].find_one_and_update(
            {"_id": resource_id, **(expect or {})},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )

    async def published_resources(self) -> AsyncIterator[Doc]:
        cursor = self.tdb[RESOURCES].find({"status": "published"}, session=self.session)
        async for doc in cursor:
            yield doc

    async def changed_since(self, since: datetime) -> list[Doc]:
        """Resources changed after `since`, oldest first (what the search index follows)."""
        cursor = (
            self.tdb[RESOURCES]
            .find({"updated_at": {"$gte": since}}, session=self.session)
            .sort("updated_at", ASCENDING)
            .limit(1000)
        )
        return [r async for r in cursor]

    async def add_views(self, counts: dict[str, int], *, at: datetime) -> None:
        """Add flushed view counts; `views_at` lets every replica's index follow them
        (`updated_at` is left alone: a view is not an edit)."""
        if counts:
            await self.tdb[RESOURCES].bulk_write(
                [
                    UpdateOne({"_id": rid}, {"$inc": {"views": n}, "$set": {"views_at": at}})
                    for rid, n in counts.items()
                ],
                ordered=False,
                session=self.session,
            )

    async def views_changed_since(self, since: datetime) -> list[Doc]:
        """(id, views, views_at) of resources whose views were flushed after `since`."""
        cursor = (
            self.tdb[RESOURCES]
            .find(
                {"views_at": {"$gte": since}},
                {"views": 1, "views_at": 1},
                session=self.session,
            )
            .sort("views_at", ASCENDING)
            .limit(5000)
        )
        return [r async for r in cursor]

    async def newest(self, query: Doc, limit: int) -> list[Doc]:
        return await self.resources(query, sort=[("published_at", DESCENDING)], skip=0, limit=limit)


def projection(fields: Sequence[str]) -> dict[str, Any]:
    return dict.fromkeys(fields, 1)
