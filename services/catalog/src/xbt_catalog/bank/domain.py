"""Question-bank rules without I/O: who gets answer keys, when a pupil's are held back
(the answer-key lock), marking, trees, reading order."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden
from xbt_shared.mongo import Doc

# Who may read answer keys and explanations before answering: these roles, and services
# (the tasks service, which marks and shows them) whose token carries KEYS_SCOPE.
KEY_HOLDER_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
KEYS_SCOPE = "bank.keys"
Audience = Literal["pupil", "key_holder"]

MAX_PAGE = 200  # 200 pages of 50: deeper than anyone practises


def audience_of(principal: Principal) -> Audience:
    """Key holders are teachers, researchers and administrators, and services granted
    `bank.keys`; everybody else (pupils, parents, guests, support agents, other services) is
    a pupil as far as answer keys are concerned."""
    if principal.is_service:
        return "key_holder" if principal.has_scope(KEYS_SCOPE) else "pupil"
    if principal.is_guest or not principal.has_role(*KEY_HOLDER_ROLES):
        return "pupil"
    return "key_holder"


# --- the answer-key lock ------------------------------------------------------------------------
#
# `check` marks an answer and shows the key: on an item of a task the pupil can still hand in,
# that would be the task's answer sheet (and a verdict alone gives the key away by trying each
# option). The tasks service announces its tasks' items and what happens to them; the catalog
# keeps, per district, each task with items (`TaskLock`) and each pupil's work on it
# (`PupilWork`), and refuses `check` while the pupil could still hand the task in.

WorkState = Literal["submitted", "returned", "marked"]


class AnswerKeyLocked(Forbidden):
    status, slug, title = 403, "answer-key-locked", "Answer key locked"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(detail or "这道题在你尚未提交的作业中，提交后再来练习。", **kw)


@dataclass(frozen=True, slots=True)
class TaskLock:
    """A task with bank items as the tasks service last announced it (`revision`)."""

    task_id: str
    revision: int
    class_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    status: Literal["open", "closed"]
    due_at: datetime | None
    allow_late: bool
    max_attempts: int


@dataclass(frozen=True, slots=True)
class PupilWork:
    """Where one pupil's work on one task stands: the state of the latest event about it
    (`at`, the event's time) and the highest attempt number seen."""

    task_id: str
    pupil_id: str
    state: WorkState
    attempts: int
    at: datetime


def after_submission(
    work: PupilWork | None, *, task_id: str, pupil_id: str, attempt: int, at: datetime
) -> PupilWork:
    """The work once attempt `attempt` is handed in. Events may arrive out of order: one
    older than what is known only counts its attempt."""
    if work is None:
        return PupilWork(task_id, pupil_id, "submitted", attempt, at)
    attempts = max(work.attempts, attempt)
    if at < work.at:
        return dataclasses.replace(work, attempts=attempts)
    return dataclasses.replace(work, state="submitted", attempts=attempts, at=at)


def after_review(
    work: PupilWork | None,
    *,
    task_id: str,
    pupil_id: str,
    outcome: Literal["returned", "marked"],
    at: datetime,
) -> PupilWork:
    """The work once a teacher marked it or returned it (a review follows an attempt)."""
    if work is None:
        return PupilWork(task_id, pupil_id, outcome, 1, at)
    if at < work.at:
        return work
    return dataclasses.replace(work, state=outcome, at=at)


def holds_key_back(task: TaskLock, work: PupilWork | None, now: datetime) -> bool:
    """Whether the pupil may still hand the task in (or in again): the tasks service's rule
    for accepting work, from what its events said. Before the task opens it holds too (its
    items are not shown to pupils yet, but nothing should be learnt about them early)."""
    if task.status != "open":
        return False
    returned = work is not None and work.state == "returned"
    past_due = task.due_at is not None and now > task.due_at
    if past_due and not task.allow_late and not returned:
        return False
    if work is None or returned:
        return True
    if work.state == "marked":
        return False
    return work.attempts < task.max_attempts


def locked_for(
    tasks: Iterable[TaskLock], work: Mapping[str, PupilWork], now: datetime
) -> list[str]:
    """The ids of `tasks` that hold their items' keys back from a pupil whose work is `work`
    (by task id)."""
    return [t.task_id for t in tasks if holds_key_back(t, work.get(t.task_id), now)]


def is_pupil_with_classes(principal: Principal) -> bool:
    """Whom the lock concerns: a person without key-holder rights who is in classes."""
    return (
        not principal.is_service and audience_of(principal) == "pupil" and bool(principal.classes)
    )


# --- trees ------------------------------------------------------------------------------------


def progress_nodes(tree: Sequence[Mapping[str, Any]], up_to: str | None) -> list[str] | None:
    """A textbook's node ids in reading order up to and including `up_to` and everything
    under it (a unit brings its lessons); all of them if `up_to` is None; None if the tree
    has no such node."""
    order: list[str] = []
    end: int | None = None

    def walk(nodes: Sequence[Mapping[str, Any]]) -> None:
        nonlocal end
        for node in nodes:
            order.append(str(node["id"]))
            walk(node.get("children") or [])
            if end is None and node["id"] == up_to:
                end = len(order)

    walk(tree)
    if up_to is None:
        return order
    return None if end is None else order[:end]


def knowledge_tree(points: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Doc]:
    """Nested `{id, name, depth, parent_id, owner, children}` from flat (owner, point) pairs.

    Siblings keep the order given (the store's), or follow an `order` field where points
    have one. A point is put under its parent only if the parent is higher in the tree (so
    bad data cannot make a cycle); one whose parent is missing becomes a root."""
    nodes: dict[str, Doc] = {}
    entries: list[tuple[Doc, Mapping[str, Any]]] = []
    for owner, point in points:
        node: Doc = {
            "id": point["_id"],
            "name": point.get("name", ""),
            "depth": point.get("depth", len(point.get("path") or [])),
            "parent_id": point.get("parent_id"),
            "owner": owner,
            "children": [],
        }
        if node["id"] in nodes:
            continue  # a district may not redefine a city point
        nodes[node["id"]] = node
        entries.append((node, point))
    rank = {
        node["id"]: point["order"] if isinstance(point.get("order"), int) else float("inf")
        for node, point in entries
    }
    roots: list[Doc] = []
    for node, point in entries:
        parent = nodes.get(point.get("parent_id") or "")
        if parent is not None and parent["depth"] < node["depth"]:
            parent["children"].append(node)
        else:
            roots.append(node)

    def order(siblings: list[Doc]) -> None:
        siblings.sort(key=lambda n: rank[n["id"]])  # stable: ties keep the store's order
        for n in siblings:
            order(n["children"])

    order(roots)
    return roots


PATH_SEPARATOR = " › "


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def matching_points(points: Iterable[tuple[str, Mapping[str, Any]]], q: str) -> list[Doc]:
    """The points whose name contains `q`, then those only an ancestor's name does (full-width
    and case folded, spaces ignored), each with its path of ancestors from the root: `{id,
    name, subject, stage, depth, parent_id, owner, path: [{id, name}], path_text}`. In the
    order given (the stores', city first) within each group; a district may not redefine a
    city point."""
    wanted = _folded(q)
    known: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for owner, point in points:
        known.setdefault(point["_id"], (owner, point))
    named: list[Doc] = []
    below: list[Doc] = []
    for point_id, (owner, point) in known.items():
        ancestors = [known[a][1] for a in point.get("path") or [] if a in known]
        path = [{"id": a["_id"], "name": a.get("name", "")} for a in ancestors]
        name = point.get("name", "")
        entry: Doc = {
            "id": point_id,
            "name": name,
            "subject": point.get("subject"),
            "stage": point.get("stage"),
            "depth": point.get("depth", len(point.get("path") or [])),
            "parent_id": point.get("parent_id"),
            "owner": owner,
            "path": path,
            "path_text": PATH_SEPARATOR.join([*(a["name"] for a in path), name]),
        }
        if wanted in _folded(name):
            named.append(entry)
        elif any(wanted in _folded(a["name"]) for a in path):
            below.append(entry)
    return named + below
