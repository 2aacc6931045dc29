"""MongoDB access for questions (答疑) on tasks, in one tenant's database (`tasks_<tenant>`).

A question is one document holding its thread: the replies are embedded (a thread is short,
and a list shows every thread with its replies from one query). Every change moves the
document's `revision` on, so a change computed from what was read applies only if nobody
changed the thread meanwhile."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from xbt_shared.mongo import Doc, TenantDb, UnitOfWork

QUESTIONS = "questions"


class QuestionStore:
    def __init__(self, tdb: TenantDb | UnitOfWork, session: AsyncClientSession | None = None):
        self.tdb = tdb
        self.session = session

    @classmethod
    def within(cls, uow: UnitOfWork) -> QuestionStore:
        return cls(uow, uow.session)

    async def ensure_indexes(self) -> None:
        questions = self.tdb[QUESTIONS]
        # Lists: one task, some classes, newest activity first.
        await questions.create_index(
            [("task_id", ASCENDING), ("class_id", ASCENDING), ("activity_at", DESCENDING)]
        )
        # A pupil's own questions on a task (the per-pupil limit).
        await questions.create_index([("task_id", ASCENDING), ("asked_by", ASCENDING)])

    async def insert(self, doc: Doc) -> None:
        """DuplicateKeyError if the id exists (a retried request with the same key)."""
        await self.tdb[QUESTIONS].insert_one(doc, session=self.session)

    async def get(self, task_id: str, question_id: str) -> Doc | None:
        return await self.tdb[QUESTIONS].find_one(
            {"_id": question_id, "task_id": task_id}, session=self.session
        )

    async def count_asked_by(self, task_id: str, pupil_id: str) -> int:
        return await self.tdb[QUESTIONS].count_documents(
            {"task_id": task_id, "asked_by": pupil_id, "deleted_at": None}, session=self.session
        )

    async def page(self, query: Doc, *, skip: int, limit: int) -> tuple[list[Doc], int]:
        """One page of the threads matching `query`, newest activity first, and their total."""
        collection = self.tdb[QUESTIONS]
        cursor = (
            collection.find(query, session=self.session)
            .sort([("activity_at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        found = [doc async for doc in cursor]
        total = await collection.count_documents(query, session=self.session)
        return found, total

    async def change(
        self, question_id: str, revision: int, changes: Doc, *, reply: Doc | None = None
    ) -> bool:
        """Apply `changes` (and append `reply`) if the thread is still at `revision`."""
        update: Doc = {"$set": changes, "$inc": {"revision": 1}}
        if reply is not None:
            update["$push"] = {"replies": reply}
            update["$inc"]["reply_count"] = 1
        result = await self.tdb[QUESTIONS].update_one(
            {"_id": question_id, "revision": revision}, update, session=self.session
        )
        return result.modified_count == 1


def in_classes(task_id: str, class_ids: Sequence[str]) -> Doc:
    """The live (not deleted) threads of a task in some classes."""
    return {"task_id": task_id, "class_id": {"$in": list(class_ids)}, "deleted_at": None}
