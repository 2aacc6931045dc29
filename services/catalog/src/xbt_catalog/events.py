"""What the catalog publishes and consumes, in one screen."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from xbt_shared.events import Consumed, Event

if TYPE_CHECKING:
    from xbt_shared.consumers import Consumer

# --- published (through the outbox) ----------------------------------------------------------


class ResourcePublished(Event):
    """A resource became visible to its audience (city, a district or a school)."""

    TYPE: ClassVar[str] = "catalog.resource.published"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "resource_id": "res-3f9c2a7d41b85e60",
        "title": "《解二元一次方程组》第1课时 课堂实录",
        "kind": "recording",
        "subject": "数学",
        "grades": [7],
        "level": "district",
        "school_id": None,
        "published_by": "hp-researcher-01",
    }

    resource_id: str
    title: str
    kind: str
    subject: str | None = None
    grades: list[int] = Field(default_factory=list)
    level: str
    school_id: str | None = None
    published_by: str


class ResourceRecommended(Event):
    """A teacher recommended a resource to classes they teach ("watch this")."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "resource_id": "res-3f9c2a7d41b85e60",
        "title": "《解二元一次方程组》第1课时 课堂实录",
        "kind": "recording",
        "class_ids": ["hp-sy-zx-7-3"],
        "teacher_id": "hp-sy-zx-t-0042",
        "teacher_name": "王老师",
        "school_id": "hp-sy-zx",
        "note": "周三数学课前请先看完",
    }

    resource_id: str
    title: str
    kind: str | None = None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None = None
    school_id: str | None = None
    note: str | None = None


PUBLISHES: tuple[type[Event], ...] = (ResourcePublished, ResourceRecommended)

# --- consumed: what the question bank's answer-key lock reads of the tasks service ------------


class TaskAssigned(Consumed):
    """A new task (its first revision): its bank items' keys are held back from its classes."""

    TYPE: ClassVar[str] = "tasks.task.assigned"
    task_id: str
    class_ids: list[str]
    # Tasks announced before tasks named their items lock nothing.
    item_ids: list[str] = Field(default_factory=list)
    due_at: datetime | None = None
    allow_late: bool = False
    max_attempts: int = 1


class TaskUpdated(Consumed):
    """A task edited, closed or reopened: its state at `revision`."""

    TYPE: ClassVar[str] = "tasks.task.updated"
    task_id: str
    revision: int
    class_ids: list[str]
    item_ids: list[str]
    status: Literal["open", "closed"]
    due_at: datetime | None
    allow_late: bool
    max_attempts: int


class SubmissionCreated(Consumed):
    """A pupil handed in an attempt."""

    TYPE: ClassVar[str] = "tasks.submission.created"
    task_id: str
    pupil_id: str
    attempt: int


class SubmissionReviewed(Consumed):
    """A teacher marked a pupil's work or returned it for revision."""

    TYPE: ClassVar[str] = "tasks.submission.reviewed"
    task_id: str
    pupil_id: str
    outcome: Literal["returned", "marked"]


def subscriptions() -> dict[str, Consumer[Any]]:
    # Imported here: the handlers import this module's models.
    from xbt_catalog.bank.consumers import (
        on_submission_created,
        on_submission_reviewed,
        on_task_assigned,
        on_task_updated,
    )

    return {
        TaskAssigned.TYPE: on_task_assigned,
        TaskUpdated.TYPE: on_task_updated,
        SubmissionCreated.TYPE: on_submission_created,
        SubmissionReviewed.TYPE: on_submission_reviewed,
    }
