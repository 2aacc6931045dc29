"""What the tasks service publishes and consumes, in one screen."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel


class TaskAssigned(BaseModel):
    """A task was given to classes (pupils are notified when it opens)."""

    TYPE: ClassVar[str] = "tasks.task.assigned"
    task_id: str
    kind: Literal["task", "watch"]
    title: str
    class_ids: list[str]
    teacher_id: str
    opens_at: datetime
    due_at: datetime | None


class SubmissionCreated(BaseModel):
    """A pupil handed in (an attempt of) their work."""

    TYPE: ClassVar[str] = "tasks.submission.created"
    task_id: str
    submission_id: str
    pupil_id: str
    class_id: str
    attempt: int
    late: bool
    submitted_at: datetime


class SubmissionReviewed(BaseModel):
    """A teacher marked a submission or returned it for revision."""

    TYPE: ClassVar[str] = "tasks.submission.reviewed"
    task_id: str
    submission_id: str
    pupil_id: str
    outcome: Literal["returned", "marked"]
    score: float | None
    max_score: float
    reviewer_id: str


class QuestionAsked(BaseModel):
    """A pupil asked about a task (答疑), to the class or privately to the teacher."""

    TYPE: ClassVar[str] = "tasks.question.asked"
    task_id: str
    question_id: str
    class_id: str
    asked_by: str
    visibility: Literal["class", "private"]


class QuestionAnswered(BaseModel):
    """A teacher answered a pupil's question."""

    TYPE: ClassVar[str] = "tasks.question.answered"
    task_id: str
    question_id: str
    asked_by: str
    answered_by: str


# What it consumes (catalog.resource.recommended -> a "watch this" task): see consumers.py.
