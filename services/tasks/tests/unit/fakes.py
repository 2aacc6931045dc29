"""In-memory stand-ins for the ports the use cases write through: a tenant's database with
its unit of work (what the shared idempotency and transaction helpers touch), and the
stores. No network: the use cases run in microseconds."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from xbt_shared.auth import Principal
from xbt_shared.caller import Caller
from xbt_shared.errors import NotFound
from xbt_shared.mongo import Doc, TenantDb
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.domain import Task
from xbt_tasks.submissions.domain import Submission


class FakeCollection:
    """The few collection calls the shared helpers make (keyed by `_id`)."""

    def __init__(self) -> None:
        self.docs: dict[Any, Doc] = {}

    async def find_one(self, query: Doc, *args: Any, **kwargs: Any) -> Doc | None:
        found = self.docs.get(query["_id"])
        return copy.deepcopy(found) if found is not None else None

    async def insert_one(self, doc: Doc, *args: Any, **kwargs: Any) -> None:
        if doc["_id"] in self.docs:
            raise DuplicateKeyError(f"duplicate key: {doc['_id']}")
        self.docs[doc["_id"]] = copy.deepcopy(doc)


@dataclass
class FakeUnitOfWork:
    db: FakeDb
    session: None = None
    events: list[tuple[BaseModel, str | None]] = field(default_factory=list)

    def __getitem__(self, name: str) -> FakeCollection:
        return self.db[name]

    def record(self, event: BaseModel, *, subject: str | None = None) -> None:
        self.events.append((event, subject))


@dataclass
class FakeDb:
    """A tenant's database: collections, and units of work that keep their writes and events
    (what the outbox would hold) when they end without an error and undo them otherwise, as
    a transaction does. Stores of their own (`FakeSubmissionStore`) take part."""

    collections: dict[str, FakeCollection] = field(default_factory=dict)
    committed: list[tuple[BaseModel, str | None]] = field(default_factory=list)
    stores: list[FakeSubmissionStore] = field(default_factory=list)

    def __getitem__(self, name: str) -> FakeCollection:
        return self.collections.setdefault(name, FakeCollection())

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[FakeUnitOfWork]:
        saved = (
            {name: dict(c.docs) for name, c in self.collections.items()},
            [dict(store.rows) for store in self.stores],
        )
        uow = FakeUnitOfWork(self)
        try:
            yield uow
        except BaseException:
            for name, docs in saved[0].items():
                self.collections[name].docs = docs
            for name in set(self.collections) - set(saved[0]):
                del self.collections[name]
            for store, rows in zip(self.stores, saved[1], strict=True):
                store.rows = rows
            raise
        self.committed += uow.events

    def event_types(self) -> list[str]:
        return [type(event).__name__ for event, _ in self.committed]


def caller_of(principal: Principal, db: FakeDb) -> Caller:
    tenant = Tenant(principal.tenant)
    return Caller(principal=principal, tenant=tenant, db=cast(TenantDb, db), bearer="t")


class FakeSubmissionStore:
    """`SubmissionPort` over a dict; `races` makes the next appends fail as if another
    attempt had come in between."""

    def __init__(self, db: FakeDb) -> None:
        self.rows: dict[str, Submission] = {}
        self.races = 0
        self.refuse_reviews = False
        db.stores.append(self)

    async def get(self, sid: str) -> Submission | None:
        return self.rows.get(sid)

    async def of_pupil(self, pupil_id: str, task_ids: Sequence[str]) -> list[Submission]:
        return [s for s in self.rows.values() if s.pupil_id == pupil_id and s.task_id in task_ids]

    async def of_task(
        self, task_id: str, class_id: str | None = None, *, with_attempts: bool = True
    ) -> list[Submission]:
        return [
            s for s in self.rows.values() if s.task_id == task_id and class_id in (None, s.class_id)
        ]

    async def insert(self, submission: Submission) -> None:
        if submission.id in self.rows:
            raise DuplicateKeyError(submission.id)
        self.rows[submission.id] = submission

    async def add_attempt(self, submission: Submission) -> bool:
        if self.races:
            self.races -= 1
            return False
        stored = self.rows[submission.id]
        if stored.attempt_count != submission.attempt_count - 1:
            return False
        self.rows[submission.id] = submission
        return True

    async def review(self, submission: Submission) -> bool:
        if self.refuse_reviews:
            return False
        self.rows[submission.id] = submission
        return True


class FakeTasks:
    """`TaskReader` over a dict (everyone sees every task it holds)."""

    def __init__(self, *tasks: Task) -> None:
        self.tasks = {t.id: t for t in tasks}

    async def visible(self, caller: Caller, task_id: str) -> Task:
        task = self.tasks.get(task_id)
        if task is None or not task.visible_to(caller.principal, task.opens_at):
            raise NotFound("no such task")
        return task


class FakeFiles:
    """`AttemptFiles`: every file is the pupil's own; the checks asked for are kept."""

    def __init__(self) -> None:
        self.checked: list[tuple[str, ...]] = []

    async def check_attempt_files(
        self, caller: Caller, task: Task, file_ids: Sequence[str], *, limit: int
    ) -> None:
        self.checked.append(tuple(file_ids))
