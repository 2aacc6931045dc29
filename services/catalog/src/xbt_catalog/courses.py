"""Open-school courses (开放学堂: 空中课堂 electives, 博学乐园 calligraphy) and pupils'
progress through their lessons.

Courses follow the resources' visibility rules (city courses everywhere, a district's in its
district, a school's in its school, guests only guest-marked ones) and their reads are
cached with the versioned cache like every shared read. Progress is personal: it is stored
in the database of the tenant the pupil reads in, one document per lesson, and only ever
moves forward (see `CourseStore.record_progress`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from xbt_catalog.courses_store import CourseStore
from xbt_catalog.domain import Reader
from xbt_catalog.service import Catalog, readable, scopes_of
from xbt_shared.cache import Cached, VersionedCache
from xbt_shared.errors import NotFound, Unprocessable
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import CITY, Tenant

PROGRAMS = ("空中课堂", "博学乐园")

# rules (no I/O) ------------------------------------------------------------------------------

# A lesson counts as completed once the pupil has watched this share of it.
COMPLETION_SHARE = 0.9


def reaches_completion(position_s: float, duration_s: float | None) -> bool:
    """Whether a position is far enough into a lesson of this duration to complete it."""
    return bool(duration_s) and position_s >= COMPLETION_SHARE * float(duration_s or 0)


def position_error(position_s: float, duration_s: float | None) -> str | None:
    """Why a reported position is impossible in a lesson of this duration (None: it is not)."""
    if position_s < 0:
        return "the position cannot be negative"
    if duration_s is not None and position_s > duration_s:
        return f"the lesson lasts {duration_s} s; the position must be within it"
    return None


def percent_complete(completed: int, total: int) -> float:
    return round(100.0 * completed / total, 1) if total else 0.0


# what readers see ----------------------------------------------------------------------------

SUMMARY_FIELDS = (
    "program",
    "title",
    "description",
    "subject_or_category",
    "grades",
    "teacher",
    "cover_url",
    "provider",
    "guest_visible",
    "published_at",
)


def _ordered(lessons: list[Doc]) -> list[Doc]:
    return sorted(lessons, key=lambda lesson: (lesson.get("index", 0), lesson.get("id", "")))


def public_course(doc: Doc, owner: str, *, with_lessons: bool) -> Doc:
    lessons = _ordered(doc.get("lessons") or [])
    out: Doc = {"id": doc["_id"], "owner": owner}
    out.update({k: doc[k] for k in SUMMARY_FIELDS if k in doc})
    out["lesson_count"] = len(lessons)
    out["duration_s"] = sum(int((ls.get("media") or {}).get("duration_s") or 0) for ls in lessons)
    if with_lessons:
        out["lessons"] = [
            {
                "id": ls["id"],
                "index": ls.get("index"),
                "title": ls.get("title"),
                "media": ls.get("media"),
            }
            for ls in lessons
        ]
    return out


def lesson_progress(lesson: Doc, stored: Doc | None) -> Doc:
    return {
        "lesson_id": lesson["id"],
        "index": lesson.get("index"),
        "title": lesson.get("title"),
        "duration_s": (lesson.get("media") or {}).get("duration_s"),
        "position_s": stored["position_s"] if stored else 0,
        "completed": bool(stored and stored.get("completed")),
        "completed_at": stored.get("completed_at") if stored else None,
        "updated_at": stored.get("updated_at") if stored else None,
    }


def progress_summary(lesson_ids: list[str], stored: list[Doc]) -> Doc:
    """How far a pupil is through a course, counting only lessons the course still has."""
    existing = set(lesson_ids)
    mine = [p for p in stored if p["lesson_id"] in existing]
    done = sum(1 for p in mine if p.get("completed"))
    last = max(mine, key=lambda p: p["updated_at"], default=None)
    return {
        "started_lessons": len(mine),
        "completed_lessons": done,
        "total_lessons": len(lesson_ids),
        "percent_complete": percent_complete(done, len(lesson_ids)),
        "last_lesson_id": last["lesson_id"] if last else None,
        "last_activity_at": last["updated_at"] if last else None,
    }


# use cases ----------------------------------------------------------------------------------


@dataclass
class Courses:
    mongo: Mongo
    cache: VersionedCache
    max_page_size: int = 50
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, catalog: Catalog) -> Courses:
        return cls(mongo=catalog.mongo, cache=catalog.cache, max_page_size=catalog.max_page_size)

    def store(self, tenant_id: str) -> CourseStore:
        return CourseStore(self.mongo.for_tenant(Tenant(tenant_id)))

    async def list_courses(
        self, reader: Reader, *, program: str | None, grade: int | None, page: int, size: int
    ) -> Cached:
        """Visible courses, newest first, without their lessons. Courses are few (tens per
        tenant), so both scopes' matches are merged and paged in memory, then cached."""
        if size > self.max_page_size:
            raise Unprocessable(
                f"size may be at most {self.max_page_size}",
                errors=[{"field": "query.size", "message": f"at most {self.max_page_size}"}],
            )
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
            found.sort(key=lambda sd: _sortable(sd[1].get("published_at")), reverse=True)
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
        course = await self._course_doc(reader, course_id)
        lesson = next((ls for ls in course["lessons"] if ls["id"] == lesson_id), None)
        if lesson is None:
            raise NotFound(f"course {course_id!r} has no lesson {lesson_id!r}")
        duration = (lesson.get("media") or {}).get("duration_s")
        why = position_error(position_s, duration)
        if why:
            raise Unprocessable(why, errors=[{"field": "body.position_s", "message": why}])
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
        items.sort(key=lambda c: _sortable(c["progress"]["last_activity_at"]), reverse=True)
        return {"items": items, "total": len(items)}


def _sortable(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def cache_key(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()
