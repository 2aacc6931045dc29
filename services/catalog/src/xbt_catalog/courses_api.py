"""Open-school course routes: browse 空中课堂 and 博学乐园 courses, and pupils' progress."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from xbt_catalog.api import Cat, cached_response
from xbt_catalog.courses import Courses
from xbt_catalog.responses import Course, CoursePage, cached_read
from xbt_catalog.schemas import Grade, Program
from xbt_catalog.service import reader_of
from xbt_shared.auth import CurrentTenant, CurrentUser, forbid_guest_writes

router = APIRouter(prefix="/v1", tags=["courses"])

# Per-user answers must not be reused by any cache.
NO_STORE = "no-store"


async def get_courses(catalog: Cat) -> Courses:
    return Courses.of(catalog)


CourseUseCases = Annotated[Courses, Depends(get_courses)]


class ReportProgress(BaseModel):
    """Where the player is in a lesson (seconds); `completed` when the video has ended."""

    model_config = ConfigDict(extra="forbid")

    position_s: float = Field(ge=0, le=24 * 3600, allow_inf_nan=False)
    completed: bool = False


class LessonProgress(BaseModel):
    lesson_id: str
    index: int | None
    title: str | None
    duration_s: float | None
    position_s: float
    completed: bool
    completed_at: datetime | None
    updated_at: datetime | None


class RecordedProgress(LessonProgress):
    course_id: str


class CourseProgress(BaseModel):
    course_id: str
    title: str
    started_lessons: int
    completed_lessons: int
    total_lessons: int
    percent_complete: float
    last_lesson_id: str | None
    last_activity_at: datetime | None
    lessons: list[LessonProgress]


@router.get("/courses", responses=cached_read(CoursePage, "One page of courses."))
async def list_courses(
    request: Request,
    principal: CurrentUser,
    tenant: CurrentTenant,
    courses: CourseUseCases,
    program: Program | None = None,
    grade: Grade | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, description="at most 50")] = 20,
) -> Response:
    """Open-school courses (without their lessons), newest first."""
    cached = await courses.list_courses(
        reader_of(principal, tenant), program=program, grade=grade, page=page, size=size
    )
    return cached_response(request, cached)


@router.get("/courses/{course_id}", responses=cached_read(Course, "The course and its lessons."))
async def course(
    course_id: str,
    request: Request,
    principal: CurrentUser,
    tenant: CurrentTenant,
    courses: CourseUseCases,
) -> Response:
    """A course with its lessons in order."""
    cached = await courses.course(reader_of(principal, tenant), course_id)
    return cached_response(request, cached)


@router.put("/courses/{course_id}/lessons/{lesson_id}/progress")
async def report_progress(
    course_id: str,
    lesson_id: str,
    body: ReportProgress,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    courses: CourseUseCases,
) -> RecordedProgress:
    """Record how far I am in a lesson. Progress only moves forward: an earlier position
    or `completed: false` after completion changes nothing, so retries are harmless. A
    lesson is completed at 90% of its duration."""
    forbid_guest_writes(principal)
    response.headers["Cache-Control"] = NO_STORE
    recorded = await courses.record_progress(
        reader_of(principal, tenant),
        user_id=principal.user_id,
        course_id=course_id,
        lesson_id=lesson_id,
        position_s=body.position_s,
        completed=body.completed,
    )
    return RecordedProgress.model_validate(recorded)


@router.get("/courses/{course_id}/progress")
async def course_progress(
    course_id: str,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    courses: CourseUseCases,
) -> CourseProgress:
    """My progress in each lesson of a course, and the share of lessons completed."""
    response.headers["Cache-Control"] = NO_STORE
    found = await courses.course_progress(
        reader_of(principal, tenant), user_id=principal.user_id, course_id=course_id
    )
    return CourseProgress.model_validate(found)


@router.get("/me/courses")
async def my_courses(
    response: Response, principal: CurrentUser, tenant: CurrentTenant, courses: CourseUseCases
) -> dict[str, object]:
    """The courses I have started, with my progress, most recently studied first."""
    response.headers["Cache-Control"] = NO_STORE
    return await courses.my_courses(reader_of(principal, tenant), user_id=principal.user_id)
