"""Demo data for `make run`: tasks for identity's demo classes, as their teachers would have
set them, and some pupils' work on them (`python -m xbt_tasks.seed`).

The tasks are made by the real use cases (`Tasks.create_task`, `submit`, `review`,
`edit_task`), so their documents, their outbox events (published once the service starts)
and every rule are exactly what a teacher using the API gets. Only the catalog is stood in
for, by `DemoCatalog`: the seed runs before any service is up, and it answers with copies of
the catalog's own demo content (resource and item ids from `xbt_catalog.demo`, checked
against it by the tests), as the catalog answers a teacher.

Who (identity's demo accounts, xbt_identity.seed): in heping, 张老师 (teacher1) teaches 数学
to 八年级1班 (c-hp-8-1: 李明 student1, 王芳 student2) and 八年级2班; in hexi, 吴老师
(teacher1) teaches 语文 to 八年级3班 (c-hx-8-3: 周杰 student1).

Idempotent: a task is known by its teacher and title. One that exists is left as it is
(only missing work of an interrupted earlier run is added), so a second `make run` keeps
the tasks and whatever users did with them. Times are relative to the first run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from xbt_shared.auth import Principal
from xbt_shared.mongo import Doc
from xbt_shared.runtime import Runtime
from xbt_shared.tenancy import Tenant
from xbt_tasks.catalog_client import CatalogClient
from xbt_tasks.rules import Content
from xbt_tasks.service import Review, TaskDraft, Tasks, now_ms, submission_id
from xbt_tasks.settings import TasksSettings

# --- who -------------------------------------------------------------------------------------


def _person(
    tenant: str, user_id: str, role: str, name: str, school: str, classes: Sequence[str]
) -> Principal:
    """The principal a login of this demo account yields (the claims identity puts in)."""
    return Principal(
        user_id=user_id,
        tenant=tenant,
        roles=frozenset({role}),
        school=school,
        classes=tuple(classes),
        name=name,
    )


HP_TEACHER = _person(
    "heping", "u-hp-teacher1", "teacher", "张老师", "hp-sy-zx", ["c-hp-8-1", "c-hp-8-2"]
)
HP_STUDENT1 = _person("heping", "u-hp-student1", "student", "李明", "hp-sy-zx", ["c-hp-8-1"])
HP_STUDENT2 = _person("heping", "u-hp-student2", "student", "王芳", "hp-sy-zx", ["c-hp-8-1"])
HX_TEACHER = _person("hexi", "u-hx-teacher1", "teacher", "吴老师", "hx-zx-1", ["c-hx-8-3"])
DEMO_PEOPLE = (HP_TEACHER, HP_STUDENT1, HP_STUDENT2, HX_TEACHER)


# --- the catalog's demo content the tasks use ---------------------------------------------------

# Resources as the catalog shows them to these teachers (id -> the fields a task copies).
RESOURCES: dict[str, Doc] = {
    "res-00857": {
        "title": "《消元——解二元一次方程组》课堂实录",
        "kind": "recording",
        "owner": "city",
    },
    "res-04242": {"title": "《二元一次方程组》导学案", "kind": "exercise", "owner": "heping"},
    "res-00524": {"title": "《唐诗三首》课堂实录", "kind": "recording", "owner": "city"},
}


def _system_item(item_id: str, stem: str, answer: list[list[str]], x: str, y: str) -> Doc:
    return {
        "id": item_id,
        "type": "fill",
        "stem": stem,
        "options": [],
        "answer": answer,
        "explanation": (
            f"用加减消元法消去一个未知数，解得 x = {x}，y = {y}；代入原方程组检验，两个方程都成立。"
        ),
        "difficulty": 3,
        "knowledge_point_ids": ["kp-shuxue-cz-1.2.2"],
        "owner": "city",
    }


# Question items with their keys, as the catalog gives them to a teacher.
ITEMS: dict[str, Doc] = {
    item["id"]: item
    for item in (
        _system_item(
            "item-00308", "解方程组：x + y = 8，-x + 5y = 22，x = ____，y = ____",
            [["3"], ["5"]], "3", "5",
        ),
        _system_item(
            "item-00335", "解方程组：-3x + y = -8，-5x + 3y = -16，x = ____，y = ____",
            [["2"], ["-2"]], "2", "-2",
        ),
        _system_item(
            "item-00362", "解方程组：-x + 3y = 6，-4x + 5y = 24，x = ____，y = ____",
            [["-6"], ["0"]], "-6", "0",
        ),
    )
}  # fmt: skip


class DemoCatalog(CatalogClient):
    """Answers the seed's few questions to the catalog from the tables above. Only the two
    lookups `Tasks.create_task` makes are served; it holds no connection."""

    def __init__(self) -> None:  # no HTTP client: nothing here goes over the network
        pass

    async def resources(self, ids: Sequence[str], *, bearer: str) -> dict[str, Doc | None]:
        return {i: _copy({"id": i, **RESOURCES[i]}) if i in RESOURCES else None for i in ids}

    async def items(
        self, ids: Sequence[str], *, bearer: str | None = None, tenant: str | None = None
    ) -> dict[str, Doc | None]:
        return {i: _copy(ITEMS[i]) if i in ITEMS else None for i in ids}


def _copy(doc: Doc) -> Doc:
    return {k: list(v) if isinstance(v, list) else v for k, v in doc.items()}


# --- what ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoWork:
    """A pupil's submission, and the teacher's mark if it has been marked."""

    pupil: Principal
    text: str | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    score: float | None = None  # marked with this score (tasks without items)
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


TASKS: tuple[DemoTask, ...] = (
    DemoTask(
        teacher=HP_TEACHER,
        title="第八章 二元一次方程组 复习练习",
        instructions=(
            "<p>先观看《消元——解二元一次方程组》课堂实录，完成导学案第 1–3 题，"
            "再用<strong>加减消元法</strong>解下面三个方程组。</p>"
            "<p>在文本框里写出其中一题的完整解题过程。可以提交两次。</p>"
        ),
        class_ids=("c-hp-8-1", "c-hp-8-2"),
        opened_days_ago=2,
        due_in_days=5,
        resource_ids=("res-00857", "res-04242"),
        items=(("item-00308", 10), ("item-00335", 10), ("item-00362", 10)),
        max_attempts=2,
        work=(
            DemoWork(
                HP_STUDENT2,
                text="<p>第 1 题：两式相加得 6y = 30，y = 5，代入得 x = 3。</p>",
                # The third one with a sign slip: marked wrong automatically.
                answers={
                    "item-00308": ["3", "5"],
                    "item-00335": ["2", "-2"],
                    "item-00362": ["6", "0"],
                },
            ),
        ),
    ),
    DemoTask(
        teacher=HP_TEACHER,
        title="数学日记：用方程组解决生活中的问题",
        instructions=(
            "<p>找一个生活中的问题（买文具、分水果、行程……），"
            "列出二元一次方程组并解答，写成一篇不少于 200 字的数学日记。</p>"
        ),
        class_ids=("c-hp-8-1",),
        opened_days_ago=6,
        due_in_days=1,
        max_score=100,
        work=(
            DemoWork(
                HP_STUDENT1,
                text=(
                    "<p>今天和妈妈去文具店，买 3 本笔记本和 2 支钢笔一共花了 27 元，"
                    "买 1 本笔记本和 4 支钢笔一共花了 29 元。设笔记本每本 x 元，钢笔每支 y 元，"
                    "列方程组 3x + 2y = 27，x + 4y = 29。第二个方程乘 3 再减去第一个方程，"
                    "得 10y = 60，y = 6，代入得 x = 5。答：笔记本每本 5 元，钢笔每支 6 元。</p>"
                    "<p>以前觉得方程只在课本里，原来算账的时候也用得上。</p>"
                ),
                score=95,
                comment="设未知数、列方程、检验都很完整，生活例子选得好！最后可以写上检验过程。",
            ),
        ),
    ),
    DemoTask(
        teacher=HP_TEACHER,
        title="寒假作业：数学错题整理",
        instructions=(
            "<p>从寒假作业中整理 10 道错题，写出错误原因和订正过程，拍照前先写在这里。</p>"
        ),
        class_ids=("c-hp-8-1",),
        opened_days_ago=10,
        due_in_days=-1,
        max_score=100,
    ),
    DemoTask(
        teacher=HX_TEACHER,
        title="古诗词背诵：《唐诗三首》",
        instructions=(
            "<p>观看《唐诗三首》课堂实录，背诵《石壕吏》《茅屋为秋风所破歌》《卖炭翁》。</p>"
            "<p>在文本框中默写《石壕吏》全诗，注意标点和易错字（“逾墙走”“戍”“炊”）。</p>"
        ),
        class_ids=("c-hx-8-3",),
        opened_days_ago=1,
        due_in_days=3,
        resource_ids=("res-00524",),
        max_score=100,
    ),
)


# --- how -------------------------------------------------------------------------------------


async def seed(tasks: Tasks, *, now: datetime | None = None) -> dict[str, int]:
    """Create what is missing; returns how many tasks, submissions and marks were made."""
    now = now or now_ms()
    created = {"tasks": 0, "submissions": 0, "marks": 0}
    for spec in TASKS:
        tenant = Tenant(spec.teacher.tenant)
        task, new = await _ensure_task(tasks, tenant, spec, now)
        created["tasks"] += new
        store = tasks.store(tenant)
        for work in spec.work:
            sid = submission_id(task["_id"], work.pupil.user_id)
            submission = await store.submission(sid)
            if submission is None:
                content = Content(text=work.text, file_ids=(), answers=dict(work.answers))
                submitted, _ = await tasks.submit(work.pupil, tenant, task["_id"], content, None)
                created["submissions"] += 1
                submission = {"state": submitted["state"], "attempt_count": 1}
            if work.score is not None and submission["state"] == "submitted":
                review = Review(
                    attempt=submission["attempt_count"],
                    outcome="marked",
                    item_points={},
                    score=work.score,
                    comment=work.comment,
                )
                await tasks.review(spec.teacher, tenant, task["_id"], work.pupil.user_id, review)
                created["marks"] += 1
        if new and spec.due_in_days < 0:
            # Last, once any work is in: the due time moves into the past.
            await tasks.edit_task(
                spec.teacher,
                tenant,
                task["_id"],
                task["revision"],
                {"due_at": now + timedelta(days=spec.due_in_days)},
            )
    return created


async def _ensure_task(
    tasks: Tasks, tenant: Tenant, spec: DemoTask, now: datetime
) -> tuple[Doc, bool]:
    store = tasks.store(tenant)
    for task in await store.tasks_of_classes(list(spec.class_ids)):
        if task["teacher_id"] == spec.teacher.user_id and task["title"] == spec.title:
            return task, False
    draft = TaskDraft(
        title=spec.title,
        instructions=spec.instructions,
        class_ids=spec.class_ids,
        resource_ids=spec.resource_ids,
        items=spec.items,
        accepts_text=spec.accepts_text,
        accepts_files=False,
        opens_at=now - timedelta(days=spec.opened_days_ago),
        due_at=now + timedelta(days=max(spec.due_in_days, 1)),
        allow_late=False,
        max_attempts=spec.max_attempts,
        max_score=spec.max_score,
    )
    view = await tasks.create_task(spec.teacher, tenant, draft, bearer="")
    task = await store.task(view["id"])
    assert task is not None
    return task, True


async def main() -> None:
    from xbt_tasks.main import SERVICE, ensure_indexes

    settings = TasksSettings()
    runtime = Runtime(settings, service=SERVICE)
    try:
        await ensure_indexes(runtime)
        created = await seed(Tasks(mongo=runtime.mongo, catalog=DemoCatalog()))
        print(
            "  tasks demo data: created {tasks} tasks, {submissions} submissions, "
            "{marks} marks (existing ones kept)".format(**created)
        )
    finally:
        await runtime.mongo.close()
        await runtime.redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
