"""Every store is bound to one tenant's database: what district A writes, district B's store
does not see."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from xbt_catalog.bank.domain import PupilWork, TaskLock
from xbt_catalog.bank.store import AnswerLockStore, BankStore
from xbt_catalog.courses.store import CourseStore
from xbt_catalog.research.domain import LessonPlan, ResearchGroup
from xbt_catalog.research.store import ResearchStore
from xbt_catalog.resources.domain import Resource
from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.schedule.store import ScheduleStore
from xbt_catalog.search.store import IndexSourceStore
from xbt_shared.mongo import TenantDb
from xbt_shared.tenancy import Tenant

from ..conftest import TEXTBOOK, resource

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOW = datetime(2020, 2, 17, 8, tzinfo=UTC)


def districts(catalog: Resources) -> tuple[TenantDb, TenantDb]:
    return catalog.mongo.for_tenant(Tenant("heping")), catalog.mongo.for_tenant(Tenant("hexi"))


async def test_resources_and_textbooks(catalog: Resources) -> None:
    a, b = districts(catalog)
    doc = resource("r-a", "和平区 勾股定理", level="district", tenant="heping")
    await ResourceStore(a).insert_resource(Resource.from_doc(doc))
    await ResourceStore(a).insert_textbooks([dict(TEXTBOOK)])
    assert await ResourceStore(a).resource("r-a") is not None
    other = ResourceStore(b)
    assert await other.resource("r-a") is None
    assert await other.resources_by_ids(["r-a"]) == []
    assert await other.count_resources({}) == 0
    assert await other.textbook(TEXTBOOK["_id"]) is None
    assert await other.update_resource("r-a", {"title": "x"}) is None


async def test_what_the_search_index_follows(catalog: Resources) -> None:
    a, b = districts(catalog)
    await ResourceStore(a).insert_resources(
        [resource("r-a", "和平区 勾股定理", level="district", tenant="heping")]
    )
    await ResourceStore(a).add_views({"r-a": 3}, at=NOW)
    other = IndexSourceStore(b)
    assert [d async for d in other.published_resources()] == []
    assert await other.changed_since(EPOCH) == []
    assert await other.views_changed_since(EPOCH) == []
    assert len(await IndexSourceStore(a).changed_since(EPOCH)) == 1


async def test_courses_and_progress(catalog: Resources) -> None:
    a, b = districts(catalog)
    course = {"_id": "c-a", "status": "published", "program": "空中课堂", "lessons": []}
    await CourseStore(a).insert_courses([course])
    await CourseStore(a).record_progress(
        user_id="u1",
        course_id="c-a",
        course_owner="heping",
        lesson={"id": "c-a.l1", "index": 1, "media": {"duration_s": 100}},
        position_s=10,
        completed=False,
        now=NOW,
    )
    other = CourseStore(b)
    assert await other.course("c-a") is None
    assert await other.course_summaries({}) == []
    assert await other.progress_of("u1") == []
    assert await other.progress_in_course("u1", "c-a") == []


async def test_tv_schedule(catalog: Resources) -> None:
    a, b = districts(catalog)
    slot = {"_id": "tv-a", "date": "2020-02-17", "start": "08:00", "end": "08:40", "grade": 9}
    await ScheduleStore(a).insert_slots([slot])
    assert await ScheduleStore(b).slots(first="2020-02-01", last="2020-02-29") == []
    assert await ScheduleStore(b).slots_of_grade(9) == []


async def test_question_bank(catalog: Resources) -> None:
    a, b = districts(catalog)
    await a["knowledge_points"].insert_one(
        {"_id": "kp-a", "subject": "数学", "stage": "初中", "path": []}
    )
    await a["items"].insert_one({"_id": "i-a", "knowledge_point_ids": ["kp-a"]})
    other = BankStore(b)
    assert await other.knowledge_point("kp-a") is None
    assert await other.knowledge_points(subject="数学", stage="初中") == []
    assert await other.item("i-a") is None
    assert await other.count_items({}) == 0
    assert await other.items_by_ids(["i-a"]) == []


async def test_research(catalog: Resources) -> None:
    a, b = districts(catalog)
    group = ResearchGroup(
        id="rg-a",
        name="初中数学教研组",
        subject="数学",
        stage="初中",
        owner="t1",
        members=["t1"],
        created_at=NOW,
        updated_at=NOW,
    )
    plan = LessonPlan.write(
        "lp-a",
        group,
        author="t1",
        title="勾股定理",
        subject="数学",
        grade=8,
        textbook_node_ids=[],
        body="# 目标",
        body_format="markdown",
        co_authors=[],
        at=NOW,
    )
    store = ResearchStore(a)
    await store.insert_group(group)
    await store.insert_plan(plan)
    await store.insert_comment({"_id": "c1", "plan_id": "lp-a", "at": NOW})
    assert await store.plan("lp-a") == plan
    other = ResearchStore(b)
    assert await other.group("rg-a") is None
    assert await other.groups({}, skip=0, limit=10) == ([], 0)
    assert await other.plan("lp-a") is None
    assert await other.plans_of("rg-a", skip=0, limit=10) == ([], 0)
    assert await other.comments_of("lp-a", skip=0, limit=10) == ([], 0)
    assert await other.update_plan("lp-a", expect={}, update={"$set": {"title": "x"}}) is None


async def test_answer_key_lock(catalog: Resources) -> None:
    """The lock's projection against the real server: a task and a pupil's work read back as
    written (times at millisecond precision, with their zone), a newer revision replaces the
    task, `open_tasks_with` finds only open tasks of the pupil's classes holding the item,
    writes inside a unit of work are seen only once it commits, and another district sees
    none of it."""
    a, b = districts(catalog)
    due = datetime(2020, 2, 18, 23, 59, 30, 123000, tzinfo=UTC)
    lock = TaskLock("tk-a", 1, ("c-1", "c-2"), ("i-1", "i-2"), "open", due, False, 1)
    store = AnswerLockStore(a)
    await store.put_task(lock)
    await store.put_task(TaskLock("tk-closed", 1, ("c-1",), ("i-1",), "closed", None, False, 1))
    await store.put_task(TaskLock("tk-other", 1, ("c-9",), ("i-1",), "open", None, True, 3))
    assert await store.task("tk-a") == lock
    assert [t.task_id for t in await store.open_tasks_with("i-1", ["c-2"])] == ["tk-a"]
    assert await store.open_tasks_with("i-3", ["c-1"]) == []
    await store.put_task(replace(lock, revision=2, status="closed"))
    assert (await store.task("tk-a")) == replace(lock, revision=2, status="closed")
    assert await store.open_tasks_with("i-1", ["c-1"]) == []

    work = PupilWork("tk-a", "p-1", "submitted", 1, NOW)
    async with a.unit_of_work() as uow:
        await AnswerLockStore(uow).put_work(work)
        assert await store.work("tk-a", "p-1") is None  # not committed yet
        assert await AnswerLockStore(uow).work("tk-a", "p-1") == work
    assert await store.work("tk-a", "p-1") == work
    await store.put_work(replace(work, state="returned"))
    assert await store.work_of("p-1", ["tk-a", "tk-other"]) == {
        "tk-a": replace(work, state="returned")
    }
    assert await store.work_of("p-2", ["tk-a"]) == {}

    other = AnswerLockStore(b)
    assert await other.task("tk-a") is None
    assert await other.open_tasks_with("i-1", ["c-9"]) == []
    assert await other.work("tk-a", "p-1") is None
    assert await other.work_of("p-1", ["tk-a"]) == {}
