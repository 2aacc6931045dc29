"""The submissions' public contract: a pupil's work, a teacher's review, a submission as it
is shown, and a pupil's tasks with where they stand."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictFloat,
    StrictInt,
    model_validator,
)

from xbt_tasks.assignments.domain import MAX_ITEMS
from xbt_tasks.assignments.schemas import ItemView, TaskSummary, TaskView
from xbt_tasks.http import Id, View
from xbt_tasks.submissions.domain import (
    MAX_COMMENT,
    MAX_TEXT,
    Content,
    PupilState,
    Review,
    SubmissionState,
)


class NewSubmission(BaseModel):
    """A pupil's work: text (HTML), files uploaded before, answers to the task's items
    (single: "B"; multiple: ["A", "C"]; true/false: true; fill: ["x=2"]; short: a text)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=MAX_TEXT)
    file_ids: list[Id] = Field(default_factory=list, max_length=20)
    answers: dict[Id, JsonValue] = Field(default_factory=dict, max_length=MAX_ITEMS)

    def content(self) -> Content:
        return Content(text=self.text, file_ids=tuple(self.file_ids), answers=self.answers)


class ReviewBody(BaseModel):
    """Mark the work, or return it for revision. Items: points per item (short answers must
    have them to mark; objective items keep their automatic points unless given here).
    Without items: `score`."""

    model_config = ConfigDict(extra="forbid")

    attempt: StrictInt = Field(ge=1, description="the attempt reviewed: 409 if a newer one came")
    outcome: Literal["marked", "returned"]
    item_points: dict[Id, StrictFloat] = Field(default_factory=dict)
    score: StrictFloat | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)

    @model_validator(mode="after")
    def _returned_has_a_comment(self) -> ReviewBody:
        if self.outcome == "returned" and not (self.comment and self.comment.strip()):
            raise ValueError("returning work for revision needs a comment saying what to change")
        return self

    def review(self) -> Review:
        return Review(
            attempt=self.attempt,
            outcome=self.outcome,
            item_points=dict(self.item_points),
            score=self.score,
            comment=self.comment,
        )


# --- answers -----------------------------------------------------------------------------


class ItemMarkView(BaseModel):
    correct: bool
    points: float
    blanks: list[bool] | None = Field(description="fill-ins: per blank")


class MarkingView(BaseModel):
    """The automatic marking of an attempt's objective items; `pending`: the short answers
    the teacher marks."""

    items: dict[str, ItemMarkView]
    score: float
    max: float
    pending: list[str]


class AttemptView(BaseModel):
    n: int
    text: str | None = Field(description="HTML, cleaned")
    file_ids: list[str]
    answers: dict[str, JsonValue]
    submitted_at: datetime
    late: bool
    marking: MarkingView | None


class SubmissionView(View):
    """A pupil's submission. `attempts` where one submission is read (not in lists);
    `item_points` once reviewed; `items` (with keys) for teachers, and for the pupil once
    the work is marked."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset({"attempts", "item_points", "items"})

    id: str
    task_id: str
    class_id: str
    pupil_id: str
    pupil_name: str | None
    created_at: datetime
    max_score: float
    state: SubmissionState
    attempt_count: int
    submitted_at: datetime
    late: bool
    auto_score: float | None
    needs_teacher: bool
    score: float | None
    updated_at: datetime
    comment: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    attempts: list[AttemptView] | None = None
    item_points: dict[str, float] | None = None
    items: list[ItemView] | None = None


class TaskWithWorkView(TaskView):
    """A task; for its pupils (items without keys) also their state and their own work."""

    OMIT_UNSET: ClassVar[frozenset[str]] = TaskView.OMIT_UNSET | {"my_state", "my_submission"}

    my_state: PupilState | None = None
    my_submission: SubmissionView | None = None


class MyTask(TaskSummary):
    """A task in a pupil's list, with where they stand; `late` and `score` once they have
    handed in."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset({"late", "score"})

    state: PupilState
    late: bool | None = None
    score: float | None = None


class MyTasks(BaseModel):
    groups: dict[PupilState, list[MyTask]] = Field(
        description="every state, in the order to_do, submitted, returned, marked, overdue"
    )
    counts: dict[PupilState, int]
