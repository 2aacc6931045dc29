"""Open-school rules without I/O: when a lesson counts as completed, what readers see of a
course, and how far a pupil is through one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xbt_shared.mongo import Doc

PROGRAMS = ("空中课堂", "博学乐园")

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


def sortable(value: Any) -> str:
    """A stamp as text that sorts like the stamp (missing ones first)."""
    return value.isoformat() if isinstance(value, datetime) else str(value or "")
