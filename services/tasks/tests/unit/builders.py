"""Domain objects for unit tests: complete and valid, with what a test cares about given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from xbt_tasks.assignments.domain import Accepts, Task
from xbt_tasks.submissions.domain import Attempt, Submission

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def a_task(**over: Any) -> Task:
    """An open task of one class of school s-1, due in a day, taking text."""
    fields: dict[str, Any] = {
        "id": "tk-1",
        "kind": "task",
        "school_id": "s-1",
        "class_ids": ("c-1",),
        "teacher_id": "t-1",
        "teacher_name": "李老师",
        "title": "第八章 作业",
        "instructions": "",
        "resources": (),
        "items": (),
        "accepts": Accepts(text=True, files=False, answers=False),
        "opens_at": AT - timedelta(days=1),
        "due_at": AT + timedelta(days=1),
        "allow_late": False,
        "max_attempts": 1,
        "max_score": 100.0,
        "status": "open",
        "created_at": AT - timedelta(days=1),
        "updated_at": AT - timedelta(days=1),
        "revision": 1,
    }
    return Task(**(fields | over))


def attempt(**over: Any) -> Attempt:
    fields: dict[str, Any] = {
        "n": 1,
        "submitted_at": AT - timedelta(hours=3),
        "late": False,
        "marking": None,
    }
    return Attempt(**(fields | over))


def a_submission(**over: Any) -> Submission:
    """Pupil p-1's submission to tk-1, one attempt, waiting for the teacher."""
    fields: dict[str, Any] = {
        "id": "tk-1.p-1",
        "task_id": "tk-1",
        "class_id": "c-1",
        "pupil_id": "p-1",
        "pupil_name": "王小明",
        "created_at": AT - timedelta(hours=3),
        "max_score": 100.0,
        "state": "submitted",
        "attempt_count": 1,
        "attempts": (attempt(),),
        "submitted_at": AT - timedelta(hours=3),
        "late": False,
        "auto_score": None,
        "needs_teacher": True,
        "score": None,
        "updated_at": AT - timedelta(hours=3),
    }
    return Submission(**(fields | over))
