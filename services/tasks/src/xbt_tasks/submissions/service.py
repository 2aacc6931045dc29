"""Submission use cases: hand in work (idempotently), review it, read it; and a pupil's
tasks with where they stand. Rules are in `domain`, MongoDB in `store`; the task comes
from the assignments feature, the files check from the files feature (both as ports, so
the use cases run in unit tests on fakes)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from xbt_shared.auth import Principal, forbid_guest_writes
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem
from xbt_shared.idempotency import Idempotent, request_digest
from xbt_shared.mongo import Doc, TenantDb, UnitOfWork
from xbt_shared.richtext import sanitise_html
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.domain import Item, Task, require_teacher_of_task
from xbt_tasks.assignments.service import TaskReader, open_tasks_with_items, tasks_of_classes
from xbt_tasks.clients.identity import Roster
from xbt_tasks.events import SubmissionCreated, SubmissionReviewed
from xbt_tasks.submissions.domain import (
    Content,
    ListStatus,
    Review,
    Submission,
    check_reviewable,
    hand_in,
    locked_item_ids,
    marked_items,
    pupil_list,
    pupil_state,
    review_score,
    status_counts,
    submission_id,
    submission_rows,
)
from xbt_tasks.submissions.store import IDEMPOTENCY, SubmissionStore

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


class SubmissionPort(Protocol):
    """What the use cases need of the submissions' storage (`SubmissionStore`)."""

    async def get(self, sid: str) -> Submission | None: ...
    async def of_pupil(self, pupil_id: str, task_ids: Sequence[str]) -> list[Submission]: ...
    async def of_task(
        self, task_id: str, class_id: str | None = None, *, with_attempts: bool = True
    ) -> list[Submission]: ...
    async def insert(self, submission: Submission) -> None: ...
    async def add_attempt(self, submission: Submission) -> bool: ...
    async def review(self, submission: Submission) -> bool: ...


class RosterReader(Protocol):
    """Class rosters as the caller reads them at identity (`IdentityClient.rosters`)."""

    async def rosters(
        self, class_ids: Sequence[str], *, bearer: str, tenant: Tenant
    ) -> list[Roster]: ...


class MarkedWorkCounter(Protocol):
    """Marked work counted towards the pupil's mastery (`Practice.count_marked_work`), in
    the marking's transaction; `raced`: the errors on which that transaction runs again."""

    raced: tuple[type[Exception], ...]

    async def count_marked_work(
        self,
        uow: UnitOfWork,
        *,
        pupil_id: str,
        work_id: str,
        marked: Sequence[tuple[Item, bool]],
        at: datetime,
    ) -> bool: ...


class AttemptFiles(Protocol):
    """422 `body.file_ids` unless the files are the pupil's own uploads for the task
    (`Files.check_attempt_files`)."""

    async def check_attempt_files(
        self, caller: Caller, task: Task, file_ids: Sequence[str], *, limit: int
    ) -> None: ...


class _Raced(Exception):
    """Another attempt was appended between reading the submission and writing ours."""


def submitted(submission: Submission) -> SubmissionCreated:
    attempt = submission.latest
    assert attempt is not None
    return SubmissionCreated(
        task_id=submission.task_id,
        submission_id=submission.id,
        pupil_id=submission.pupil_id,
        class_id=submission.class_id,
        attempt=attempt.n,
        late=attempt.late,
        submitted_at=attempt.submitted_at,
    )


async def submission_of(db: TenantDb, task_id: str, pupil_id: str) -> Submission | None:
    """A pupil's submission to a task (for the checks of other features)."""
    return await SubmissionStore(db).get(submission_id(task_id, pupil_id))


async def keys_held_back(
    db: TenantDb, pupil: Principal, now: datetime, *, item_id: str | None = None
) -> frozenset[str]:
    """The items (of all, or just `item_id`) of the open tasks of the pupil's classes that
    they may still hand in: no route shows the pupil their keys (practice leaves them out,
    their marked work in another task shows them without keys)."""
    tasks = await open_tasks_with_items(db, list(pupil.classes), item_id=item_id)
    mine = [t for t in tasks if t.class_of_pupil(pupil) is not None]
    work = [(t, await submission_of(db, t.id, pupil.user_id)) for t in mine]
    return locked_item_ids(work, now)


async def files_named(
    db: TenantDb, task_ids: Collection[str], pupil_ids: Collection[str]
) -> set[str]:
    """The file ids these pupils' attempts on these tasks name (the files clean-up)."""
    return await SubmissionStore(db).files_named(task_ids, pupil_ids)


async def of_tasks_in_classes(
    db: TenantDb, task_ids: Sequence[str], class_ids: Sequence[str], *, with_marking: bool
) -> list[Submission]:
    """The submissions of the tasks made in the classes (gradebooks): with each attempt's
    marking if asked, never its texts and answers."""
    return await SubmissionStore(db).of_tasks_in_classes(
        task_ids, class_ids, with_marking=with_marking
    )


@dataclass
class Submissions:
    tasks: TaskReader
    files: AttemptFiles
    max_files_per_attempt: int = 10
    idempotency_ttl: timedelta = timedelta(hours=48)
    store: Callable[[TenantDb | UnitOfWork], SubmissionPort] = SubmissionStore
    # Names and 学号 where teachers look, and who has handed in nothing.
    rosters: RosterReader | None = None
    mastery: MarkedWorkCounter | None = None

    # submitting -------------------------------------------------------------------------------

    async def submit(
        self, caller: Caller, task_id: str, content: Content, idempotency_key: str | None
    ) -> tuple[Doc, bool]:
        """(the pupil's submission, whether this answer replays an earlier request)."""
        actor = caller.principal
        forbid_guest_writes(actor)
        task = await self.tasks.visible(caller, task_id)
        class_id = task.class_of_pupil(actor)
        if class_id is None:
            raise Forbidden("only pupils of the task's classes hand in work")
        keyed = Idempotent(
            caller.db,
            # Scope "" and this collection: the records' ids (`<pupil>:<key>`) as ever.
            scope="",
            actor=actor.user_id,
            key=idempotency_key,
            digest=request_digest(content.digest_payload()),
            collection=IDEMPOTENCY,
            ttl=self.idempotency_ttl,
            reused_detail="this Idempotency-Key was used for a different submission; use a new key",
        )
        text = sanitise_html(content.text) if content.text else None

        async def hand_in_once(uow: UnitOfWork) -> Doc:
            store = self.store(uow)
            current = await store.get(submission_id(task.id, actor.user_id))
            submission = hand_in(
                task,
                current,
                pupil=actor,
                class_id=class_id,
                content=content,
                text=text,
                now=now_ms(),
            )
            await self.files.check_attempt_files(
                caller, task, content.file_ids, limit=self.max_files_per_attempt
            )
            if current is None:
                await store.insert(submission)
            elif not await store.add_attempt(submission):
                raise _Raced()
            uow.record(submitted(submission), subject=submission.id)
            return submission.public(task, with_keys=False)

        # A collision with a concurrent submit (same pupil, same task) is tried again: enough
        # for a pupil double-clicking on a slow line; then 409.
        return await keyed.run(
            hand_in_once,
            retry_on=(_Raced,),
            busy_detail="too many submissions at once for this task; try again",
        )

    # reviewing ----------------------------------------------------------------------------------

    async def review(self, caller: Caller, task_id: str, pupil_id: str, review: Review) -> Doc:
        actor = caller.principal
        forbid_guest_writes(actor)
        task = await self.tasks.visible(caller, task_id)
        require_teacher_of_task(actor, task)
        current = await self.store(caller.db).get(submission_id(task_id, pupil_id))
        if current is None:
            raise NotFound("no such submission")
        check_reviewable(current, review)
        score = review_score(
            task, current, review.item_points, review.score, final=review.outcome == "marked"
        )
        reviewed = current.reviewed(review, score=score, reviewer=actor.user_id, now=now_ms())

        async def review_once(uow: UnitOfWork) -> None:
            if not await self.store(uow).review(reviewed):
                raise Conflict("the pupil handed in again meanwhile; review the new attempt")
            if review.outcome == "marked" and self.mastery is not None:
                # Marked work counts towards mastery as practice does, once per submission.
                await self.mastery.count_marked_work(
                    uow,
                    pupil_id=pupil_id,
                    work_id=reviewed.id,
                    marked=marked_items(task, reviewed),
                    at=reviewed.updated_at,
                )
            uow.record(
                SubmissionReviewed(
                    task_id=task_id,
                    submission_id=reviewed.id,
                    pupil_id=pupil_id,
                    outcome=review.outcome,
                    score=reviewed.score,
                    max_score=task.max_score,
                    reviewer_id=actor.user_id,
                ),
                subject=reviewed.id,
            )

        raced = self.mastery.raced if self.mastery is not None else ()
        await caller.transaction(review_once, retry_on=raced)
        return reviewed.public(task, with_keys=True)

    # reading ------------------------------------------------------------------------------------

    async def submissions(
        self,
        caller: Caller,
        task_id: str,
        class_id: str | None,
        *,
        include_missing: bool = False,
    ) -> list[Doc]:
        """The task's submissions, its pupils named by their rosters with their 学号; with
        `include_missing`, also a row for each pupil on the rosters who handed in nothing
        (every roster the caller reads must be read then: else 503, as a gradebook)."""
        task = await self.tasks.visible(caller, task_id)
        actor = caller.principal
        if not task.managed_by(actor):
            raise Forbidden("submissions are read by the task's teachers and administrators")
        found = await self.store(caller.db).of_task(task_id, class_id, with_attempts=False)
        classes = [
            c
            for c in task.class_ids
            if (class_id is None or c == class_id)
            and (task.administered_by(actor) or c in actor.classes)
        ]
        rosters = await self._rosters(caller, classes, required=include_missing)
        return submission_rows(task, found, rosters, include_missing=include_missing)

    async def _rosters(
        self, caller: Caller, class_ids: Sequence[str], *, required: bool
    ) -> list[Roster]:
        """The classes' rosters as the caller reads them at identity. Not `required` (names
        and 学号 only): without them, rather than a failure."""
        if self.rosters is None or not class_ids:
            return []
        try:
            return await self.rosters.rosters(class_ids, bearer=caller.bearer, tenant=caller.tenant)
        except Problem:
            if required:
                raise
            return []

    async def submission(
        self, caller: Caller, task_id: str, pupil_id: str, *, attempt: int | None = None
    ) -> Doc:
        """The pupil's submission with every attempt, opened at `attempt` (else the latest)."""
        task = await self.tasks.visible(caller, task_id)
        manager = task.managed_by(caller.principal)
        if not manager and pupil_id != caller.user_id:
            raise NotFound("no such submission")
        found = await self.store(caller.db).get(submission_id(task_id, pupil_id))
        if found is None:
            raise NotFound("no such submission")
        if attempt is not None and found.attempt(attempt) is None:
            raise NotFound(f"no attempt {attempt}: the pupil handed in {found.attempt_count}")
        if manager:
            view = found.public(task, with_keys=True, attempt=attempt)
            (row,) = submission_rows(
                task,
                [found],
                await self._rosters(caller, [found.class_id], required=False),
                include_missing=False,
            )
            return view | {k: row[k] for k in ("pupil_name", "student_no", "on_roster")}
        return await self._for_pupil(caller, task, found, now_ms(), attempt=attempt)

    async def task(self, caller: Caller, task_id: str) -> Doc:
        """The task as the caller sees it: its teachers and administrators with answer keys;
        its pupils without, with their state and their own work."""
        task = await self.tasks.visible(caller, task_id)
        now = now_ms()
        if task.managed_by(caller.principal):
            return task.public(now, with_keys=True)
        mine = await self.store(caller.db).get(submission_id(task_id, caller.user_id))
        return task.public(now, with_keys=False) | {
            "my_state": pupil_state(task, mine, now),
            "my_submission": await self._for_pupil(caller, task, mine, now) if mine else None,
        }

    async def _for_pupil(
        self,
        caller: Caller,
        task: Task,
        submission: Submission,
        now: datetime,
        *,
        attempt: int | None = None,
    ) -> Doc:
        """The pupil's own submission: once marked with the keys, but for those of items
        in another task they may still hand in."""
        held_back: frozenset[str] = frozenset()
        if submission.state == "marked" and task.items:
            held_back = await keys_held_back(caller.db, caller.principal, now)
        return submission.public(task, with_keys=False, held_back=held_back, attempt=attempt)

    async def my_tasks(
        self,
        caller: Caller,
        *,
        status: ListStatus | None = None,
        page: int = 1,
        size: int = 20,
    ) -> Doc:
        """A pupil's opened tasks, one page of those of `status` (or all) in the list's
        order, with the count of each status."""
        actor = caller.principal
        if not actor.has_role("student"):
            raise Forbidden("my tasks are a pupil's list")
        now = now_ms()
        tasks = await tasks_of_classes(caller.db, list(actor.classes), opened_by=now)
        found = await self.store(caller.db).of_pupil(actor.user_id, [t.id for t in tasks])
        mine = {s.task_id: s for s in found}
        listed = pupil_list(tasks, mine, now, status)
        start = (page - 1) * size
        return {
            "status": status,
            "items": [
                _entry(task, work, pupil_state(task, work, now), now) | {"list_status": state}
                for task, work, state in listed[start : start + size]
            ],
            "total": len(listed),
            "page": page,
            "size": size,
            "by_status": status_counts(tasks, mine, now),
        }


def _entry(task: Task, submission: Submission | None, state: str, now: datetime) -> Doc:
    entry = task.summary(now) | {"state": state}
    if submission is not None:
        entry |= {
            "late": submission.late,
            "score": submission.score,
            "submitted_at": submission.submitted_at,
        }
    return entry
