"""Textbooks, resources and recommendations in MongoDB, bound to one tenant's database
(`catalog_<tenant>`).

A district reader's content comes from two databases: the city's and their district's. The
service builds one store for each and never queries a third. Resources come and go as
`domain.Resource`; their field names in the database are the aggregate's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, ReturnDocument, UpdateOne

from xbt_catalog.resources.domain import Resource
from xbt_shared.mongo import Doc, TenantStore, ensure_event_indexes

TEXTBOOKS = "textbooks"
RESOURCES = "resources"
RECOMMENDATIONS = "recommendations"

# Where a tree's node ids are: units, lessons, and any node one level below a lesson.
NODE_ID_PATHS = ("tree.id", "tree.children.id", "tree.children.children.id")
# Listing a textbook does not need its chapter tree.
WITHOUT_TREE = {"tree": 0}


class ResourceStore(TenantStore):
    async def ensure_indexes(self) -> None:
        resources = self.tdb[RESOURCES]
        await resources.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
        await resources.create_index("textbook_node_ids")
        await resources.create_index([("kind", ASCENDING), ("category", ASCENDING)])
        textbooks = self.tdb[TEXTBOOKS]
        await textbooks.create_index(
            [("stage", ASCENDING), ("grade", ASCENDING), ("subject", ASCENDING)]
        )
        # `GET /textbooks/nodes/{id}` finds the book holding a node (multikey indexes).
        for path in NODE_ID_PATHS:
            await textbooks.create_index(path)
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

    async def textbooks_with_trees(self, query: Doc) -> list[Doc]:
        """Textbooks with their chapter trees (where their nodes are)."""
        cursor = self.tdb[TEXTBOOKS].find(query, session=self.session)
        return [t async for t in cursor]

    async def textbooks_holding(self, node_id: str) -> list[Doc]:
        """The textbooks whose id is `node_id` or whose tree has a node `node_id` (units,
        lessons, and one level below), with their trees."""
        query = {"$or": [{"_id": node_id}, *({path: node_id} for path in NODE_ID_PATHS)]}
        cursor = self.tdb[TEXTBOOKS].find(query, session=self.session).limit(10)
        return [t async for t in cursor]

    async def insert_textbooks(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[TEXTBOOKS].insert_many(docs, session=self.session)

    # resources -----------------------------------------------------------------------------

    async def resource(self, resource_id: str) -> Resource | None:
        doc = await self.tdb[RESOURCES].find_one({"_id": resource_id}, session=self.session)
        return Resource.from_doc(doc) if doc is not None else None

    async def resources_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[RESOURCES].find({"_id": {"$in": list(ids)}}, session=self.session)
        return [r async for r in cursor]

    async def resources(
        self, query: Doc, *, sort: list[tuple[str, int]], skip: int, limit: int
    ) -> list[Resource]:
        cursor = (
            self.tdb[RESOURCES].find(query, session=self.session).sort(sort).skip(skip).limit(limit)
        )
        return [Resource.from_doc(r) async for r in cursor]

    async def count_resources(self, query: Doc) -> int:
        return await self.tdb[RESOURCES].count_documents(query, session=self.session)

    async def insert_resource(self, resource: Resource) -> None:
        await self.tdb[RESOURCES].insert_one(resource.to_doc(), session=self.session)

    async def insert_resources(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[RESOURCES].insert_many(docs, session=self.session)

    async def update_resource(
        self,
        resource_id: str,
        changes: Doc,
        *,
        expect: Doc | None = None,
        history: Doc | None = None,
    ) -> Resource | None:
        """Apply `changes` (and append `history` to the resource's history) if the document
        still matches `expect` (optimistic check)."""
        update: Doc = {"$set": changes}
        if history is not None:
            update["$push"] = {"history": history}
        doc = await self.tdb[RESOURCES].find_one_and_update(
            {"_id": resource_id, **(expect or {})},
            update,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        return Resource.from_doc(doc) if doc is not None else None

    async def insert_recommendation(self, doc: Doc) -> None:
        await self.tdb[RECOMMENDATIONS].insert_one(doc, session=self.session)

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
