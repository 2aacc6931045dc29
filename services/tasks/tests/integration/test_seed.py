"""The demo seed: made by the real use cases, complete on the first run, unchanged by the
second, and what each demo pupil then sees."""

from __future__ import annotations

from collections import Counter

from xbt_shared.auth import Principal
from xbt_shared.clock import now_ms
from xbt_shared.mongo import OUTBOX, Mongo
from xbt_shared.tenancy import Tenant
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
    return {
        state: sorted(t["title"] for t in entries)  # type: ignore[index]
        for state, entries in listing["groups"].items()  # type: ignore[attr-defined]
        if entries
    }


async def test_seeding_twice_creates_once_and_each_pupil_sees_their_states(mongo: Mongo) -> None:
    demo = demo_use_cases(mongo)
    assert await seed(demo) == {"tasks": 4, "submissions": 2, "marks": 1}
    assert await seed(demo) == {"tasks": 0, "submissions": 0, "marks": 0}

    assert groups(await demo.submissions.my_tasks(demo.caller(HP_STUDENT1))) == {
        "to_do": ["第八章 二元一次方程组 复习练习"],
        "marked": ["数学日记：用方程组解决生活中的问题"],
        "overdue": ["寒假作业：数学错题整理"],
    }
    assert groups(await demo.submissions.my_tasks(demo.caller(HP_STUDENT2))) == {
        "to_do": ["数学日记：用方程组解决生活中的问题"],
        "submitted": ["第八章 二元一次方程组 复习练习"],
        "overdue": ["寒假作业：数学错题整理"],
    }
    assert groups(await demo.submissions.my_tasks(demo.caller(HX_STUDENT1))) == {
        "to_do": ["古诗词背诵：《唐诗三首》"]
    }


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
        "tasks.task.assigned": 3,
        # The overdue task is given its past dates by a change, which the catalog's
        # answer-key projection must hear of.
        "tasks.task.updated": 1,
        "tasks.submission.created": 2,
        "tasks.submission.reviewed": 1,
    }
