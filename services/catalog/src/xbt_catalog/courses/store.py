"""MongoDB access for the open school (开放学堂), bound to one tenant's database
(`catalog_<tenant>`).

- `courses`: 空中课堂 and 博学乐园 courses with their lessons; the city's live in
  `catalog_city`, a district's in its own database.
- `course_progress`: one document per (user, lesson), `_id` = "<user id>:<lesson id>", in the
  database of the tenant the pupil reads in; never in the city's for a district pupil.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from xbt_shared.mongo import Doc, TenantStore

COURSES = "courses"
PROGRESS = "course_progress"
UPSERT_ATTEMPTS = 3

# A course listing needs each lesson's id and duration (to count and sum), not the rest.
LESSON_DETAILS_EXCLUDED = {"lessons.title": 0, "lessons.media.url": 0, "lessons.media.format": 0}


class CourseStore(TenantStore):
    async def ensure_indexes(self) -> None:
        courses = self.tdb[COURSES]
        await courses.create_index(
            [("status", ASCENDING), ("program", ASCENDING), ("published_at", DESCENDING)]
        )
        await courses.create_index("grades")
        progress = self.tdb[PROGRESS]
        await progress.create_index([("user_id", ASCENDING), ("course_id", ASCENDING)])
        await progress.create_index([("user_id", ASCENDING), ("updated_at", DESCENDING)])

    # courses -------------------------------------------------------------------------------

    async def course_summaries(self, query: Doc) -> list[Doc]:
        """Courses matching `query`, newest first, without lesson titles and media."""
        cursor = (
            self.tdb[COURSES]
            .find(query, LESSON_DETAILS_EXCLUDED)
            .sort([("published_at", DESCENDING), ("_id", ASCENDING)])
        )
        return [c async for c in cursor]

    async def course_summaries_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[COURSES].find({"_id": {"$in": list(ids)}}, LESSON_DETAILS_EXCLUDED)
        return [c async for c in cursor]

    async def course(self, course_id: str) -> Doc | None:
        return await self.tdb[COURSES].find_one({"_id": course_id})

    async def insert_courses(self, docs: list[Doc]) -> None:
        if docs:
            await self.tdb[COURSES].insert_many(docs)

    # progress ------------------------------------------------------------------------------

    async def record_progress(
        self,
        *,
        user_id: str,
        course_id: str,
        course_owner: str,
        lesson: Doc,
        position_s: float,
        completed: bool,
        now: datetime,
    ) -> Doc:
        """Upsert a pupil's progress in a lesson so that it never moves backwards.

        `$max` keeps the furthest position, a completed lesson completed (false < true) and
        the latest update time, whatever order concurrent or retried requests arrive in; the
        same request twice changes nothing. `completed_at` keeps the first completion."""
        update: Doc = {
            "$max": {"position_s": position_s, "completed": completed, "updated_at": now},
            "$setOnInsert": {
                "user_id": user_id,
                "course_id": course_id,
                "course_owner": course_owner,
                "lesson_id": lesson["id"],
                "started_at": now,
            },
            "$set": {
                "lesson_index": lesson.get("index"),
                "duration_s": (lesson.get("media") or {}).get("duration_s"),
            },
        }
        if completed:
            update["$min"] = {"completed_at": now}
        key = {"_id": f"{user_id}:{lesson['id']}"}
        progress = self.tdb[PROGRESS]
        # Every operator above is idempotent, so a write is simply tried again when two first
        # writes race to insert (the loser gets a duplicate key) or an upsert answers nothing.
        for _ in range(UPSERT_ATTEMPTS):
            try:
                doc = await progress.find_one_and_update(
                    key, update, upsert=True, return_document=ReturnDocument.AFTER
                )
            except DuplicateKeyError:
                continue
            if doc is not None:
                return doc
        doc = await progress.find_one(key)
        if doc is None:
            raise RuntimeError(f"progress {key['_id']!r} could not be written")
        return doc

    async def progress_in_course(self, user_id: str, course_id: str) -> list[Doc]:
        cursor = self.tdb[PROGRESS].find({"user_id": user_id, "course_id": course_id})
        return [p async for p in cursor]

    async def progress_of(self, user_id: str, *, limit: int = 5000) -> list[Doc]:
        """A user's progress documents, most recent first."""
        cursor = (
            self.tdb[PROGRESS]
            .find({"user_id": user_id})
            .sort([("updated_at", DESCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [p async for p in cursor]
