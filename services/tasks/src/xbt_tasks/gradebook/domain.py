"""Gradebooks (成绩册): a task's, class by class, and a class's, pupil by pupil across its
tasks. The computation, without I/O (the use cases are in `service`).

The pupils are the class roster, read from identity when asked (tasks does not own pupils);
a pupil who handed in nothing is "missing" once the task is due (or closed) and "assigned"
before. A pupil who handed in as a member of the class but is no longer on its roster (moved
class) keeps their row, flagged `on_roster: false`: the work exists and was marked.

States of a pupil on a task:

- assigned:  nothing handed in, and the task is still open and not yet due;
- submitted: handed in, waiting for the teacher (or fully auto-marked: it has a score);
- returned:  sent back for revision;
- marked:    marked by the teacher;
- missing:   nothing handed in, and the due time has passed or the task is closed.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden, invalid
from xbt_shared.mongo import Doc
from xbt_tasks.assignments.domain import ADMIN_ROLES, Item, Task
from xbt_tasks.clients.identity import Roster
from xbt_tasks.submissions.domain import Submission

GradeState = Literal["assigned", "submitted", "returned", "marked", "missing"]
GRADE_STATES: tuple[GradeState, ...] = ("assigned", "submitted", "returned", "marked", "missing")
HANDED_IN: frozenset[str] = frozenset({"submitted", "returned", "marked"})

# A class gradebook shows at most this many tasks (the newest): a wider table helps nobody,
# and each column is a query's worth of submissions.
MAX_CLASS_TASKS = 50

# Score bands by percentage of the task's maximum: (label, from, below).
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0-59", 0.0, 60.0),
    ("60-69", 60.0, 70.0),
    ("70-79", 70.0, 80.0),
    ("80-89", 80.0, 90.0),
    ("90-100", 90.0, float("inf")),
)


# --- who -------------------------------------------------------------------------------------


def gradebook_classes(actor: Principal, task: Task, class_id: str | None) -> list[str]:
    """The task's classes whose gradebook `actor` reads: administrators every class, a
    teacher the task's classes they teach; `class_id` narrows to one of them."""
    if not task.managed_by(actor):
        raise Forbidden("a task's gradebook is read by its teachers and administrators")
    if task.administered_by(actor):
        readable = list(task.class_ids)
    else:
        readable = [c for c in task.class_ids if c in actor.classes]
    if class_id is None:
        return readable
    if class_id not in task.class_ids:
        raise invalid("query.class_id", "the task is not set for this class")
    if class_id not in readable:
        raise Forbidden(f"you do not teach {class_id}")
    return [class_id]


def require_class_reader(actor: Principal, class_id: str) -> None:
    """A class gradebook: a teacher of the class, or an administrator (identity then decides
    whether the class is in their school or district when the roster is read)."""
    if actor.has_role(*ADMIN_ROLES):
        return
    if actor.has_role("teacher") and class_id in actor.classes:
        return
    raise Forbidden("a class gradebook is read by the class's teachers and administrators")


# --- one pupil, one task ---------------------------------------------------------------------


def grade_state(task: Task, submission: Submission | None, now: datetime) -> GradeState:
    if submission is not None:
        return submission.state
    if task.status == "closed" or task.is_late(now):
        return "missing"
    return "assigned"


def percent(score: float | None, max_score: float) -> float | None:
    if score is None or max_score <= 0:
        return None
    return round(score / max_score * 100, 1)


def bucket_of(pct: float) -> str:
    return next(label for label, low, below in BUCKETS if low <= pct < below)


def cell(task: Task, submission: Submission | None, now: datetime) -> Doc:
    """Where one pupil stands on one task."""
    state = grade_state(task, submission, now)
    if submission is None:
        return {
            "state": state,
            "timing": None,
            "attempts": 0,
            "score": None,
            "percent": None,
            "submitted_at": None,
        }
    return {
        "state": state,
        "timing": "late" if submission.late else "on_time",
        "attempts": submission.attempt_count,
        "score": submission.score,
        "percent": percent(submission.score, task.max_score),
        "submitted_at": submission.submitted_at,
    }


def _pupil(pupil_id: str, name: str | None, student_no: str | None, on_roster: bool) -> Doc:
    return {"pupil_id": pupil_id, "name": name, "student_no": student_no, "on_roster": on_roster}


def class_pupils(roster: Roster, submissions: Iterable[Submission]) -> list[Doc]:
    """The roster's pupils in its order, then those who handed in work in the class but are
    no longer on its roster, by name."""
    on_roster = {p.id for p in roster.pupils}
    pupils = [_pupil(p.id, p.name, p.student_no, True) for p in roster.pupils]
    gone: dict[str, Doc] = {}
    for s in submissions:
        if s.pupil_id not in on_roster:
            gone.setdefault(s.pupil_id, _pupil(s.pupil_id, s.pupil_name, None, False))
    return pupils + sorted(gone.values(), key=lambda p: (p["name"] or "", p["pupil_id"]))


# --- a task's gradebook ----------------------------------------------------------------------


def task_rows(
    task: Task, roster: Roster, submissions: Sequence[Submission], now: datetime
) -> list[Doc]:
    """One row per pupil of the class."""
    by_pupil = {s.pupil_id: s for s in submissions}
    return [
        {**pupil, **cell(task, by_pupil.get(pupil["pupil_id"]), now)}
        for pupil in class_pupils(roster, submissions)
    ]


def score_distribution(scores: Sequence[float], max_score: float) -> Doc:
    """min/max/mean/median in points, and how many fall in each band of percentages."""
    counts = dict.fromkeys((label for label, _, _ in BUCKETS), 0)
    if max_score > 0:
        for score in scores:
            counts[bucket_of(score / max_score * 100)] += 1
    return {
        "count": len(scores),
        "max_score": max_score,
        "min": min(scores) if scores else None,
        "max": max(scores) if scores else None,
        "mean": round(statistics.fmean(scores), 2) if scores else None,
        "median": statistics.median(scores) if scores else None,
        "buckets": [{"label": label, "count": counts[label]} for label, _, _ in BUCKETS],
    }


def item_correct(item: Item, submission: Submission) -> bool | None:
    """Whether the latest attempt got an objective item right: the teacher's points if they
    marked it (full points = right), else the automatic verdict; None if unknown."""
    if submission.state == "marked":
        given = (submission.item_points or {}).get(item.id)
        if given is not None:
            return bool(given >= item.points)
    latest = submission.latest
    marking = latest.marking if latest is not None else None
    verdict = marking.items.get(item.id) if marking is not None else None
    return None if verdict is None else verdict.correct


def item_rates(task: Task, submissions: Sequence[Submission]) -> list[Doc]:
    """Per objective item: of the pupils who handed in, how many got it right."""
    out = []
    for item in task.items:
        if not item.objective:
            continue
        verdicts = [item_correct(item, s) for s in submissions]
        known = [v for v in verdicts if v is not None]
        right = sum(known)
        out.append(
            {
                "id": item.id,
                "type": item.type,
                "points": item.points,
                "answered": len(known),
                "correct": right,
                "rate": round(right / len(known), 3) if known else None,
            }
        )
    return out


def summarise(
    task: Task, rows: Sequence[Mapping[str, Any]], submissions: Sequence[Submission]
) -> Doc:
    """Counts by state and timing, the score distribution, per-item correct rates."""
    counts = dict.fromkeys(GRADE_STATES, 0)
    for row in rows:
        counts[row["state"]] += 1
    handed_in = [r for r in rows if r["state"] in HANDED_IN]
    scores = [float(r["score"]) for r in rows if r["score"] is not None]
    return {
        "pupils": len(rows),
        "counts": {
            **counts,
            "handed_in": len(handed_in),
            "on_time": sum(r["timing"] == "on_time" for r in handed_in),
            "late": sum(r["timing"] == "late" for r in handed_in),
            "scored": len(scores),
        },
        "scores": score_distribution(scores, task.max_score),
        "items": item_rates(task, submissions),
    }


def task_header(task: Task, now: datetime) -> Doc:
    return {
        "id": task.id,
        "kind": task.kind,
        "title": task.title,
        "opens_at": task.opens_at,
        "due_at": task.due_at,
        "status": task.status,
        "phase": task.phase(now),
        "max_score": task.max_score,
    }


def task_gradebook(
    task: Task, rosters: Sequence[Roster], submissions: Sequence[Submission], now: datetime
) -> Doc:
    """Per class its rows and summary, and the summary of all of them together."""
    classes = []
    all_rows: list[Doc] = []
    all_submissions: list[Submission] = []
    for roster in rosters:
        mine = [s for s in submissions if s.class_id == roster.class_id]
        rows = task_rows(task, roster, mine, now)
        classes.append(
            {
                "class_id": roster.class_id,
                "class_name": roster.class_name,
                "rows": rows,
                "summary": summarise(task, rows, mine),
            }
        )
        all_rows += rows
        all_submissions += mine
    return {
        "task": task_header(task, now),
        "classes": classes,
        "summary": summarise(task, all_rows, all_submissions),
    }


# --- a class's gradebook ---------------------------------------------------------------------


def class_gradebook(
    roster: Roster,
    tasks: Sequence[Task],
    submissions: Sequence[Submission],
    now: datetime,
    *,
    truncated: bool,
) -> Doc:
    """Rows of pupils, columns of tasks (in the order given, newest first); each pupil's
    average percentage (over scored work) and how many tasks they are missing."""
    by_key = {(s.task_id, s.pupil_id): s for s in submissions}
    rows = []
    for pupil in class_pupils(roster, submissions):
        cells = [cell(t, by_key.get((t.id, pupil["pupil_id"])), now) for t in tasks]
        percents = [c["percent"] for c in cells if c["percent"] is not None]
        rows.append(
            {
                **pupil,
                "cells": cells,
                "average_percent": round(statistics.fmean(percents), 1) if percents else None,
                "missing": sum(c["state"] == "missing" for c in cells),
            }
        )
    columns = []
    for i, task in enumerate(tasks):
        column = [row["cells"][i] for row in rows]
        percents = [c["percent"] for c in column if c["percent"] is not None]
        columns.append(
            {
                **task_header(task, now),
                "handed_in": sum(c["state"] in HANDED_IN for c in column),
                "missing": sum(c["state"] == "missing" for c in column),
                "mean_percent": round(statistics.fmean(percents), 1) if percents else None,
            }
        )
    return {
        "class": {
            "id": roster.class_id,
            "name": roster.class_name,
            "school_id": roster.school_id,
        },
        "tasks": columns,
        "truncated": truncated,
        "rows": rows,
    }
