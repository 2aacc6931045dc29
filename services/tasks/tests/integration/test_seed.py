"""The demo seed: made by the real use cases, complete on the first run, unchanged by the
second, and what each demo pupil then sees."""

from __future__ import annotations

from collections import Counter
from datetime import time

from xbt_shared.auth import Principal
from xbt_shared.clock import now_ms
from xbt_shared.mongo import OUTBOX, Mongo
from xbt_shared.tenancy import Tenant
from xbt_tasks.assignments.domain import BEIJING
from xbt_tasks.assignments.service import tasks_of_classes
from xbt_tasks.seed.loader import HP_STUDENT1, HP_STUDENT2, HP_TEACHER, demo_use_cases, seed

HEPING = Tenant("heping")
HX_STUDENT1 = Principal(
    user_id="u-hx-student1",
    tenant="hexi",
    roles=frozenset({"student"}),
    school="hx-zx-1",
    classes=("c-hx-8-3",),
    name="周杰",
)


def groups(listing: dict[str, object]) -> dict[str, list[str]]:
    """The titles of the listed tasks by where the pupil stands (`state`), sorted."""
    found: dict[str, list[str]] = {}
    for t in listing["items"]:  # type: ignore[attr-defined]
        found.setdefault(t["state"], []).append(t["title"])
    return {state: sorted(titles) for state, titles in found.items()}


def statuses(listing: dict[str, object]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for t in listing["items"]:  # type: ignore[attr-defined]
        found.setdefault(t["list_status"], []).append(t["title"])
    return found


def today_in_beijing() -> str:
    local = now_ms().astimezone(BEIJING)
    return f"{local.month}月{local.day}日"


async def test_seeding_twice_creates_once_and_each_pupil_sees_their_states(mongo: Mongo) -> None:
    demo = demo_use_cases(mongo)
    assert await seed(demo) == {"tasks": 7, "submissions": 4, "marks": 3}
    assert await seed(demo) == {"tasks": 0, "submissions": 0, "marks": 0}
    day = today_in_beijing()
    drill, quiz, preview = (
        f"每日一练（{day}）：加减消元解方程组",
        f"课堂小测（{day}）：二元一次方程组",
        f"预习（{day}）：一次函数的概念",
    )

    assert groups(await demo.submissions.my_tasks(demo.caller(HP_STUDENT1))) == {
        "to_do": sorted(["第八章 二元一次方程组 复习练习", drill, preview]),
        "marked": sorted(["数学日记：用方程组解决生活中的问题", quiz]),
        "overdue": ["寒假作业：数学错题整理"],
    }
    assert groups(await demo.submissions.my_tasks(demo.caller(HP_STUDENT2))) == {
        "to_do": sorted(["数学日记：用方程组解决生活中的问题", drill, preview]),
        "submitted": ["第八章 二元一次方程组 复习练习"],
        "marked": [quiz],
        "overdue": ["寒假作业：数学错题整理"],
    }
    assert groups(await demo.submissions.my_tasks(demo.caller(HX_STUDENT1))) == {
        "to_do": ["古诗词背诵：《唐诗三首》"]
    }
    # The pupils' "today": due today, to do, overdue and done (marked), whatever the day.
    late_evening = now_ms().astimezone(BEIJING).time() >= time(23, 58)
    for pupil in (HP_STUDENT1, HP_STUDENT2):
        listing = statuses(await demo.submissions.my_tasks(demo.caller(pupil)))
        if not late_evening:
            assert listing["due_today"] == [drill], pupil.name
        assert preview in listing["todo"], pupil.name
        assert listing["overdue"] == ["寒假作业：数学错题整理"], pupil.name
        assert quiz in listing["done"], pupil.name
    marked = await demo.submissions.submission(
        demo.caller(HP_STUDENT2),
        next(
            t.id
            for t in await tasks_of_classes(demo.caller(HP_TEACHER).db, ["c-hp-8-1"])
            if t.title == quiz
        ),
        HP_STUDENT2.user_id,
    )
    assert (marked["state"], marked["score"]) == ("marked", 20)
    # Marked work counts towards the pupils' mastery of its knowledge point.
    rows = mongo.for_tenant(HEPING)["practice_mastery"].find(
        {"pupil_id": HP_STUDENT2.user_id}, {"_id": 0, "knowledge_point_id": 1, "answered": 1}
    )
    assert [row async for row in rows] == [
        {"knowledge_point_id": "kp-shuxue-cz-1.2.2", "answered": 3}
    ]


async def test_a_later_day_adds_that_days_tasks_and_keeps_the_others(mongo: Mongo) -> None:
    demo = demo_use_cases(mongo)
    await seed(demo)
    # As if today's daily tasks had been made on an earlier day (their titles carry it).
    tasks = mongo.for_tenant(HEPING)["tasks"]
    day = today_in_beijing()
    async for doc in tasks.find({"title": {"$regex": day}}, {"title": 1}):
        await tasks.update_one(
            {"_id": doc["_id"]}, {"$set": {"title": doc["title"].replace(day, "1月5日")}}
        )
    assert await seed(demo) == {"tasks": 3, "submissions": 2, "marks": 2}
    titles = [doc["title"] async for doc in tasks.find({}, {"title": 1})]
    assert len(titles) == 9 and sum("1月5日" in t for t in titles) == 3


async def test_seeded_work_is_marked_as_the_service_marks_it(mongo: Mongo) -> None:
    demo = demo_use_cases(mongo)
    await seed(demo)
    listing = await demo.assignments.teacher_tasks(demo.caller(HP_TEACHER), None, 1, 20)
    by_title = {t["title"]: t for t in listing["items"]}
    practice = by_title["第八章 二元一次方程组 复习练习"]
    assert (practice["item_count"], practice["resource_count"], practice["max_score"]) == (3, 2, 30)
    auto = await demo.submissions.submission(
        demo.caller(HP_TEACHER), practice["id"], HP_STUDENT2.user_id
    )
    # Two of three systems solved: the third has a sign slip.
    assert (auto["state"], auto["auto_score"]) == ("submitted", 20)
    diary = by_title["数学日记：用方程组解决生活中的问题"]
    marked = await demo.submissions.submission(
        demo.caller(HP_STUDENT1), diary["id"], HP_STUDENT1.user_id
    )
    assert (marked["state"], marked["score"], marked["reviewed_by"]) == (
        "marked",
        95,
        HP_TEACHER.user_id,
    )
    overdue = by_title["寒假作业：数学错题整理"]
    assert overdue["opens_at"] < overdue["due_at"] < now_ms()
    # The events a teacher's work would emit are in the outbox, waiting for the relay.
    rows = mongo.for_tenant(HEPING)[OUTBOX].find({}, {"event.type": 1})
    types = Counter([row["event"]["type"] async for row in rows])
    assert types == {
        "tasks.task.assigned": 6,
        # The overdue task is given its past dates by a change, which the catalog's
        # answer-key projection must hear of.
        "tasks.task.updated": 1,
        "tasks.submission.created": 4,
        "tasks.submission.reviewed": 3,
    }
