"""Events the tasks service consumes.

`catalog.resource.recommended`: a teacher recommended a resource to classes they teach (the
catalog checked that they teach them and that the resource is visible to them). It becomes
a lightweight "watch this" task for those classes: no due time, nothing to hand in but a
tick ("watched", optionally a sentence), and the usual `tasks.task.assigned` so pupils are
notified. The task's id comes from the event's id, and the effect runs through the inbox:
a redelivered event creates nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import BaseModel, ValidationError

from xbt_shared.bus import Handler
from xbt_shared.envelope import CloudEvent
from xbt_shared.inbox import process_once
from xbt_shared.mongo import Mongo, UnitOfWork
from xbt_shared.runtime import Runtime
from xbt_shared.tenancy import Tenant, is_tenant
from xbt_tasks.events import TaskAssigned
from xbt_tasks.service import now_ms
from xbt_tasks.store import TaskStore

log = logging.getLogger("xbt.tasks.consumers")

RECOMMENDED = "catalog.resource.recommended"


class Recommendation(BaseModel):
    """The fields of `catalog.resource.recommended` this service relies on."""

    resource_id: str
    title: str
    kind: str | None = None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None = None
    school_id: str | None = None
    note: str | None = None


def watch_task_id(event_id: str) -> str:
    return "tk-w-" + event_id.replace("-", "")[:24]


def watch_task(event: CloudEvent, rec: Recommendation) -> dict[str, Any]:
    now = now_ms()
    return {
        "_id": watch_task_id(event.id),
        "kind": "watch",
        "school_id": rec.school_id,
        "class_ids": list(dict.fromkeys(rec.class_ids)),
        "teacher_id": rec.teacher_id,
        "teacher_name": rec.teacher_name,
        "title": f"观看：{rec.title}"[:100],
        "instructions": rec.note or "",
        "resources": [{"id": rec.resource_id, "title": rec.title, "kind": rec.kind, "owner": None}],
        "items": [],
        "accepts": {"text": True, "files": False, "answers": False},
        "opens_at": now,
        "due_at": None,
        "allow_late": True,
        "max_attempts": 1,
        "max_score": 0.0,
        "status": "open",
        "source_event": event.id,
        "created_at": now,
        "updated_at": now,
        "revision": 1,
    }


def recommendation_handler(mongo: Mongo) -> Callable[[CloudEvent], Coroutine[Any, Any, None]]:
    async def on_recommended(event: CloudEvent) -> None:
        if not is_tenant(event.tenant):
            log.error("recommendation %s names no known tenant; ignored", event.id)
            return
        try:
            rec = Recommendation.model_validate(event.data)
        except ValidationError:
            # Redelivery cannot fix a malformed event: record it and move on.
            log.exception("malformed recommendation %s; ignored", event.id)
            return
        if not rec.class_ids:
            return
        task = watch_task(event, rec)

        async def effect(uow: UnitOfWork) -> None:
            await TaskStore.within(uow).insert_task(task)
            uow.record(
                TaskAssigned(
                    task_id=task["_id"],
                    kind="watch",
                    title=task["title"],
                    class_ids=task["class_ids"],
                    teacher_id=rec.teacher_id,
                    opens_at=task["opens_at"],
                    due_at=None,
                ),
                subject=task["_id"],
            )

        await process_once(mongo.for_tenant(Tenant(event.tenant)), event, effect)

    return on_recommended


def subscriptions(runtime: Runtime) -> dict[str, Handler]:
    return {RECOMMENDED: recommendation_handler(runtime.mongo)}
