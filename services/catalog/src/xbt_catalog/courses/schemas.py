"""The public contract of the open school: courses (described for the cached reads), and a
pupil's progress."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat

from xbt_catalog.resources.schemas import ContentProvider, Grade, Media, Teacher

Program = Literal["空中课堂", "博学乐园"]


class ReportProgress(BaseModel):
    """Where the player is in a lesson (seconds); `completed` when the video has ended."""

    model_config = ConfigDict(extra="forbid")

    position_s: StrictFloat = Field(ge=0, le=24 * 3600, allow_inf_nan=False)
    completed: StrictBool = False


class CourseSummary(BaseModel):
    id: str
    owner: str
    program: Program
    title: str
    description: str
    subject_or_category: str
    grades: list[Grade]
    teacher: Teacher | None = None
    cover_url: str | None = None
    provider: ContentProvider
    guest_visible: bool
    published_at: dt.datetime
    lesson_count: int
    duration_s: int = Field(description="all lessons together, in seconds")


class CoursePage(BaseModel):
    items: list[CourseSummary]
    total: int
    page: int
    size: int


class CourseLesson(BaseModel):
    id: str
    index: int | None
    title: str | None
    media: Media | None


class Course(CourseSummary):
    lessons: list[CourseLesson] = Field(description="in order")


class LessonProgress(BaseModel):
    lesson_id: str
    index: int | None
    title: str | None
    duration_s: float | None
    position_s: float
    completed: bool
    completed_at: dt.datetime | None
    updated_at: dt.datetime | None


class RecordedProgress(LessonProgress):
    course_id: str


class ProgressSummary(BaseModel):
    started_lessons: int
    completed_lessons: int
    total_lessons: int
    percent_complete: float
    last_lesson_id: str | None
    last_activity_at: dt.datetime | None


class CourseProgress(ProgressSummary):
    course_id: str
    title: str
    lessons: list[LessonProgress]


class StartedCourse(CourseSummary):
    progress: ProgressSummary


class MyCourses(BaseModel):
    """The courses I have started, most recently studied first."""

    items: list[StartedCourse]
    total: int
