"""Tasks (测评) without I/O: the `Task` aggregate, who may do what with it, its phase.

Who may do what (every task lives in its school's district database; nothing crosses):

- create a task: a teacher, for classes they teach (the token's `classes`), all of one school;
- see a task with its answer keys, its submissions and its gradebook: the teachers of one of
  its classes, the school's administrators, the district's administrators;
- edit, close, reopen, mark: the task's teachers (a teacher of one of its classes);
- see a task without keys, submit, ask: pupils of one of its classes, once it has opened;
- everybody else: 404, as if the task did not exist.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from xbt_shared.auth import Principal
from xbt_shared.errors import Forbidden, NotFound, invalid
from xbt_shared.marking import OBJECTIVE_TYPES
from xbt_shared.mongo import Doc

# Beijing time (Asia/Shanghai: UTC+8 all year, no daylight saving since 1991): what "today"
# means to a pupil, and what a time written without an offset means.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

MAX_TITLE = 100
MAX_INSTRUCTIONS = 20_000
MAX_CLASSES = 30
MAX_RESOURCES = 20
MAX_ITEMS = 50
MAX_ATTEMPTS = 10

Kind = Literal["task", "watch"]
Status = Literal["open", "closed"]
Phase = Literal["scheduled", "open", "closed"]
ADMIN_ROLES = ("school_admin", "district_admin", "city_admin")
# What a change of a task may touch (`Task.edited`).
EDITABLE = frozenset({"title", "instructions", "opens_at", "due_at", "allow_late", "max_attempts"})


@dataclass(frozen=True, slots=True)
class Accepts:
    """What a pupil may hand in for the task."""

    text: bool
    files: bool
    answers: bool


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A catalog resource attached to the task, as it was when the task was set, with the
    textbook chapters it belongs to (the catalog's `chapters`: node id, book, unit, lesson)."""

    id: str
    title: str
    kind: str | None
    owner: str | None
    chapters: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """A question item copied into the task with its key (kept server-side) and points."""

    id: str
    type: str
    points: float
    stem: str = ""
    options: tuple[Mapping[str, Any], ...] = ()
    answer: Any = None
    explanation: str | None = None
    difficulty: int | None = None
    knowledge_point_ids: tuple[str, ...] = ()
    # The catalog's, for mastery per knowledge point (None in tasks set before they were kept).
    subject: str | None = None
    stage: str | None = None
    # Where it is in the textbooks, as the catalog said when the task was set.
    chapters: tuple[Mapping[str, Any], ...] = ()

    @property
    def objective(self) -> bool:
        """Marked automatically (short answers wait for the teacher)."""
        return self.type in OBJECTIVE_TYPES

    def option_keys(self) -> list[str]:
        return [o["key"] for o in self.options]

    def public(self, *, with_key: bool) -> Doc:
        """As teachers see it (`with_key`), or as pupils see it before marking: no key and no
        explanation."""
        out: Doc = {
            "id": self.id,
            "type": self.type,
            "stem": self.stem,
            "options": [dict(o) for o in self.options],
        }
        if with_key:
            out |= {"answer": self.answer, "explanation": self.explanation}
        return out | {
            "difficulty": self.difficulty,
            "knowledge_point_ids": list(self.knowledge_point_ids),
            "points": self.points,
            "chapters": [dict(c) for c in self.chapters],
        }


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    kind: Kind
    school_id: str | None
    class_ids: tuple[str, ...]
    teacher_id: str
    teacher_name: str | None
    title: str
    instructions: str
    resources: tuple[ResourceRef, ...]
    items: tuple[Item, ...]
    accepts: Accepts
    opens_at: datetime
    due_at: datetime | None
    allow_late: bool
    max_attempts: int
    max_score: float
    status: Status
    created_at: datetime
    updated_at: datetime
    revision: int
    source_event: str | None = None  # the recommendation a "watch this" task came from

    # --- when ----------------------------------------------------------------------------

    def phase(self, now: datetime) -> Phase:
        if self.status == "closed":
            return "closed"
        return "scheduled" if now < self.opens_at else "open"

    def is_late(self, at: datetime) -> bool:
        return self.due_at is not None and at > self.due_at

    def opened(self, now: datetime) -> bool:
        return self.opens_at <= now

    # --- who -----------------------------------------------------------------------------

    def taught_by(self, actor: Principal) -> bool:
        return actor.has_role("teacher") and not set(actor.classes).isdisjoint(self.class_ids)

    def administered_by(self, actor: Principal) -> bool:
        if actor.has_role("district_admin", "city_admin"):
            return True
        return actor.has_role("school_admin") and actor.school == self.school_id

    def managed_by(self, actor: Principal) -> bool:
        """Sees keys, submissions and the gradebook."""
        return self.taught_by(actor) or self.administered_by(actor)

    def class_of_pupil(self, actor: Principal) -> str | None:
        """The pupil's class among the task's, or None if the task is not theirs."""
        if not actor.has_role("student"):
            return None
        return next((c for c in actor.classes if c in self.class_ids), None)

    def visible_to(self, actor: Principal, now: datetime) -> bool:
        if self.managed_by(actor):
            return True
        return self.class_of_pupil(actor) is not None and self.opened(now)

    # --- changes -------------------------------------------------------------------------

    def edited(self, changes: Mapping[str, Any], now: datetime) -> Task:
        """The task with a teacher's changes (the fields of EDITABLE, instructions cleaned
        by the caller); the revision moves on."""
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
        updated = dataclasses.replace(self, **changes, updated_at=now, revision=self.revision + 1)
        if updated.due_at is not None and updated.due_at <= updated.opens_at:
            raise invalid("body.due_at", "the due time must come after the opening time")
        return updated

    def with_status(self, status: Status, now: datetime) -> Task:
        return dataclasses.replace(self, status=status, updated_at=now, revision=self.revision + 1)

    # --- shapes --------------------------------------------------------------------------

    def public(self, now: datetime, *, with_keys: bool) -> Doc:
        out: Doc = {
            "id": self.id,
            "kind": self.kind,
            "school_id": self.school_id,
            "class_ids": list(self.class_ids),
            "teacher_id": self.teacher_id,
            "teacher_name": self.teacher_name,
            "title": self.title,
            "instructions": self.instructions,
            "resources": [
                dataclasses.asdict(r) | {"chapters": [dict(c) for c in r.chapters]}
                for r in self.resources
            ],
            "items": [i.public(with_key=with_keys) for i in self.items],
            "accepts": dataclasses.asdict(self.accepts),
            "opens_at": self.opens_at,
            "due_at": self.due_at,
            "allow_late": self.allow_late,
            "max_attempts": self.max_attempts,
            "max_score": self.max_score,
            "status": self.status,
            "phase": self.phase(now),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "revision": self.revision,
        }
        if self.source_event is not None:
            out["source_event"] = self.source_event
        return out

    def summary(self, now: datetime) -> Doc:
        """The task in a list: no instructions, no items."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "class_ids": list(self.class_ids),
            "teacher_id": self.teacher_id,
            "teacher_name": self.teacher_name,
            "opens_at": self.opens_at,
            "due_at": self.due_at,
            "allow_late": self.allow_late,
            "max_attempts": self.max_attempts,
            "max_score": self.max_score,
            "status": self.status,
            "phase": self.phase(now),
            "revision": self.revision,
            "item_count": len(self.items),
            "resource_count": len(self.resources),
        }


# --- who, as checks ----------------------------------------------------------------------


def require_teacher_of(actor: Principal, class_ids: Sequence[str]) -> None:
    """Only a teacher, and only for classes they teach."""
    if not actor.has_role("teacher") or actor.is_guest:
        raise Forbidden("only teachers assign tasks")
    foreign = [c for c in class_ids if c not in actor.classes]
    if foreign:
        raise Forbidden(f"you do not teach {', '.join(foreign)}")


def require_visible(actor: Principal, task: Task | None, now: datetime) -> Task:
    """The task if `actor` may see it at all; else 404 (no hint that it exists)."""
    if task is not None and task.visible_to(actor, now):
        return task
    raise NotFound("no such task")


def require_teacher_of_task(actor: Principal, task: Task) -> None:
    if not task.taught_by(actor):
        raise Forbidden("only the task's teachers change it or mark it")


# --- making tasks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """What a teacher asks for; checked by the API layer's schema, completed here."""

    title: str
    instructions: str
    class_ids: tuple[str, ...]
    resource_ids: tuple[str, ...]
    items: tuple[tuple[str, float], ...]  # (item id, points)
    accepts_text: bool
    accepts_files: bool
    opens_at: datetime | None
    due_at: datetime | None
    allow_late: bool
    max_attempts: int
    max_score: float | None


def new_task_id() -> str:
    return "tk-" + uuid.uuid4().hex[:16]


def assign(
    draft: TaskDraft,
    *,
    teacher: Principal,
    instructions: str,
    resources: Sequence[ResourceRef],
    items: Sequence[Item],
    now: datetime,
) -> Task:
    """A new task from a teacher's draft, with the catalog's resources and items it names
    (`instructions` already cleaned)."""
    opens_at = draft.opens_at or now
    if draft.due_at is not None:
        if draft.due_at <= opens_at:
            raise invalid("body.due_at", "the due time must come after the opening time")
        if draft.due_at <= now:
            raise invalid("body.due_at", "the due time has already passed")
    if items and draft.max_score is not None:
        raise invalid("body.max_score", "a task with items is scored by its items' points")
    accepts = Accepts(text=draft.accepts_text, files=draft.accepts_files, answers=bool(items))
    if not (accepts.text or accepts.files or accepts.answers):
        raise invalid("body.accepts_text", "a task must take text, files or answers to items")
    return Task(
        id=new_task_id(),
        kind="task",
        school_id=teacher.school,
        class_ids=tuple(dict.fromkeys(draft.class_ids)),
        teacher_id=teacher.user_id,
        teacher_name=teacher.name,
        title=draft.title,
        instructions=instructions,
        resources=tuple(resources),
        items=tuple(items),
        accepts=accepts,
        opens_at=opens_at,
        due_at=draft.due_at,
        allow_late=draft.allow_late,
        max_attempts=draft.max_attempts,
        max_score=float(sum(i.points for i in items)) if items else draft.max_score or 100.0,
        status="open",
        created_at=now,
        updated_at=now,
        revision=1,
    )


def watch_task_id(event_id: str) -> str:
    """A "watch this" task's id, from its recommendation's event id: one task per event."""
    return "tk-w-" + event_id.replace("-", "")[:24]


def watch_task(
    *,
    event_id: str,
    resource: ResourceRef,
    class_ids: Sequence[str],
    teacher_id: str,
    teacher_name: str | None,
    school_id: str | None,
    note: str | None,
    now: datetime,
) -> Task:
    """A teacher's recommendation as a task: no due time, nothing to hand in but a tick."""
    return Task(
        id=watch_task_id(event_id),
        kind="watch",
        school_id=school_id,
        class_ids=tuple(dict.fromkeys(class_ids)),
        teacher_id=teacher_id,
        teacher_name=teacher_name,
        title=f"观看：{resource.title}"[:MAX_TITLE],
        instructions=note or "",
        resources=(resource,),
        items=(),
        accepts=Accepts(text=True, files=False, answers=False),
        opens_at=now,
        due_at=None,
        allow_late=True,
        max_attempts=1,
        max_score=0.0,
        status="open",
        created_at=now,
        updated_at=now,
        revision=1,
        source_event=event_id,
    )
