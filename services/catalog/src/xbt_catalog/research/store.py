"""MongoDB access for teaching research (网络教研), bound to one tenant's database
(`catalog_<tenant>`). Groups and plans come and go as `domain.ResearchGroup` and
`domain.LessonPlan`, stored under their attributes' names.

- `research_groups`: 教研组 of one district (or, in `catalog_city`, of the city's researchers),
  with the user ids of their members.
- `lesson_plans`: 教案 written in a group; `revision` counts edits (optimistic concurrency).
- `lesson_plan_revisions`: one document per revision, `_id` = "<plan id>:<revision>", holding
  the body as it was before that edit (kept apart so a plan document never grows with edits).
- `lesson_plan_comments`: comments on a plan, oldest first.

Nothing here knows about other tenants: the store is built for the acting tenant only.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from xbt_catalog.research.domain import LessonPlan, ResearchGroup
from xbt_shared.mongo import Doc, TenantStore

GROUPS = "research_groups"
PLANS = "lesson_plans"
REVISIONS = "lesson_plan_revisions"
COMMENTS = "lesson_plan_comments"


class ResearchStore(TenantStore):
    async def ensure_indexes(self) -> None:
        groups = self.tdb[GROUPS]
        await groups.create_index([("members", ASCENDING), ("updated_at", DESCENDING)])
        await groups.create_index([("subject", ASCENDING), ("stage", ASCENDING)])
        await self.tdb[PLANS].create_index([("group_id", ASCENDING), ("updated_at", DESCENDING)])
        await self.tdb[REVISIONS].create_index([("plan_id", ASCENDING), ("revision", ASCENDING)])
        await self.tdb[COMMENTS].create_index([("plan_id", ASCENDING), ("at", ASCENDING)])

    # groups --------------------------------------------------------------------------------

    async def insert_group(self, group: ResearchGroup) -> None:
        await self.tdb[GROUPS].insert_one(group.to_doc(), session=self.session)

    async def group(self, group_id: str) -> ResearchGroup | None:
        doc = await self.tdb[GROUPS].find_one({"_id": group_id}, session=self.session)
        return ResearchGroup.from_doc(doc) if doc is not None else None

    async def groups(self, query: Doc, *, skip: int, limit: int) -> tuple[list[ResearchGroup], int]:
        cursor = (
            self.tdb[GROUPS]
            .find(query, session=self.session)
            .sort([("updated_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        found = [ResearchGroup.from_doc(g) async for g in cursor]
        return found, await self.tdb[GROUPS].count_documents(query, session=self.session)

    async def set_members(
        self, group_id: str, members: list[str], *, at: datetime
    ) -> ResearchGroup | None:
        doc = await self.tdb[GROUPS].find_one_and_update(
            {"_id": group_id},
            {"$set": {"members": members, "updated_at": at}},
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        return ResearchGroup.from_doc(doc) if doc is not None else None

    # plans ---------------------------------------------------------------------------------

    async def insert_plan(self, plan: LessonPlan) -> None:
        await self.tdb[PLANS].insert_one(plan.to_doc(), session=self.session)

    async def plan(self, plan_id: str) -> LessonPlan | None:
        doc = await self.tdb[PLANS].find_one({"_id": plan_id}, session=self.session)
        return LessonPlan.from_doc(doc) if doc is not None else None

    async def plans_of(
        self, group_id: str, *, skip: int, limit: int
    ) -> tuple[list[LessonPlan], int]:
        """A group's plans, most recently edited first, read without their bodies."""
        query = {"group_id": group_id}
        cursor = (
            self.tdb[PLANS]
            .find(query, {"body": 0}, session=self.session)
            .sort([("updated_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        found = [LessonPlan.from_doc(p) async for p in cursor]
        return found, await self.tdb[PLANS].count_documents(query, session=self.session)

    async def update_plan(self, plan_id: str, *, expect: Doc, update: Doc) -> LessonPlan | None:
        """Apply `update` if the plan still matches `expect` (the optimistic check)."""
        doc = await self.tdb[PLANS].find_one_and_update(
            {"_id": plan_id, **expect},
            update,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        return LessonPlan.from_doc(doc) if doc is not None else None

    # revisions and comments ------------------------------------------------------------------

    async def insert_revision(self, doc: Doc) -> None:
        await self.tdb[REVISIONS].insert_one(doc, session=self.session)

    async def revisions_of(self, plan_id: str) -> list[Doc]:
        cursor = (
            self.tdb[REVISIONS]
            .find({"plan_id": plan_id}, session=self.session)
            .sort("revision", DESCENDING)
            .limit(500)
        )
        return [r async for r in cursor]

    async def insert_comment(self, doc: Doc) -> None:
        await self.tdb[COMMENTS].insert_one(doc, session=self.session)

    async def comments_of(self, plan_id: str, *, skip: int, limit: int) -> tuple[list[Doc], int]:
        query = {"plan_id": plan_id}
        cursor = (
            self.tdb[COMMENTS]
            .find(query, session=self.session)
            .sort([("at", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        found = [c async for c in cursor]
        return found, await self.tdb[COMMENTS].count_documents(query, session=self.session)
