"""Events the assignments feature consumes.

`catalog.resource.recommended`: a teacher recommended a resource to classes they teach (the
catalog checked that they teach them and that the resource is visible to them). It becomes
a lightweight "watch this" task for those classes: no due time, nothing to hand in but a
tick ("watched", optionally a sentence), and the usual `tasks.task.assigned` so pupils are
notified. The task's id comes from the event's id, and the effect runs through the inbox:
a redelivered event creates nothing new.
"""

from __future__ import annotations

from xbt_shared.clock import now_ms
from xbt_shared.consumers import consumer
from xbt_shared.envelope import CloudEvent
from xbt_shared.mongo import UnitOfWork
from xbt_tasks.assignments.domain import ResourceRef, watch_task
from xbt_tasks.assignments.service import add_task
from xbt_tasks.events import ResourceRecommended


@consumer(ResourceRecommended)
async def on_resource_recommended(
    uow: UnitOfWork, data: ResourceRecommended, event: CloudEvent
) -> None:
    if not data.class_ids:
        return
    resource = ResourceRef(id=data.resource_id, title=data.title, kind=data.kind, owner=None)
    task = watch_task(
        event_id=event.id,
        resource=resource,
        class_ids=data.class_ids,
        teacher_id=data.teacher_id,
        teacher_name=data.teacher_name,
        school_id=data.school_id,
        note=data.note,
        now=now_ms(),
    )
    await add_task(uow, task)
