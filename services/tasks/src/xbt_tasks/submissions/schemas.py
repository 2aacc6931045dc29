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
    ListStatus,
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

    attempt: StrictInt | None = Field(
        default=None,
        ge=1,
        description="the attempt reviewed: 409 if a newer one came; left out, the latest",
    )
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
    """A pupil's submission. `attempts` where one submission is read (not in lists), with
    `attempt`: the one opened (`?attempt=n`, else the latest, which a review without an
    attempt marks); `item_points` once reviewed; `items` (with keys) for teachers, and for
    the pupil once the work is marked."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset(
        {"attempts", "attempt", "item_points", "items", "student_no", "on_roster"}
    )

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
    student_no: str | None = Field(default=None, description="学号, for the task's teachers")
    on_roster: bool | None = Field(
        default=None, description="on its class's roster (null: the roster was not read)"
    )
    attempts: list[AttemptView] | None = None
    attempt: AttemptView | None = None
    item_points: dict[str, float] | None = None
    items: list[ItemView] | None = None


class SubmissionRow(View):
    """A row of a task's submissions list: a pupil's submission (without attempts), or with
    `include_missing=true` a pupil of the class who has handed in nothing (`state:
    missing`, `id`, the times and scores null). Pupils are named by their class's roster,
    with their 学号."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset({"item_points"})

    id: str | None
    task_id: str
    class_id: str
    pupil_id: str
    pupil_name: str | None
    student_no: str | None = Field(description="学号, from the class's roster")
    class_name: str | None = Field(
        default=None, description="the class's name, from its roster (null where none was read)"
    )
    on_roster: bool | None = Field(description="null: the roster could not be read")
    created_at: datetime | None
    max_score: float
    state: SubmissionState | Literal["missing"]
    attempt_count: int
    submitted_at: datetime | None
    late: bool
    auto_score: float | None
    needs_teacher: bool
    score: float | None
    updated_at: datetime | None
    comment: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    item_points: dict[str, float] | None = None


class TaskWithWorkView(TaskView):
    """A task; for its pupils (items without keys) also their state and their own work."""

    OMIT_UNSET: ClassVar[frozenset[str]] = TaskView.OMIT_UNSET | {"my_state", "my_submission"}

    my_state: PupilState | None = None
    my_submission: SubmissionView | None = None


class MyTask(TaskSummary):
    """A task in a pupil's list: where it stands in the list (`list_status`, the `status`
    filter's values) and as work (`state`); `late`, `score` and `submitted_at` once they
    have handed in. (`status` is the task's own: open or closed.)"""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset(
        {"late", "score", "submitted_at", "list_status"}
    )

    state: PupilState
    list_status: ListStatus | None = Field(
        default=None, description="due_today, todo, overdue or done (in `items`)"
    )
    late: bool | None = None
    score: float | None = None
    submitted_at: datetime | None = Field(default=None, description="the latest attempt's")


class MyTasks(View):
    """One page of the pupil's tasks of `status` (or all), in the list's order: due today,
    to do and overdue by due time (soonest first), done ones most recently handed in first."""

    status: ListStatus | None
    items: list[MyTask]
    total: int
    page: int
    size: int
    by_status: dict[ListStatus, int] = Field(
        description="how many tasks have each status (due_today, todo, overdue, done)"
    )
