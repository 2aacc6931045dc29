"""The gradebooks' public contract (as JSON; `?format=csv|xlsx` gives the same tables as a
file)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from xbt_tasks.assignments.domain import Kind, Phase, Status
from xbt_tasks.gradebook.domain import GradeState


class TaskHeader(BaseModel):
    id: str
    kind: Kind
    title: str
    opens_at: datetime
    due_at: datetime | None
    status: Status
    phase: Phase
    max_score: float


class Cell(BaseModel):
    """Where one pupil stands on one task."""

    state: GradeState
    timing: Literal["on_time", "late"] | None
    attempts: int
    score: float | None
    percent: float | None = Field(description="of the task's maximum")
    submitted_at: datetime | None


class Pupil(BaseModel):
    pupil_id: str
    name: str | None
    student_no: str | None
    on_roster: bool = Field(description="false: handed in as a member of the class, since moved")


class TaskRow(Pupil, Cell):
    pass


class Counts(BaseModel):
    assigned: int
    submitted: int
    returned: int
    marked: int
    missing: int
    handed_in: int
    on_time: int
    late: int
    scored: int


class Band(BaseModel):
    label: str = Field(description="a band of percentages of the maximum: 0-59 … 90-100")
    count: int


class Scores(BaseModel):
    """The scores given, in points."""

    count: int
    max_score: float
    min: float | None
    max: float | None
    mean: float | None
    median: float | None
    buckets: list[Band]


class ItemRate(BaseModel):
    """Of the pupils who handed in, how many got an objective item right."""

    id: str
    type: str
    points: float
    answered: int
    correct: int
    rate: float | None


class Summary(BaseModel):
    pupils: int
    counts: Counts
    scores: Scores
    items: list[ItemRate]


class ClassOfTask(BaseModel):
    class_id: str
    class_name: str
    rows: list[TaskRow]
    summary: Summary


class TaskGradebook(BaseModel):
    task: TaskHeader
    classes: list[ClassOfTask]
    summary: Summary = Field(description="every class together")


class ClassRef(BaseModel):
    id: str
    name: str
    school_id: str


class TaskColumn(TaskHeader):
    handed_in: int
    missing: int
    mean_percent: float | None


class ClassRow(Pupil):
    cells: list[Cell] = Field(description="one per task, in the order of `tasks`")
    average_percent: float | None = Field(description="over scored work")
    missing: int


class ClassGradebook(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    klass: ClassRef = Field(alias="class")
    tasks: list[TaskColumn] = Field(description="newest first")
    truncated: bool = Field(description="the class has more tasks than `limit`")
    rows: list[ClassRow]
