"""Task routes: translate HTTP to use cases and back. Every answer is about one user or one
class, so nothing is cached: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Request, Response
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

from xbt_shared.auth import CurrentTenant, CurrentUser
from xbt_shared.routing import from_state, private_router
from xbt_tasks import rules
from xbt_tasks.rules import Content
from xbt_tasks.service import Review, TaskDraft, Tasks

router = private_router("tasks")


TaskUseCases = Annotated[Tasks, Depends(from_state("tasks", Tasks))]
Id = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\w.:@-]{1,64}$")]
Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MAX_TITLE)
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{8,128}$",
        description="8-128 printable characters, new for each submission; a retry reuses it",
    ),
]


class NewItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Id
    points: float = Field(default=1.0, gt=0, le=100)


class NewTask(BaseModel):
    """A task for one or more classes the teacher teaches. Resources and items are checked
    against the catalog (as the teacher sees it) and copied into the task."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    instructions: str = Field(default="", max_length=rules.MAX_INSTRUCTIONS, description="HTML")
    class_ids: list[Id] = Field(min_length=1, max_length=rules.MAX_CLASSES)
    resource_ids: list[Id] = Field(default_factory=list, max_length=rules.MAX_RESOURCES)
    items: list[NewItem] = Field(default_factory=list, max_length=rules.MAX_ITEMS)
    accepts_text: bool = True
    accepts_files: bool = False
    opens_at: AwareDatetime | None = Field(default=None, description="default: now")
    due_at: AwareDatetime | None = None
    allow_late: bool = False
    max_attempts: int = Field(default=1, ge=1, le=rules.MAX_ATTEMPTS)
    max_score: float | None = Field(
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

    revision: int = Field(ge=1)
    title: Title | None = None
    instructions: str | None = Field(default=None, max_length=rules.MAX_INSTRUCTIONS)
    opens_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    allow_late: bool | None = None
    max_attempts: int | None = Field(default=None, ge=1, le=rules.MAX_ATTEMPTS)

    def changes(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.model_dump(exclude_unset=True).items()
            if k != "revision" and (v is not None or k == "due_at")
        }


class NewSubmission(BaseModel):
    """A pupil's work: text (HTML), files uploaded before, answers to the task's items
    (single: "B"; multiple: ["A", "C"]; true/false: true; fill: ["x=2"]; short: a text)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, max_length=rules.MAX_TEXT)
    file_ids: list[Id] = Field(default_factory=list, max_length=20)
    answers: dict[Id, JsonValue] = Field(default_factory=dict, max_length=rules.MAX_ITEMS)

    def content(self) -> Content:
        return Content(text=self.text, file_ids=tuple(self.file_ids), answers=self.answers)


class ReviewBody(BaseModel):
    """Mark the work, or return it for revision. Items: points per item (short answers must
    have them to mark; objective items keep their automatic points unless given here).
    Without items: `score`."""

    model_config = ConfigDict(extra="forbid")

    attempt: int = Field(ge=1, description="the attempt reviewed: 409 if a newer one came")
    outcome: Literal["marked", "returned"]
    item_points: dict[Id, float] = Field(default_factory=dict)
    score: float | None = Field(default=None, ge=0)
    comment: str | None = Field(default=None, max_length=rules.MAX_COMMENT)

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


# --- routes ----------------------------------------------------------------------------------


@router.post("/tasks", status_code=201)
async def create_task(
    body: NewTask,
    request: Request,
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
) -> dict[str, Any]:
    bearer = request.headers.get("authorization", "").partition(" ")[2]
    return await tasks.create_task(principal, tenant, body.draft(), bearer=bearer)


@router.get("/tasks")
async def teacher_tasks(
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
    class_id: Id | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """The tasks of the classes a teacher teaches (or of one), newest first."""
    return await tasks.teacher_tasks(principal, tenant, class_id, page, size)


@router.get("/my/tasks")
async def my_tasks(
    principal: CurrentUser, tenant: CurrentTenant, tasks: TaskUseCases
) -> dict[str, Any]:
    """A pupil's tasks grouped: to_do, submitted, returned, marked, overdue."""
    return await tasks.my_tasks(principal, tenant)


@router.get("/tasks/{task_id}")
async def task(
    task_id: Id, principal: CurrentUser, tenant: CurrentTenant, tasks: TaskUseCases
) -> dict[str, Any]:
    """Teachers and administrators get answer keys; pupils get their own state and work."""
    return await tasks.task(principal, tenant, task_id)


@router.patch("/tasks/{task_id}")
async def edit_task(
    task_id: Id,
    body: TaskChanges,
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
) -> dict[str, Any]:
    return await tasks.edit_task(principal, tenant, task_id, body.revision, body.changes())


@router.post("/tasks/{task_id}/submissions", status_code=201)
async def submit(
    task_id: Id,
    body: NewSubmission,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Hand in work (again, while attempts are left). Send an `Idempotency-Key`: a retry
    with the same key and body gets the first answer (`Idempotent-Replayed: true`) and
    never creates a second attempt."""
    view, replayed = await tasks.submit(principal, tenant, task_id, body.content(), idempotency_key)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return view


@router.get("/tasks/{task_id}/submissions")
async def submissions(
    task_id: Id,
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
    class_id: Id | None = None,
) -> list[dict[str, Any]]:
    """Every submission of a task (without the attempts' content), for its teachers."""
    return await tasks.submissions(principal, tenant, task_id, class_id)


@router.get("/tasks/{task_id}/submissions/{pupil_id}")
async def submission(
    task_id: Id, pupil_id: Id, principal: CurrentUser, tenant: CurrentTenant, tasks: TaskUseCases
) -> dict[str, Any]:
    """One pupil's submission with all attempts: for the pupil and the task's teachers."""
    return await tasks.submission(principal, tenant, task_id, pupil_id)


@router.post("/tasks/{task_id}/submissions/{pupil_id}/review")
async def review(
    task_id: Id,
    pupil_id: Id,
    body: ReviewBody,
    principal: CurrentUser,
    tenant: CurrentTenant,
    tasks: TaskUseCases,
) -> dict[str, Any]:
    return await tasks.review(principal, tenant, task_id, pupil_id, body.review())


@router.post("/tasks/{task_id}/close")
async def close(
    task_id: Id, principal: CurrentUser, tenant: CurrentTenant, tasks: TaskUseCases
) -> dict[str, Any]:
    """No more submissions (pupils still see the task and their work)."""
    return await tasks.set_status(principal, tenant, task_id, "closed")


@router.post("/tasks/{task_id}/reopen")
async def reopen(
    task_id: Id, principal: CurrentUser, tenant: CurrentTenant, tasks: TaskUseCases
) -> dict[str, Any]:
    return await tasks.set_status(principal, tenant, task_id, "open")
