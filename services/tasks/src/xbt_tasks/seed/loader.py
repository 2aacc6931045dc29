"""Demo data for `make run`: tasks for identity's demo classes, as their teachers would have
set them, and some pupils' work on them.

The data is in `tasks.json` (who, and what each task and pupil's work is) and `catalog.json`
(the catalog's demo resources and items the tasks use). The tasks are made by the real use
cases (`Assignments.create`, `Submissions.submit` and `review`, `Assignments.edit`), so their
documents, their outbox events (published once the service starts) and every rule are
exactly what a teacher using the API gets. Only the catalog is stood in for, by
`DemoCatalog`: the seed runs before any service is up, and it answers with copies of the
catalog's own demo content (resource and item ids from `xbt_catalog`'s seed, checked against
it by the tests), as the catalog answers a teacher.

Who (identity's demo accounts): in heping, 张老师 (teacher1) teaches 数学 to 八年级1班
(c-hp-8-1: 李明 student1, 王芳 student2) and 八年级2班; in hexi, 吴老师 (teacher1) teaches
语文 to 八年级3班 (c-hx-8-3: 周杰 student1).

Idempotent: a task is known by its teacher and title. One that exists is left as it is
(only missing work of an interrupted earlier run is added), so a second `make run` keeps
the tasks and whatever users did with them. Times are relative to the first run, except for
the `daily` tasks: those are made for each day (in Beijing) the seed runs, their titles
carrying the date (`{date}`: 12月7日) and their times that day's (`{"day": 0, "at":
"21:00"}`: 21:00 that day; `day: 2` two days later), so the pupils' "today" always has
work due today, to do, overdue (the days before's) and marked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from importlib import resources
from typing import Any

from xbt_shared.auth import Principal
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.domain import BEIJING, Task, TaskDraft
from xbt_tasks.assignments.service import Assignments, tasks_of_classes
from xbt_tasks.clients.catalog import CatalogClient
from xbt_tasks.practice.service import Practice
from xbt_tasks.submissions.domain import Content, Review
from xbt_tasks.submissions.service import Submissions, submission_of


def _data(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


# --- who -------------------------------------------------------------------------------------


def _person(user_id: str, spec: Mapping[str, Any]) -> Principal:
    """The principal a login of this demo account yields (the claims identity puts in)."""
    return Principal(
        user_id=user_id,
        tenant=spec["tenant"],
        roles=frozenset({spec["role"]}),
        school=spec["school"],
        classes=tuple(spec["classes"]),
        name=spec["name"],
    )


_TASKS_DATA = _data("tasks.json")
PEOPLE: dict[str, Principal] = {
    user_id: _person(user_id, spec) for user_id, spec in _TASKS_DATA["people"].items()
}
HP_TEACHER = PEOPLE["u-hp-teacher1"]
HP_STUDENT1 = PEOPLE["u-hp-student1"]
HP_STUDENT2 = PEOPLE["u-hp-student2"]
HX_TEACHER = PEOPLE["u-hx-teacher1"]
DEMO_PEOPLE = tuple(PEOPLE.values())


# --- the catalog's demo content the tasks use ---------------------------------------------------

_CATALOG_DATA = _data("catalog.json")
# Resources as the catalog shows them to these teachers (id -> the fields a task copies).
RESOURCES: dict[str, Doc] = _CATALOG_DATA["resources"]
# Question items with their keys, as the catalog gives them to a teacher.
ITEMS: dict[str, Doc] = {item["id"]: item for item in _CATALOG_DATA["items"]}


class DemoCatalog(CatalogClient):
    """Answers the seed's few questions to the catalog from `catalog.json`. Only the two
    lookups `Assignments.create` makes are served; it holds no connection."""

    def __init__(self) -> None:  # no HTTP client: nothing here goes over the network
        pass

    async def resources(self, ids: Sequence[str], *, bearer: str) -> dict[str, Doc | None]:
        return {i: _copy({"id": i, **RESOURCES[i]}) if i in RESOURCES else None for i in ids}

    async def items(
        self, ids: Sequence[str], *, bearer: str | None = None, tenant: str | None = None
    ) -> dict[str, Doc | None]:
        return {i: _copy(ITEMS[i]) if i in ITEMS else None for i in ids}


def _copy(doc: Doc) -> Doc:
    return json.loads(json.dumps(doc))


# --- what ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoWork:
    """A pupil's submission, and the teacher's mark if it has been marked."""

    pupil: Principal
    text: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    score: float | None = None  # marked with this score (tasks without items)
    marked: bool = False  # marked as the automatic marking scored it (tasks with items)
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class DemoTask:
    teacher: Principal
    title: str
    instructions: str
    class_ids: tuple[str, ...]
    opened_days_ago: float
    # Negative: the due time has passed. Such a task is set with a later due time first and
    # then moved back (a teacher's edit), since a new task may not be due in the past.
    due_in_days: float
    resource_ids: tuple[str, ...] = ()
    items: tuple[tuple[str, float], ...] = ()
    accepts_text: bool = True
    max_attempts: int = 1
    max_score: float | None = None
    work: tuple[DemoWork, ...] = ()
    # Made for each day the seed runs: `title` has `{date}`, `opens` and `due` are a day
    # (0 = the day of the run, in Beijing) and a time of that day.
    daily: bool = False
    opens: tuple[int, str] | None = None
    due: tuple[int, str] | None = None

    def title_on(self, day: datetime) -> str:
        local = day.astimezone(BEIJING)
        return self.title.format(date=f"{local.month}月{local.day}日")

    def opens_at(self, now: datetime) -> datetime:
        if self.opens is None:
            return now - timedelta(days=self.opened_days_ago)
        return min(beijing_time(now, *self.opens), now - timedelta(minutes=1))

    def due_at(self, now: datetime) -> datetime:
        """The due time the task is set with (a past one is set by a change afterwards)."""
        if self.due is None:
            return now + timedelta(days=max(self.due_in_days, 1))
        day, at = self.due
        # Seeded late in the evening: due at the end of that day instead, still "today".
        for due in (beijing_time(now, day, at), beijing_time(now, day, "23:59:59")):
            if due > now + timedelta(minutes=1):
                return due
        return now + timedelta(hours=1)


def beijing_time(now: datetime, day: int, at: str) -> datetime:
    """`at` (HH:MM[:SS]) on the Beijing date `day` days after `now`'s."""
    date = now.astimezone(BEIJING).date() + timedelta(days=day)
    return datetime.combine(date, time.fromisoformat(at), BEIJING)


def _task(spec: Mapping[str, Any]) -> DemoTask:
    opens, due = spec.get("opens"), spec.get("due")
    return DemoTask(
        teacher=PEOPLE[spec["teacher"]],
        title=spec["title"],
        instructions=spec["instructions"],
        class_ids=tuple(spec["class_ids"]),
        opened_days_ago=spec.get("opened_days_ago", 0),
        due_in_days=spec.get("due_in_days", 0),
        daily=spec.get("daily", False),
        opens=(opens["day"], opens["at"]) if opens else None,
        due=(due["day"], due["at"]) if due else None,
        resource_ids=tuple(spec.get("resource_ids", ())),
        items=tuple((i["id"], float(i["points"])) for i in spec.get("items", ())),
        accepts_text=spec.get("accepts_text", True),
        max_attempts=spec.get("max_attempts", 1),
        max_score=spec.get("max_score"),
        work=tuple(
            DemoWork(
                pupil=PEOPLE[w["pupil"]],
                text=w.get("text"),
                answers=dict(w.get("answers") or {}),
                score=w.get("score"),
                marked=w.get("marked", False),
                comment=w.get("comment"),
            )
            for w in spec.get("work", ())
        ),
    )


TASKS: tuple[DemoTask, ...] = tuple(_task(spec) for spec in _TASKS_DATA["tasks"])


# --- how -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoUseCases:
    """The use cases the seed goes through, on `mongo`, with the stand-in catalog."""

    mongo: Mongo
    assignments: Assignments
    submissions: Submissions

    def caller(self, person: Principal) -> Caller:
        """The request context of a demo account acting in its own district."""
        tenant = Tenant(person.tenant)
        return Caller(principal=person, tenant=tenant, db=self.mongo.for_tenant(tenant), bearer="")


class _NoFiles:
    """The demo work hands in no files: nothing to check."""

    async def check_attempt_files(
        self, caller: Caller, task: Task, file_ids: Sequence[str], *, limit: int
    ) -> None:
        assert not file_ids, "the demo work names no files"


def demo_use_cases(mongo: Mongo) -> DemoUseCases:
    catalog = DemoCatalog()
    assignments = Assignments(catalog=catalog)
    # Marked work counts towards the pupils' mastery, as it does through the service.
    submissions = Submissions(tasks=assignments, files=_NoFiles(), mastery=Practice(catalog))
    return DemoUseCases(mongo, assignments, submissions)


async def seed(demo: DemoUseCases, *, now: datetime | None = None) -> dict[str, int]:
    """Create what is missing; returns how many tasks, submissions and marks were made."""
    now = now or now_ms()
    created = {"tasks": 0, "submissions": 0, "marks": 0}
    for spec in TASKS:
        teacher = demo.caller(spec.teacher)
        task, new = await _ensure_task(demo, spec, now)
        created["tasks"] += new
        for work in spec.work:
            pupil = demo.caller(work.pupil)
            submission = await submission_of(pupil.db, task.id, work.pupil.user_id)
            if submission is None:
                content = Content(text=work.text, file_ids=(), answers=dict(work.answers))
                await demo.submissions.submit(pupil, task.id, content, None)
                created["submissions"] += 1
                submission = await submission_of(pupil.db, task.id, work.pupil.user_id)
                assert submission is not None
            if (work.score is not None or work.marked) and submission.state == "submitted":
                review = Review(
                    attempt=submission.attempt_count,
                    outcome="marked",
                    item_points={},
                    score=work.score,
                    comment=work.comment,
                )
                await demo.submissions.review(teacher, task.id, work.pupil.user_id, review)
                created["marks"] += 1
        if new and spec.due is None and spec.due_in_days < 0:
            # Last, once any work is in: the due time moves into the past.
            await demo.assignments.edit(
                teacher, task.id, task.revision, {"due_at": now + timedelta(days=spec.due_in_days)}
            )
    return created


async def _ensure_task(demo: DemoUseCases, spec: DemoTask, now: datetime) -> tuple[Task, bool]:
    teacher = demo.caller(spec.teacher)
    title = spec.title_on(now) if spec.daily else spec.title
    for task in await tasks_of_classes(teacher.db, list(spec.class_ids)):
        if task.teacher_id == spec.teacher.user_id and task.title == title:
            return task, False
    draft = TaskDraft(
        title=title,
        instructions=spec.instructions,
        class_ids=spec.class_ids,
        resource_ids=spec.resource_ids,
        items=spec.items,
        accepts_text=spec.accepts_text,
        accepts_files=False,
        opens_at=spec.opens_at(now),
        due_at=spec.due_at(now),
        allow_late=False,
        max_attempts=spec.max_attempts,
        max_score=spec.max_score,
    )
    view = await demo.assignments.create(teacher, draft)
    task = await demo.assignments.visible(teacher, view["id"])
    return task, True
