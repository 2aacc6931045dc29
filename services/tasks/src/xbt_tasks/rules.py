"""Tasks rules without I/O: who may do what, a task's phase, a pupil's state, whether a
submission is accepted, and auto-marking of its objective items.

Who may do what (every task lives in its school's district database; nothing crosses):

- create a task: a teacher, for classes they teach (the token's `classes`), all of one school;
- see a task with its answer keys, its submissions and its gradebook: the teachers of one of
  its classes, the school's administrators, the district's administrators;
- edit, close, reopen, mark: the task's teachers (a teacher of one of its classes);
- see a task without keys, submit, ask: pupils of one of its classes, once it has opened;
- everybody else: 404, as if the task did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem, Unprocessable
from xbt_shared.marking import OBJECTIVE_TYPES, BadAnswer, mark
from xbt_shared.mongo import Doc

TASKS = "tasks"
SUBMISSIONS = "submissions"
IDEMPOTENCY = "idempotency"

MAX_TITLE = 100
MAX_INSTRUCTIONS = 20_000
MAX_CLASSES = 30
MAX_RESOURCES = 20
MAX_ITEMS = 50
MAX_ATTEMPTS = 10
MAX_TEXT = 20_000
MAX_COMMENT = 2_000

Phase = Literal["scheduled", "open", "closed"]
PupilState = Literal["to_do", "submitted", "returned", "marked", "overdue"]
PUPIL_STATES: tuple[PupilState, ...] = ("to_do", "submitted", "returned", "marked", "overdue")
SubmissionState = Literal["submitted", "returned", "marked"]
ADMIN_ROLES = ("school_admin", "district_admin", "city_admin")


def invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(message, errors=[{"field": field, "message": message}])


class TaskClosed(Problem):
    status, slug, title = 409, "task-closed", "The task does not take submissions"


class TooManyAttempts(Problem):
    status, slug, title = 409, "too-many-attempts", "No attempts left"


# --- who -------------------------------------------------------------------------------------


def require_teacher_of(actor: Principal, class_ids: Sequence[str]) -> None:
    """Only a teacher, and only for classes they teach."""
    if not actor.has_role("teacher") or actor.is_guest:
        raise Forbidden("only teachers assign tasks")
    foreign = [c for c in class_ids if c not in actor.classes]
    if foreign:
        raise Forbidden(f"you do not teach {', '.join(foreign)}")


def teaches(actor: Principal, task: Mapping[str, Any]) -> bool:
    return actor.has_role("teacher") and not set(actor.classes).isdisjoint(task["class_ids"])


def administers(actor: Principal, task: Mapping[str, Any]) -> bool:
    if actor.has_role("district_admin", "city_admin"):
        return True
    return actor.has_role("school_admin") and actor.school == task["school_id"]


def may_manage(actor: Principal, task: Mapping[str, Any]) -> bool:
    """Sees keys, submissions and the gradebook."""
    return teaches(actor, task) or administers(actor, task)


def pupil_class(actor: Principal, task: Mapping[str, Any]) -> str | None:
    """The pupil's class among the task's, or None if the task is not theirs."""
    if not actor.has_role("student"):
        return None
    return next((c for c in actor.classes if c in task["class_ids"]), None)


def require_visible(actor: Principal, task: Mapping[str, Any] | None, now: datetime) -> Doc:
    """The task if `actor` may see it at all; else 404 (no hint that it exists)."""
    if task is not None:
        if may_manage(actor, task):
            return dict(task)
        if pupil_class(actor, task) is not None and task["opens_at"] <= now:
            return dict(task)
    raise NotFound("no such task")


def require_teacher_of_task(actor: Principal, task: Mapping[str, Any]) -> None:
    if not teaches(actor, task):
        raise Forbidden("only the task's teachers change it or mark it")


# --- when ------------------------------------------------------------------------------------


def phase(task: Mapping[str, Any], now: datetime) -> Phase:
    if task["status"] == "closed":
        return "closed"
    return "scheduled" if now < task["opens_at"] else "open"


def is_late(task: Mapping[str, Any], at: datetime) -> bool:
    due: datetime | None = task.get("due_at")
    return due is not None and at > due


def pupil_state(
    task: Mapping[str, Any], submission: Mapping[str, Any] | None, now: datetime
) -> PupilState:
    if submission is not None:
        state: PupilState = submission["state"]
        return state
    if is_late(task, now) and (not task.get("allow_late") or phase(task, now) == "closed"):
        return "overdue"
    return "to_do"


def check_submittable(
    task: Mapping[str, Any], submission: Mapping[str, Any] | None, now: datetime
) -> None:
    """Raise the reason a submission cannot be accepted now, if there is one."""
    current = phase(task, now)
    if current == "closed":
        raise TaskClosed("the task is closed")
    if current == "scheduled":
        raise TaskClosed("the task has not opened yet")
    returned = submission is not None and submission["state"] == "returned"
    if is_late(task, now) and not task["allow_late"] and not returned:
        raise TaskClosed("the due time has passed and the task takes no late work")
    if submission is None:
        return
    if submission["state"] == "marked":
        raise Conflict("this work is marked; it can be changed only if the teacher returns it")
    used = len(submission["attempts"])
    # A submission returned for revision may always be handed in once more.
    if used >= task["max_attempts"] and not returned:
        raise TooManyAttempts(f"the task allows {task['max_attempts']} attempt(s)")


# --- what ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Content:
    text: str | None
    file_ids: tuple[str, ...]
    answers: Mapping[str, Any]

    @property
    def empty(self) -> bool:
        return not (self.text and self.text.strip()) and not self.file_ids and not self.answers


def check_content(task: Mapping[str, Any], content: Content) -> None:
    """What a submission may contain is what the task accepts; answers only to its items."""
    accepts = task["accepts"]
    if content.empty:
        if task["kind"] == "watch":
            return  # "watched": nothing to hand in but the tick
        raise invalid("body", "a submission needs some text, a file or an answer")
    if content.text and not accepts["text"]:
        raise invalid("body.text", "this task takes no text")
    if content.file_ids and not accepts["files"]:
        raise invalid("body.file_ids", "this task takes no files")
    if content.answers and not accepts["answers"]:
        raise invalid("body.answers", "this task has no questions to answer")
    items = {item["id"]: item for item in task["items"]}
    for item_id, given in content.answers.items():
        item = items.get(item_id)
        if item is None:
            raise invalid(f"body.answers.{item_id}", "not an item of this task")
        try:
            mark(item["type"], item["answer"], given, option_keys=option_keys(item))
        except BadAnswer as exc:
            raise invalid(f"body.answers.{item_id}", str(exc)) from None


def option_keys(item: Mapping[str, Any]) -> list[str]:
    return [o["key"] for o in item.get("options") or []]


def auto_mark(items: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> Doc:
    """Objective items marked against their keys; short answers wait for the teacher.

    Returns {"items": {id: {"correct", "points", "blanks"}}, "score", "max", "pending"}:
    `score` of the objective items, `max` of every item, `pending` the ids a teacher marks."""
    marked: dict[str, Doc] = {}
    score = 0.0
    pending: list[str] = []
    for item in items:
        given = answers.get(item["id"])
        if item["type"] not in OBJECTIVE_TYPES:
            pending.append(item["id"])
            continue
        if given is None:
            marked[item["id"]] = {"correct": False, "points": 0.0, "blanks": None}
            continue
        verdict = mark(item["type"], item["answer"], given, option_keys=option_keys(item))
        points = float(item["points"]) if verdict.correct else 0.0
        score += points
        marked[item["id"]] = {
            "correct": verdict.correct,
            "points": points,
            "blanks": list(verdict.blanks) if verdict.blanks is not None else None,
        }
    return {
        "items": marked,
        "score": score,
        "max": float(sum(item["points"] for item in items)),
        "pending": pending,
    }


def review_score(
    task: Mapping[str, Any],
    submission: Mapping[str, Any],
    item_points: Mapping[str, float],
    score: float | None,
    *,
    final: bool,
) -> float | None:
    """The total a review gives: without items, the teacher's `score`; with items, each
    item's points as the teacher gives them, else as auto-marking gave them. A final mark (not a
    return) needs points for every short answer."""
    if not task["items"]:
        if item_points:
            raise invalid("body.item_points", "this task has no items")
        if score is not None and not 0 <= score <= task["max_score"]:
            raise invalid("body.score", f"a score is between 0 and {task['max_score']:g}")
        if final and score is None:
            raise invalid("body.score", "marking a task without items needs a score")
        return score
    if score is not None:
        raise invalid("body.score", "a task with items is scored per item (item_points)")
    items = {i["id"]: i for i in task["items"]}
    for item_id, points in item_points.items():
        if item_id not in items:
            raise invalid(f"body.item_points.{item_id}", "not an item of this task")
        if not 0 <= points <= items[item_id]["points"]:
            raise invalid(
                f"body.item_points.{item_id}",
                f"between 0 and {items[item_id]['points']:g} points",
            )
    auto = submission["attempts"][-1]["marking"] or {"items": {}, "pending": []}
    unmarked = [i for i in auto["pending"] if i not in item_points]
    if final and unmarked:
        raise Unprocessable(
            "every short-answer item needs points before the work is marked",
            errors=[{"field": f"body.item_points.{i}", "message": "missing"} for i in unmarked],
        )
    total = 0.0
    for item_id in items:
        if item_id in item_points:
            total += item_points[item_id]
        else:
            total += auto["items"].get(item_id, {}).get("points", 0.0)
    return total


# --- shapes ----------------------------------------------------------------------------------


def item_for_pupil(item: Mapping[str, Any]) -> Doc:
    """An item as pupils see it before marking: no key, no explanation."""
    return {k: v for k, v in item.items() if k not in ("answer", "explanation")}


def public_task(task: Mapping[str, Any], now: datetime, *, with_keys: bool) -> Doc:
    out = {k: v for k, v in task.items() if k != "_id"}
    out["id"] = task["_id"]
    out["phase"] = phase(task, now)
    if not with_keys:
        out["items"] = [item_for_pupil(i) for i in task["items"]]
    return out


def public_submission(
    submission: Mapping[str, Any], task: Mapping[str, Any], *, with_keys: bool
) -> Doc:
    """A submission; pupils see keys and explanations only once it is marked."""
    out = {k: v for k, v in submission.items() if k != "_id"}
    out["id"] = submission["_id"]
    if with_keys or submission["state"] == "marked":
        out["items"] = [dict(i) for i in task["items"]]
    return out
