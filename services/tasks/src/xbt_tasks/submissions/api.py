"""Submission routes: hand in, review, read; and a task as its pupils read it, with their
work. Answers are about one user or one class: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from xbt_shared.bounds import PageNumber
from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.http import Id, IdempotencyKey, SubmissionsDep, mark_replayed
from xbt_tasks.submissions.domain import ListStatus
from xbt_tasks.submissions.schemas import (
    MyTasks,
    NewSubmission,
    ReviewBody,
    SubmissionRow,
    SubmissionView,
    TaskWithWorkView,
)

router = private_router("submissions")


@router.get("/my/tasks")
async def my_tasks(
    caller: CurrentCaller,
    submissions: SubmissionsDep,
    status: ListStatus | None = None,
    page: PageNumber = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> MyTasks:
    """The pupil's tasks by status, paged.

    `status=due_today|todo|overdue|done` (due today: by the date in Beijing); due today, to do
    and overdue by due time, soonest first; done ones most recently handed in first. Without
    `status` every task, in that order."""
    found = await submissions.my_tasks(caller, status=status, page=page, size=size)
    return MyTasks.model_validate(found)


@router.get("/tasks/{task_id}")
async def task(task_id: Id, caller: CurrentCaller, submissions: SubmissionsDep) -> TaskWithWorkView:
    """A task as the caller sees it, with the pupil's own work.

    Teachers and administrators get answer keys; pupils get their own state and work."""
    return TaskWithWorkView.model_validate(await submissions.task(caller, task_id))


@router.post("/tasks/{task_id}/submissions", status_code=201, responses=problems(409))
async def submit(
    task_id: Id,
    body: NewSubmission,
    response: Response,
    caller: CurrentCaller,
    submissions: SubmissionsDep,
    idempotency_key: IdempotencyKey = None,
) -> SubmissionView:
    """Hand in work.

    Hand in work (again, while attempts are left). Send an `Idempotency-Key`: a retry
    with the same key and body gets the first answer (`Idempotent-Replayed: true`) and
    never creates a second attempt."""
    view, replayed = await submissions.submit(caller, task_id, body.content(), idempotency_key)
    mark_replayed(response, replayed)
    return SubmissionView.model_validate(view)


@router.get("/tasks/{task_id}/submissions", responses=problems(503))
async def list_submissions(
    task_id: Id,
    caller: CurrentCaller,
    submissions: SubmissionsDep,
    class_id: Id | None = None,
    include_missing: Annotated[
        bool, Query(description="also the pupils on the rosters who handed in nothing")
    ] = False,
) -> list[SubmissionRow]:
    """A task's submissions, and with `include_missing` who handed in nothing.

    For the task's teachers and administrators, without the attempts' content. Pupils are
    named by their class's roster with their 学号; `include_missing=true` lists the roster's
    order with a `missing` row for each pupil who handed in nothing (503 if identity does not
    answer)."""
    found = await submissions.submissions(
        caller, task_id, class_id, include_missing=include_missing
    )
    return [SubmissionRow.model_validate(s) for s in found]


@router.get("/tasks/{task_id}/submissions/{pupil_id}")
async def submission(
    task_id: Id,
    pupil_id: Id,
    caller: CurrentCaller,
    submissions: SubmissionsDep,
    attempt: Annotated[
        int | None, Query(ge=1, le=1000, description="the attempt to open; default: the latest")
    ] = None,
) -> SubmissionView:
    """One pupil's submission, opened at its latest attempt.

    Every attempt, and `attempt`: the latest, or `?attempt=n`. For the pupil, the task's
    teachers and administrators."""
    found = await submissions.submission(caller, task_id, pupil_id, attempt=attempt)
    return SubmissionView.model_validate(found)


@router.post("/tasks/{task_id}/submissions/{pupil_id}/review", responses=problems(409))
async def review(
    task_id: Id, pupil_id: Id, body: ReviewBody, caller: CurrentCaller, submissions: SubmissionsDep
) -> SubmissionView:
    """Mark work or return it for revision.

    For the task's teachers. Without `attempt` the latest attempt is marked; naming one that
    is no longer the latest is 409. Marking counts the work's items towards the pupil's
    mastery, once per submission."""
    view = await submissions.review(caller, task_id, pupil_id, body.review())
    return SubmissionView.model_validate(view)
