"""MongoDB access for tasks and submissions, in one tenant's database (`tasks_<tenant>`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from xbt_shared.mongo import Doc, TenantDb, UnitOfWork, ensure_event_indexes
from xbt_tasks.rules import IDEMPOTENCY, SUBMISSIONS, TASKS


class TaskStore:
    def __init__(self, tdb: TenantDb | UnitOfWork, session: AsyncClientSession | None = None):
        self.tdb = tdb
        self.session = session

    @classmethod
    def within(cls, uow: UnitOfWork) -> TaskStore:
        return cls(uow, uow.session)

    async def ensure_indexes(self) -> None:
        tasks = self.tdb[TASKS]
        await tasks.create_index([("class_ids", ASCENDING), ("opens_at", DESCENDING)])
        await tasks.create_index([("teacher_id", ASCENDING), ("created_at", DESCENDING)])
        await tasks.create_index("school_id")
        submissions = self.tdb[SUBMISSIONS]
        await submissions.create_index([("task_id", ASCENDING), ("class_id", ASCENDING)])
        await submissions.create_index([("pupil_id", ASCENDING), ("task_id", ASCENDING)])
        # Kept for a while so a retried submit is answered as the first one was.
        await self.tdb[IDEMPOTENCY].create_index("expires_at", expireAfterSeconds=0)
        if isinstance(self.tdb, TenantDb):
            await ensure_event_indexes(self.tdb)

    # tasks --------------------------------------------------------------------------------------

    async def insert_task(self, doc: Doc) -> None:
        await self.tdb[TASKS].insert_one(doc, session=self.session)

    async def task(self, task_id: str) -> Doc | None:
        return await self.tdb[TASKS].find_one({"_id": task_id}, session=self.session)

    async def update_task(self, task_id: str, revision: int, changes: Doc) -> bool:
        """Apply `changes` if the task is still at `revision` (and move it on)."""
        result = await self.tdb[TASKS].update_one(
            {"_id": task_id, "revision": revision},
            {"$set": changes, "$inc": {"revision": 1}},
            session=self.session,
        )
        return result.modified_count == 1

    async def tasks_of_classes(
        self, class_ids: Sequence[str], *, opened_by: datetime | None = None, limit: int = 500
    ) -> list[Doc]:
        query: Doc = {"class_ids": {"$in": list(class_ids)}}
        if opened_by is not None:
            query["opens_at"] = {"$lte": opened_by}
        cursor = (
            self.tdb[TASKS]
            .find(query, session=self.session)
            .sort("opens_at", DESCENDING)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    # submissions --------------------------------------------------------------------------------

    async def submission(self, submission_id: str) -> Doc | None:
        return await self.tdb[SUBMISSIONS].find_one({"_id": submission_id}, session=self.session)

    async def submissions_of_pupil(self, pupil_id: str, task_ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[SUBMISSIONS].find(
            {"pupil_id": pupil_id, "task_id": {"$in": list(task_ids)}},
            {"attempts": 0},
            session=self.session,
        )
        return [doc async for doc in cursor]

    async def submissions_of_task(
        self, task_id: str, class_id: str | None = None, *, with_attempts: bool = True
    ) -> list[Doc]:
        query: Doc = {"task_id": task_id}
        if class_id is not None:
            query["class_id"] = class_id
        projection = None if with_attempts else {"attempts": 0}
        cursor = (
            self.tdb[SUBMISSIONS]
            .find(query, projection, session=self.session)
            .sort("submitted_at", ASCENDING)
        )
        return [doc async for doc in cursor]

    async def gradebook_submissions(
        self, task_ids: Sequence[str], class_ids: Sequence[str], *, with_marking: bool
    ) -> list[Doc]:
        """The submissions of the tasks made in the classes, for a gradebook: with each
        attempt's marking (for per-item rates) if asked, never its texts and answers."""
        projection = (
            {"attempts.text": 0, "attempts.answers": 0, "attempts.file_ids": 0}
            if with_marking
            else {"attempts": 0}
        )
        cursor = self.tdb[SUBMISSIONS].find(
            {"task_id": {"$in": list(task_ids)}, "class_id": {"$in": list(class_ids)}},
            projection,
            session=self.session,
        )
        return [doc async for doc in cursor]

    async def insert_submission(self, doc: Doc) -> None:
        await self.tdb[SUBMISSIONS].insert_one(doc, session=self.session)

    async def add_attempt(
        self, submission_id: str, seen_attempts: int, changes: Doc, attempt: Doc
    ) -> bool:
        """Append an attempt if nobody else did since `seen_attempts` were read."""
        result = await self.tdb[SUBMISSIONS].update_one(
            {"_id": submission_id, "attempt_count": seen_attempts},
            {"$set": changes, "$push": {"attempts": attempt}, "$inc": {"attempt_count": 1}},
            session=self.session,
        )
        return result.modified_count == 1

    async def review(self, submission_id: str, attempt_count: int, changes: Doc) -> bool:
        result = await self.tdb[SUBMISSIONS].update_one(
            {"_id": submission_id, "attempt_count": attempt_count},
            {"$set": changes},
            session=self.session,
        )
        return result.modified_count == 1

    # idempotency --------------------------------------------------------------------------------

    async def claim_key(self, doc: Doc) -> None:
        """Insert the key's record; DuplicateKeyError if a request with that key came first."""
        await self.tdb[IDEMPOTENCY].insert_one(doc, session=self.session)

    async def key_record(self, key_id: str) -> Doc | None:
        return await self.tdb[IDEMPOTENCY].find_one({"_id": key_id}, session=self.session)
