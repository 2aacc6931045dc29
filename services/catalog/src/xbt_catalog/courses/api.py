"""Open-school course routes: browse 空中课堂 and 博学乐园 courses, and pupils' progress."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from xbt_catalog.courses.schemas import (
    Course,
    CoursePage,
    CourseProgress,
    MyCourses,
    Program,
    RecordedProgress,
    ReportProgress,
)
from xbt_catalog.http import CoursesDep, Page, Size, cached_read, cached_response
from xbt_catalog.resources.schemas import Grade
from xbt_catalog.resources.service import reader_of
from xbt_shared.caller import CurrentCaller
from xbt_shared.routing import NO_STORE

router = APIRouter(prefix="/v1", tags=["courses"])


@router.get("/courses", responses=cached_read(CoursePage, "One page of courses."))
async def list_courses(
    request: Request,
    caller: CurrentCaller,
    courses: CoursesDep,
    program: Program | None = None,
    grade: Grade | None = None,
    page: Page = 1,
    size: Size = 20,
) -> Response:
    """Open-school courses (without their lessons), newest first."""
    cached = await courses.list_courses(
        reader_of(caller), program=program, grade=grade, page=page, size=size
    )
    return cached_response(request, cached)


@router.get("/courses/{course_id}", responses=cached_read(Course, "The course and its lessons."))
async def course(
    course_id: str, request: Request, caller: CurrentCaller, courses: CoursesDep
) -> Response:
    """A course with its lessons in order."""
    cached = await courses.course(reader_of(caller), course_id)
    return cached_response(request, cached)


# Progress answers are one pupil's: no cache may reuse them.


@router.put("/courses/{course_id}/lessons/{lesson_id}/progress")
async def report_progress(
    course_id: str,
    lesson_id: str,
    body: ReportProgress,
    response: Response,
    caller: CurrentCaller,
    courses: CoursesDep,
) -> RecordedProgress:
    """Record how far I am in a lesson of a course.

    Progress only moves forward: an earlier position
    or `completed: false` after completion changes nothing, so retries are harmless. A
    lesson is completed at 90% of its duration."""
    response.headers["Cache-Control"] = NO_STORE
    recorded = await courses.record_progress(
        reader_of(caller),
        user_id=caller.user_id,
        course_id=course_id,
        lesson_id=lesson_id,
        position_s=body.position_s,
        completed=body.completed,
    )
    return RecordedProgress.model_validate(recorded)


@router.get("/courses/{course_id}/progress")
async def course_progress(
    course_id: str, response: Response, caller: CurrentCaller, courses: CoursesDep
) -> CourseProgress:
    """My progress in each lesson of a course, and the share of lessons completed."""
    response.headers["Cache-Control"] = NO_STORE
    found = await courses.course_progress(
        reader_of(caller), user_id=caller.user_id, course_id=course_id
    )
    return CourseProgress.model_validate(found)


@router.get("/me/courses")
async def my_courses(response: Response, caller: CurrentCaller, courses: CoursesDep) -> MyCourses:
    """The courses I have started, with my progress, most recently studied first."""
    response.headers["Cache-Control"] = NO_STORE
    found = await courses.my_courses(reader_of(caller), user_id=caller.user_id)
    return MyCourses.model_validate(found)
