"""Submission routes: hand in, review, read; and a task as its pupils read it, with their
work. Answers are about one user or one class: `Cache-Control: no-store`."""

from __future__ import annotations

from fastapi import Response

from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.http import Id, IdempotencyKey, SubmissionsDep, mark_replayed
from xbt_tasks.submissions.schemas import (
    MyTasks,
    NewSubmission,
    ReviewBody,
    SubmissionView,
    TaskWithWorkView,
)

router = private_router("submissions")


@router.get("/my/tasks")
async def my_tasks(caller: CurrentCaller, submissions: SubmissionsDep) -> MyTasks:
    """A pupil's tasks grouped: to_do, submitted, returned, marked, overdue."""
    return MyTasks.model_validate(await submissions.my_tasks(caller))


@router.get("/tasks/{task_id}")
async def task(task_id: Id, caller: CurrentCaller, submissions: SubmissionsDep) -> TaskWithWorkView:
    """Teachers and administrators get answer keys; pupils get their own state and work."""
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
    """Hand in work (again, while attempts are left). Send an `Idempotency-Key`: a retry
    with the same key and body gets the first answer (`Idempotent-Replayed: true`) and
    never creates a second attempt."""
    view, replayed = await submissions.submit(caller, task_id, body.content(), idempotency_key)
    mark_replayed(response, replayed)
    return SubmissionView.model_validate(view)


@router.get("/tasks/{task_id}/submissions")
async def list_submissions(
    task_id: Id, caller: CurrentCaller, submissions: SubmissionsDep, class_id: Id | None = None
) -> list[SubmissionView]:
    """Every submission of a task (without the attempts' content), for its teachers."""
    found = await submissions.submissions(caller, task_id, class_id)
    return [SubmissionView.model_validate(s) for s in found]


@router.get("/tasks/{task_id}/submissions/{pupil_id}")
async def submission(
    task_id: Id, pupil_id: Id, caller: CurrentCaller, submissions: SubmissionsDep
) -> SubmissionView:
    """One pupil's submission with all attempts: for the pupil and the task's teachers."""
    return SubmissionView.model_validate(await submissions.submission(caller, task_id, pupil_id))


@router.post("/tasks/{task_id}/submissions/{pupil_id}/review", responses=problems(409))
async def review(
    task_id: Id, pupil_id: Id, body: ReviewBody, caller: CurrentCaller, submissions: SubmissionsDep
) -> SubmissionView:
    view = await submissions.review(caller, task_id, pupil_id, body.review())
    return SubmissionView.model_validate(view)
