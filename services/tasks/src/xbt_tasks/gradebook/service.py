"""Gradebook use cases: a task's (class by class) and a class's (pupil by pupil across its
tasks), computed when asked by `domain` from the tasks, the submissions and the rosters
identity gives the asking teacher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xbt_shared.clock import now_ms
from xbt_shared.mongo import Doc
from xbt_tasks.assignments.domain import require_visible
from xbt_tasks.clients.identity import IdentityClient, Roster
from xbt_tasks.gradebook.domain import (
    MAX_CLASS_TASKS,
    class_gradebook,
    gradebook_classes,
    require_class_reader,
    task_gradebook,
)
from xbt_tasks.gradebook.store import GradebookReads

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


@dataclass
class Gradebooks:
    identity: IdentityClient

    async def _rosters(self, caller: Caller, class_ids: Sequence[str]) -> list[Roster]:
        """Every roster, or the first failure: a gradebook is never computed with part of
        its pupils."""
        return await self.identity.rosters(class_ids, bearer=caller.bearer, tenant=caller.tenant)

    async def for_task(self, caller: Caller, task_id: str, class_id: str | None) -> Doc:
        now = now_ms()
        reads = GradebookReads(caller.db)
        task = require_visible(caller.principal, await reads.task(task_id), now)
        class_ids = gradebook_classes(caller.principal, task, class_id)
        rosters = await self._rosters(caller, class_ids)
        submissions = await reads.submissions([task_id], class_ids, with_marking=True)
        return task_gradebook(task, rosters, submissions, now)

    async def for_class(
        self, caller: Caller, class_id: str, *, limit: int = MAX_CLASS_TASKS
    ) -> Doc:
        require_class_reader(caller.principal, class_id)
        now = now_ms()
        # Identity first: it says whether the class exists for this reader at all.
        (roster,) = await self._rosters(caller, [class_id])
        reads = GradebookReads(caller.db)
        found = await reads.opened_tasks_of_class(class_id, opened_by=now, limit=limit + 1)
        tasks = [t for t in found[:limit] if t.managed_by(caller.principal)]
        submissions = await reads.submissions([t.id for t in tasks], [class_id], with_marking=False)
        return class_gradebook(roster, tasks, submissions, now, truncated=len(found) > limit)
