"""Where the gradebook reads from. It stores nothing of its own: a gradebook is computed,
when asked, from the tasks and submissions (read through their features, never their
stores) and the class rosters (identity)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from xbt_shared.mongo import TenantDb
from xbt_tasks.assignments.domain import Task
from xbt_tasks.assignments.service import task_of, tasks_of_classes
from xbt_tasks.submissions.domain import Submission
from xbt_tasks.submissions.service import of_tasks_in_classes


class GradebookReads:
    """One tenant's tasks and submissions, as the gradebook reads them."""

    def __init__(self, db: TenantDb) -> None:
        self.db = db

    async def task(self, task_id: str) -> Task | None:
        return await task_of(self.db, task_id)

    async def opened_tasks_of_class(
        self, class_id: str, *, opened_by: datetime, limit: int
    ) -> list[Task]:
        """The class's tasks opened by then, newest first."""
        return await tasks_of_classes(self.db, [class_id], opened_by=opened_by, limit=limit)

    async def submissions(
        self, task_ids: Sequence[str], class_ids: Sequence[str], *, with_marking: bool
    ) -> list[Submission]:
        if not task_ids:
            return []
        return await of_tasks_in_classes(self.db, task_ids, class_ids, with_marking=with_marking)
