"""Events the question bank consumes: the tasks service's tasks and submissions, kept as the
answer-key lock's projection (`service.record_*`, `store.AnswerLockStore`).

Each handler runs through the inbox (a redelivered event changes nothing) and is order-proof
on its own: a task keeps its highest revision, a pupil's work the state of its newest event.
"""

from __future__ import annotations

from xbt_catalog.bank.domain import TaskLock
from xbt_catalog.bank.service import record_review, record_submission, record_task
from xbt_catalog.events import SubmissionCreated, SubmissionReviewed, TaskAssigned, TaskUpdated
from xbt_shared.consumers import consumer
from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import UnitOfWork

# `tasks.task.assigned` announces a task as it is created: its first revision.
FIRST_REVISION = 1


@consumer(TaskAssigned)
async def on_task_assigned(uow: UnitOfWork, data: TaskAssigned, event: CloudEvent) -> None:
    lock = TaskLock(
        task_id=data.task_id,
        revision=FIRST_REVISION,
        class_ids=tuple(data.class_ids),
        item_ids=tuple(data.item_ids),
        status="open",
        due_at=data.due_at,
        allow_late=data.allow_late,
        max_attempts=data.max_attempts,
    )
    await record_task(uow, lock)


@consumer(TaskUpdated)
async def on_task_updated(uow: UnitOfWork, data: TaskUpdated, event: CloudEvent) -> None:
    lock = TaskLock(
        task_id=data.task_id,
        revision=data.revision,
        class_ids=tuple(data.class_ids),
        item_ids=tuple(data.item_ids),
        status=data.status,
        due_at=data.due_at,
        allow_late=data.allow_late,
        max_attempts=data.max_attempts,
    )
    await record_task(uow, lock)


@consumer(SubmissionCreated)
async def on_submission_created(
    uow: UnitOfWork, data: SubmissionCreated, event: CloudEvent
) -> None:
    await record_submission(
        uow, task_id=data.task_id, pupil_id=data.pupil_id, attempt=data.attempt, at=event.time
    )


@consumer(SubmissionReviewed)
async def on_submission_reviewed(
    uow: UnitOfWork, data: SubmissionReviewed, event: CloudEvent
) -> None:
    await record_review(
        uow, task_id=data.task_id, pupil_id=data.pupil_id, outcome=data.outcome, at=event.time
    )
