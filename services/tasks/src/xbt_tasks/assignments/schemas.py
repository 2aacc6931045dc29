"""The assignments' public contract: what a teacher sends to set or change a task, and the
task as it is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

from xbt_tasks.assignments import domain
from xbt_tasks.assignments.domain import Kind, Phase, Status, TaskDraft
from xbt_tasks.http import Id, LocalInstant, View

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=domain.MAX_TITLE)
]


class NewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id
    points: StrictFloat = Field(default=1.0, gt=0, le=100)


class NewTask(BaseModel):
    """A task for one or more classes the teacher teaches. Resources and items are checked
    against the catalog (as the teacher sees it) and copied into the task."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    instructions: str = Field(default="", max_length=domain.MAX_INSTRUCTIONS, description="HTML")
    class_ids: list[Id] = Field(min_length=1, max_length=domain.MAX_CLASSES)
    resource_ids: list[Id] = Field(default_factory=list, max_length=domain.MAX_RESOURCES)
    items: list[NewItem] = Field(default_factory=list, max_length=domain.MAX_ITEMS)
    accepts_text: StrictBool = True
    accepts_files: StrictBool = False
    opens_at: LocalInstant | None = Field(default=None, description="default: now")
    due_at: LocalInstant | None = None
    allow_late: StrictBool = False
    max_attempts: StrictInt = Field(default=1, ge=1, le=domain.MAX_ATTEMPTS)
    max_score: StrictFloat | None = Field(
        default=None, gt=0, le=1000, description="for tasks without items (default 100)"
    )

    def draft(self) -> TaskDraft:
        return TaskDraft(
            title=self.title,
            instructions=self.instructions,
            class_ids=tuple(self.class_ids),
            resource_ids=tuple(self.resource_ids),
            items=tuple((i.id, i.points) for i in self.items),
            accepts_text=self.accepts_text,
            accepts_files=self.accepts_files,
            opens_at=self.opens_at,
            due_at=self.due_at,
            allow_late=self.allow_late,
            max_attempts=self.max_attempts,
            max_score=self.max_score,
        )


class TaskChanges(BaseModel):
    """Fields to change, with the revision they are based on (409 if it moved on)."""

    model_config = ConfigDict(extra="forbid")

    revision: StrictInt = Field(ge=1)
    title: Title | None = None
    instructions: str | None = Field(default=None, max_length=domain.MAX_INSTRUCTIONS)
    opens_at: LocalInstant | None = None
    due_at: LocalInstant | None = None
    allow_late: StrictBool | None = None
    max_attempts: StrictInt | None = Field(default=None, ge=1, le=domain.MAX_ATTEMPTS)

    def changes(self) -> dict[str, Any]:
        """The fields sent; `due_at: null` removes the due time, other nulls change nothing."""
        return {
            k: v
            for k, v in self.model_dump(exclude_unset=True).items()
            if k != "revision" and (v is not None or k == "due_at")
        }


# --- answers -----------------------------------------------------------------------------


class ItemView(View):
    """A question item of a task; `answer` and `explanation` only for its teachers (and for
    pupils once their work is marked)."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset({"answer", "explanation"})

    id: str
    type: str
    stem: str
    options: list[dict[str, JsonValue]]
    answer: JsonValue = None
    explanation: str | None = None
    difficulty: int | None
    knowledge_point_ids: list[str]
    points: float
    chapters: list[ChapterRef] = Field(default_factory=list)


class NamedNode(BaseModel):
    id: str
    title: str


class ChapterRef(BaseModel):
    """A textbook chapter a resource or item belongs to: the node, its book, unit and
    lesson (for a link to the chapter and its path: 人教版 七年级下册 数学 › 第八章 › 8.2)."""

    node_id: str
    textbook: NamedNode
    unit: NamedNode | None = None
    lesson: NamedNode | None = None


class ResourceView(BaseModel):
    id: str
    title: str
    kind: str | None
    owner: str | None
    chapters: list[ChapterRef] = Field(default_factory=list)


class AcceptsView(BaseModel):
    text: bool
    files: bool
    answers: bool


class TaskView(View):
    """A task. `source_event` only on a "watch this" task made from a recommendation."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset({"source_event"})

    id: str
    kind: Kind
    school_id: str | None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None
    title: str
    instructions: str = Field(description="HTML, cleaned")
    resources: list[ResourceView]
    items: list[ItemView]
    accepts: AcceptsView
    opens_at: datetime
    due_at: datetime | None
    allow_late: bool
    max_attempts: int
    max_score: float
    status: Status
    phase: Phase
    created_at: datetime
    updated_at: datetime
    revision: int
    source_event: str | None = None


class TaskSummary(View):
    """A task in a list: no instructions, no items."""

    id: str
    kind: Kind
    title: str
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None
    opens_at: datetime
    due_at: datetime | None
    allow_late: bool
    max_attempts: int
    max_score: float
    status: Status
    phase: Phase
    revision: int
    item_count: int
    resource_count: int


class TaskPage(BaseModel):
    items: list[TaskSummary]
    total: int
    page: int
    size: int
