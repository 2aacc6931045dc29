"""Task use cases: assign, edit, close and reopen; a teacher's list; and the reads the other
features build on (a task as the caller may see it, the tasks of classes). Rules are in
`domain`, MongoDB in `store`, the catalog in `clients.catalog`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from xbt_shared.auth import forbid_guest_writes
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, invalid
from xbt_shared.mongo import Doc, TenantDb, UnitOfWork
from xbt_shared.richtext import sanitise_html
from xbt_tasks.assignments.domain import (
    Item,
    ResourceRef,
    Status,
    Task,
    TaskDraft,
    assign,
    require_teacher_of,
    require_teacher_of_task,
    require_visible,
)
from xbt_tasks.assignments.store import TaskStore
from xbt_tasks.clients.catalog import CatalogClient
from xbt_tasks.events import TaskAssigned, TaskUpdated

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


class TaskReader(Protocol):
    """The task as the caller may see it (`Assignments.visible`): the port the other
    features read tasks through."""

    async def visible(self, caller: Caller, task_id: str) -> Task: ...


def assigned(task: Task) -> TaskAssigned:
    return TaskAssigned(
        task_id=task.id,
        kind=task.kind,
        title=task.title,
        class_ids=list(task.class_ids),
        teacher_id=task.teacher_id,
        opens_at=task.opens_at,
        due_at=task.due_at,
        item_ids=[i.id for i in task.items],
        allow_late=task.allow_late,
        max_attempts=task.max_attempts,
    )


def updated(task: Task, fields: Sequence[str]) -> TaskUpdated:
    return TaskUpdated(
        task_id=task.id,
        revision=task.revision,
        changed=list(fields),
        kind=task.kind,
        title=task.title,
        class_ids=list(task.class_ids),
        teacher_id=task.teacher_id,
        status=task.status,
        opens_at=task.opens_at,
        due_at=task.due_at,
        item_ids=[i.id for i in task.items],
        allow_late=task.allow_late,
        max_attempts=task.max_attempts,
    )


async def add_task(uow: UnitOfWork, task: Task) -> None:
    """Store a new task and announce it, in the caller's transaction."""
    await TaskStore(uow).insert(task)
    uow.record(assigned(task), subject=task.id)


async def task_of(db: TenantDb, task_id: str) -> Task | None:
    """The task, whoever asks (for readers that decide themselves who sees it)."""
    return await TaskStore(db).get(task_id)


async def open_tasks_with_items(
    db: TenantDb, class_ids: Sequence[str], *, item_id: str | None = None
) -> list[Task]:
    """The classes' open tasks that have question items (or `item_id`), whoever asks
    (practice keeps their keys from the pupils who may still hand them in)."""
    return await TaskStore(db).open_with_items(class_ids, item_id=item_id)


async def tasks_of_classes(
    db: TenantDb, class_ids: Sequence[str], *, opened_by: datetime | None = None, limit: int = 500
) -> list[Task]:
    """The classes' tasks, newest first (for readers that decide themselves who sees what)."""
    return await TaskStore(db).of_classes(class_ids, opened_by=opened_by, limit=limit)


@dataclass
class Assignments:
    catalog: CatalogClient

    async def visible(self, caller: Caller, task_id: str) -> Task:
        """The task if the caller may see it at all; else 404."""
        return require_visible(caller.principal, await TaskStore(caller.db).get(task_id), now_ms())

    # assigning --------------------------------------------------------------------------------

    async def create(self, caller: Caller, draft: TaskDraft) -> Doc:
        actor = caller.principal
        forbid_guest_writes(actor)
        require_teacher_of(actor, draft.class_ids)
        if actor.tenant != caller.tenant.id or actor.school is None:
            raise Forbidden("tasks are assigned by teachers of a school in their own district")
        now = now_ms()
        task = assign(
            draft,
            teacher=actor,
            instructions=sanitise_html(draft.instructions),
            resources=await self._resources(draft.resource_ids, caller.bearer),
            items=await self._items(draft.items, caller.bearer),
            now=now,
        )
        async with caller.unit_of_work() as uow:
            await add_task(uow, task)
        return task.public(now, with_keys=True)

    async def _resources(self, ids: Sequence[str], bearer: str) -> list[ResourceRef]:
        if not ids:
            return []
        found = await self.catalog.resources(list(dict.fromkeys(ids)), bearer=bearer)
        missing = [i for i, doc in found.items() if doc is None]
        if missing:
            raise invalid(
                "body.resource_ids",
                f"no such resource visible to your classes: {', '.join(missing)}",
            )
        return [
            ResourceRef(
                id=rid,
                title=doc["title"],
                kind=doc.get("kind"),
                owner=doc.get("owner"),
                chapters=tuple(doc.get("chapters") or ()),
            )
            for rid, doc in found.items()
            if doc is not None
        ]

    async def _items(self, wanted: Sequence[tuple[str, float]], bearer: str) -> list[Item]:
        if not wanted:
            return []
        ids = [item_id for item_id, _ in wanted]
        if len(set(ids)) != len(ids):
            raise invalid("body.items", "an item appears twice")
        found = await self.catalog.items(ids, bearer=bearer)
        missing = [i for i, doc in found.items() if doc is None]
        if missing:
            raise invalid("body.items", f"no such question item: {', '.join(missing)}")
        snapshot = []
        for item_id, points in wanted:
            doc = found[item_id]
            assert doc is not None
            if "answer" not in doc:
                raise Forbidden("the catalog gave no answer keys for this caller")
            snapshot.append(
                Item(
                    id=item_id,
                    type=doc["type"],
                    stem=doc["stem"],
                    options=tuple(doc.get("options") or ()),
                    answer=doc["answer"],
                    explanation=doc.get("explanation"),
                    difficulty=doc.get("difficulty"),
                    knowledge_point_ids=tuple(doc.get("knowledge_point_ids") or ()),
                    subject=doc.get("subject"),
                    stage=doc.get("stage"),
                    chapters=tuple(doc.get("chapters") or ()),
                    points=points,
                )
            )
        return snapshot

    # changing ---------------------------------------------------------------------------------

    async def edit(
        self, caller: Caller, task_id: str, revision: int, changes: Mapping[str, Any]
    ) -> Doc:
        forbid_guest_writes(caller.principal)
        task = await self.visible(caller, task_id)
        require_teacher_of_task(caller.principal, task)
        if "instructions" in changes:
            changes = {**changes, "instructions": sanitise_html(changes["instructions"])}
        now = now_ms()
        edited = task.edited(changes, now)
        if revision != task.revision:
            raise Conflict(f"the task is at revision {task.revision}; reload and try again")
        return await self._save(caller, edited, list(changes), now)

    async def set_status(self, caller: Caller, task_id: str, status: Status) -> Doc:
        forbid_guest_writes(caller.principal)
        task = await self.visible(caller, task_id)
        require_teacher_of_task(caller.principal, task)
        now = now_ms()
        if task.status == status:
            return task.public(now, with_keys=True)
        return await self._save(caller, task.with_status(status, now), ["status"], now)

    async def _save(self, caller: Caller, task: Task, fields: Sequence[str], now: datetime) -> Doc:
        # The change and its event in one transaction: the catalog's answer-key lock follows
        # the task's status and times from it.
        async with caller.unit_of_work() as uow:
            if not await TaskStore(uow).update(task, fields):
                raise Conflict("the task changed meanwhile; reload and try again")
            uow.record(updated(task, fields), subject=task.id)
        return task.public(now, with_keys=True)

    # reading ----------------------------------------------------------------------------------

    async def teacher_tasks(
        self, caller: Caller, class_id: str | None, page: int, size: int
    ) -> Doc:
        actor = caller.principal
        if not actor.has_role("teacher"):
            raise Forbidden("the task list is for teachers; pupils read /my/tasks")
        if class_id is not None and class_id not in actor.classes:
            raise Forbidden(f"you do not teach {class_id}")
        classes = [class_id] if class_id is not None else list(actor.classes)
        tasks = await TaskStore(caller.db).of_classes(classes)
        now = now_ms()
        start = (page - 1) * size
        return {
            "items": [t.summary(now) for t in tasks[start : start + size]],
            "total": len(tasks),
            "page": page,
            "size": size,
        }
