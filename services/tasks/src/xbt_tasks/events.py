"""What the tasks service publishes and consumes, in one screen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from xbt_shared.events import Consumed, Event

if TYPE_CHECKING:
    from xbt_shared.consumers import Consumer

# --- published (through the outbox) ----------------------------------------------------------


class TaskAssigned(Event):
    """A task was given to classes (pupils are notified when it opens). It names its bank
    items and when it stops taking work, so the catalog can keep their answer keys from
    the task's pupils until they can no longer hand in (the task's first revision)."""

    TYPE: ClassVar[str] = "tasks.task.assigned"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "kind": "task",
        "title": "第八章 二元一次方程组 复习练习",
        "class_ids": ["c-hp-8-1", "c-hp-8-2"],
        "teacher_id": "u-hp-teacher1",
        "opens_at": "2026-03-02T08:00:00Z",
        "due_at": "2026-03-09T15:00:00Z",
        "item_ids": ["item-00308", "item-00335"],
        "allow_late": False,
        "max_attempts": 1,
    }
    task_id: str
    kind: Literal["task", "watch"]
    title: str
    class_ids: list[str]
    teacher_id: str
    opens_at: datetime
    due_at: datetime | None
    item_ids: list[str]
    allow_late: bool
    max_attempts: int


class TaskUpdated(Event):
    """A task was edited, closed or reopened: the task as it is after the change, at its new
    `revision` (a consumer keeps the highest revision it has seen, so order does not matter)."""

    TYPE: ClassVar[str] = "tasks.task.updated"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "revision": 2,
        "changed": ["due_at"],
        "kind": "task",
        "title": "第八章 二元一次方程组 复习练习",
        "class_ids": ["c-hp-8-1", "c-hp-8-2"],
        "teacher_id": "u-hp-teacher1",
        "status": "open",
        "opens_at": "2026-03-02T08:00:00Z",
        "due_at": "2026-03-10T15:00:00Z",
        "item_ids": ["item-00308", "item-00335"],
        "allow_late": False,
        "max_attempts": 1,
    }
    task_id: str
    revision: int
    changed: list[str]
    kind: Literal["task", "watch"]
    title: str
    class_ids: list[str]
    teacher_id: str
    status: Literal["open", "closed"]
    opens_at: datetime
    due_at: datetime | None
    item_ids: list[str]
    allow_late: bool
    max_attempts: int


class SubmissionCreated(Event):
    """A pupil handed in (an attempt of) their work."""

    TYPE: ClassVar[str] = "tasks.submission.created"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "submission_id": "tk-3f9a1c2e7b4d5a60.u-hp-student2",
        "pupil_id": "u-hp-student2",
        "class_id": "c-hp-8-1",
        "attempt": 1,
        "late": False,
        "submitted_at": "2026-03-03T11:20:41.512Z",
    }
    task_id: str
    submission_id: str
    pupil_id: str
    class_id: str
    attempt: int
    late: bool
    submitted_at: datetime


class SubmissionReviewed(Event):
    """A teacher marked a submission or returned it for revision."""

    TYPE: ClassVar[str] = "tasks.submission.reviewed"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "submission_id": "tk-3f9a1c2e7b4d5a60.u-hp-student2",
        "pupil_id": "u-hp-student2",
        "outcome": "marked",
        "score": 20.0,
        "max_score": 30.0,
        "reviewer_id": "u-hp-teacher1",
    }
    task_id: str
    submission_id: str
    pupil_id: str
    outcome: Literal["returned", "marked"]
    score: float | None
    max_score: float
    reviewer_id: str


class QuestionAsked(Event):
    """A pupil asked about a task (答疑), to the class or privately to the teacher."""

    TYPE: ClassVar[str] = "tasks.question.asked"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "question_id": "q-8d0c2b7a5e4f3a1b9c6d",
        "class_id": "c-hp-8-1",
        "asked_by": "u-hp-student1",
        "visibility": "class",
    }
    task_id: str
    question_id: str
    class_id: str
    asked_by: str
    visibility: Literal["class", "private"]


class QuestionAnswered(Event):
    """A teacher answered a pupil's question (the first teacher reply of the thread)."""

    TYPE: ClassVar[str] = "tasks.question.answered"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "task_id": "tk-3f9a1c2e7b4d5a60",
        "question_id": "q-8d0c2b7a5e4f3a1b9c6d",
        "asked_by": "u-hp-student1",
        "answered_by": "u-hp-teacher1",
    }
    task_id: str
    question_id: str
    asked_by: str
    answered_by: str


PUBLISHES: tuple[type[Event], ...] = (
    TaskAssigned,
    TaskUpdated,
    SubmissionCreated,
    SubmissionReviewed,
    QuestionAsked,
    QuestionAnswered,
)

# --- consumed --------------------------------------------------------------------------------


class ResourceRecommended(Consumed):
    """What "watch this" tasks read of the catalog's recommendation."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    resource_id: str
    title: str
    kind: str | None = None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None = None
    school_id: str | None = None
    note: str | None = None


def subscriptions() -> dict[str, Consumer[Any]]:
    # Imported here: the handlers import this module's models.
    from xbt_tasks.assignments.consumers import on_resource_recommended

    return {ResourceRecommended.TYPE: on_resource_recommended}
