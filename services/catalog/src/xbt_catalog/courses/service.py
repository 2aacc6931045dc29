"""Open-school courses (开放学堂: 空中课堂 electives, 博学乐园 calligraphy) and pupils'
progress through their lessons.

Courses follow the resources' visibility rules (city courses everywhere, a district's in its
district, a school's in its school, guests only guest-marked ones) and their reads are
cached with the versioned cache like every shared read. Progress is personal: it is stored
in the database of the tenant the pupil reads in, one document per lesson, and only ever
moves forward (see `CourseStore.record_progress`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from xbt_catalog.courses.domain import (
    lesson_progress,
    position_error,
    progress_summary,
    public_course,
    reaches_completion,
    sortable,
)
from xbt_catalog.courses.store import CourseStore
from xbt_catalog.resources.domain import Reader, cache_key, page_too_large, readable, scopes_of
from xbt_shared.auth import GuestReadOnly
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.clock import now_ms
from xbt_shared.errors import NotFound, invalid
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant


@dataclass
class Courses:
    mongo: Mongo
    cache: VersionedCache
    max_page_size: int = 50
    now: Callable[[], datetime] = field(default=now_ms)

    def store(self, tenant_id: str) -> CourseStore:
        return CourseStore(self.mongo.for_tenant(Tenant(tenant_id)))

    async def list_courses(
        self, reader: Reader, *, program: str | None, grade: int | None, page: int, size: int
    ) -> Cached:
        """Visible courses, newest first, without their lessons. Courses are few (tens per
        tenant), so both scopes' matches are merged and paged in memory, then cached."""
        if size > self.max_page_size:
            raise page_too_large(self.max_page_size)
        query: Doc = {"status": "published"}
        if program is not None:
            query["program"] = program
        if grade is not None:
            query["grades"] = grade
        key = "courses:" + cache_key(
            {
                "program": program,
                "grade": grade,
                "p": page,
                "n": size,
                "school": reader.school,
                "guest": reader.guest,
            }
        )

        async def load() -> Doc:
            found: list[tuple[str, Doc]] = []
            for scope in scopes_of(reader):
                for doc in await self.store(scope).course_summaries(query):
                    if readable(reader, doc, scope):
                        found.append((scope, doc))
            found.sort(key=lambda sd: sd[1]["_id"])
            found.sort(key=lambda sd: sortable(sd[1].get("published_at")), reverse=True)
            start = (page - 1) * size
            return {
                "items": [
                    public_course(doc, scope, with_lessons=False)
                    for scope, doc in found[start : start + size]
                ],
                "total": len(found),
                "page": page,
                "size": size,
            }

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def course(self, reader: Reader, course_id: str) -> Cached:
        """A visible course with its lessons in order; a district's own course first."""
        key = f"course:{course_id}:{reader.school or '-'}" + (":guest" if reader.guest else "")

        async def load() -> Doc:
            for scope in reversed(scopes_of(reader)):
                doc = await self.store(scope).course(course_id)
                if doc is not None and readable(reader, doc, scope):
                    return public_course(doc, scope, with_lessons=True)
            raise NotFound(f"no course {course_id!r}")

        return await self.cache.get_or_load(scopes_of(reader), key, load)

    async def _course_doc(self, reader: Reader, course_id: str) -> Doc:
        # The cached detail: a progress report costs one Redis call, not a course read.
        parsed: Doc = json.loads((await self.course(reader, course_id)).body)
        return parsed

    async def record_progress(
        self,
        reader: Reader,
        *,
        user_id: str,
        course_id: str,
        lesson_id: str,
        position_s: float,
        completed: bool,
    ) -> Doc:
        """A pupil reports how far they are in a lesson of a course they can see."""
        if reader.guest:
            raise GuestReadOnly()
        course = await self._course_doc(reader, course_id)
        lesson = next((ls for ls in course["lessons"] if ls["id"] == lesson_id), None)
        if lesson is None:
            raise NotFound(f"course {course_id!r} has no lesson {lesson_id!r}")
        duration = (lesson.get("media") or {}).get("duration_s")
        why = position_error(position_s, duration)
        if why:
            raise invalid("body.position_s", why)
        stored = await self.store(reader.tenant).record_progress(
            user_id=user_id,
            course_id=course_id,
            course_owner=course["owner"],
            lesson=lesson,
            position_s=round(position_s, 1),
            completed=completed or reaches_completion(position_s, duration),
            now=self.now(),
        )
        return {"course_id": course_id, **lesson_progress(lesson, stored)}

    async def course_progress(self, reader: Reader, *, user_id: str, course_id: str) -> Doc:
        """My progress in every lesson of a course, and how much of it I have completed."""
        course = await self._course_doc(reader, course_id)
        stored = await self.store(reader.tenant).progress_in_course(user_id, course_id)
        by_lesson = {p["lesson_id"]: p for p in stored}
        return {
            "course_id": course_id,
            "title": course["title"],
            **progress_summary([ls["id"] for ls in course["lessons"]], stored),
            "lessons": [lesson_progress(ls, by_lesson.get(ls["id"])) for ls in course["lessons"]],
        }

    async def my_courses(self, reader: Reader, *, user_id: str) -> Doc:
        """The courses I have started and are still visible to me, most recent first."""
        stored = await self.store(reader.tenant).progress_of(user_id)
        by_course: dict[str, list[Doc]] = {}
        owners: dict[str, set[str]] = {}
        for p in stored:
            by_course.setdefault(p["course_id"], []).append(p)
            owners.setdefault(p.get("course_owner", CITY), set()).add(p["course_id"])
        items: list[Doc] = []
        for scope in scopes_of(reader):
            ids = sorted(owners.get(scope, ()))
            if not ids:
                continue
            for doc in await self.store(scope).course_summaries_by_ids(ids):
                if not readable(reader, doc, scope):
                    continue
                lesson_ids = [ls["id"] for ls in doc.get("lessons") or []]
                items.append(
                    {
                        **public_course(doc, scope, with_lessons=False),
                        "progress": progress_summary(lesson_ids, by_course[doc["_id"]]),
                    }
                )
        items.sort(key=lambda c: c["id"])
        items.sort(key=lambda c: sortable(c["progress"]["last_activity_at"]), reverse=True)
        return {"items": items, "total": len(items)}
