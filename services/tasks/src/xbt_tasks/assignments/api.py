"""Task routes: translate HTTP to the assignments' use cases and back. Every answer is about
one user or one class, so nothing is cached (`private_router`: `Cache-Control: no-store`).

A task read by its pupils comes with their work: `GET /tasks/{id}` and `GET /my/tasks` are
in `submissions.api`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.assignments.schemas import NewTask, TaskChanges, TaskPage, TaskView
from xbt_tasks.http import AssignmentsDep, Id

router = private_router("tasks")


@router.post("/tasks", status_code=201, responses=problems(503))
async def create_task(body: NewTask, caller: CurrentCaller, tasks: AssignmentsDep) -> TaskView:
    """Set a task for classes the teacher teaches.

    Resources and items are checked against the catalog as the teacher sees it and copied into
    the task. Times without an offset are Beijing time."""
    return TaskView.model_validate(await tasks.create(caller, body.draft()))


@router.get("/tasks")
async def teacher_tasks(
    caller: CurrentCaller,
    tasks: AssignmentsDep,
    class_id: Id | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> TaskPage:
    """A teacher's tasks, newest first.

    The tasks of the classes a teacher teaches (or of one), newest first."""
    return TaskPage.model_validate(await tasks.teacher_tasks(caller, class_id, page, size))


@router.patch("/tasks/{task_id}", responses=problems(409))
async def edit_task(
    task_id: Id, body: TaskChanges, caller: CurrentCaller, tasks: AssignmentsDep
) -> TaskView:
    """Change a task (title, instructions, times, late work, attempts).

    Send the `revision` the change is based on: 409 if the task moved on. Times without an
    offset are Beijing time."""
    return TaskView.model_validate(await tasks.edit(caller, task_id, body.revision, body.changes()))


@router.post("/tasks/{task_id}/close", responses=problems(409))
async def close(task_id: Id, caller: CurrentCaller, tasks: AssignmentsDep) -> TaskView:
    """Close a task: no more submissions.

    No more submissions (pupils still see the task and their work)."""
    return TaskView.model_validate(await tasks.set_status(caller, task_id, "closed"))


@router.post("/tasks/{task_id}/reopen", responses=problems(409))
async def reopen(task_id: Id, caller: CurrentCaller, tasks: AssignmentsDep) -> TaskView:
    """Reopen a closed task."""
    return TaskView.model_validate(await tasks.set_status(caller, task_id, "open"))
