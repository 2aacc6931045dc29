"""Open-school courses: browsing with visibility and caching, and pupils' lesson progress."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import httpx
import pytest

from xbt_catalog.courses.domain import percent_complete, position_error, reaches_completion
from xbt_catalog.courses.store import PROGRESS, CourseStore
from xbt_catalog.resources.service import Resources
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import BASE

SKY = "course-t-tianwen"
BRUSH = "course-t-maobi-g3"
HP_LOCAL = "course-t-hp-local"
HP_SCHOOL = "course-t-hp-school"
DRAFT = "course-t-draft"
SCHOOL = "hp-sy-zx"


def course(
    cid: str,
    title: str,
    *,
    program: str = "空中课堂",
    grades: list[int] | None = None,
    durations: tuple[int | None, ...] = (1000,),
    level: str = "city",
    tenant: str = "city",
    school: str | None = None,
    days: int = 0,
    **extra: Any,
) -> Doc:
    when = BASE + timedelta(days=days)
    lessons = [
        {
            "id": f"{cid}.l{n}",
            "index": n,
            "title": f"第{n}讲",
            "media": {
                "url": f"https://media.example/courses/{cid}/{n:03d}.mp4",
                "duration_s": duration,
                "format": "mp4",
            },
        }
        for n, duration in enumerate(durations, 1)
    ]
    return {
        "_id": cid,
        "program": program,
        "title": title,
        "description": f"{title}（测试）",
        "subject_or_category": extra.pop("subject_or_category", "物理"),
        "grades": grades or [10, 11, 12],
        "provider": {"level": level, "tenant": tenant, "school_id": school, "name": tenant},
        "guest_visible": extra.pop("guest_visible", False),
        "status": extra.pop("status", "published"),
        # Stored out of order: readers get them by index.
        "lessons": list(reversed(lessons)),
        "published_at": when,
        "created_at": when,
        "updated_at": when,
        **extra,
    }


COURSES: list[Doc] = [
    course(SKY, "天文学漫谈", durations=(1000, 1200, 1500), days=1, guest_visible=True),
    course(
        BRUSH,
        "毛笔书法 三年级",
        program="博学乐园",
        grades=[3],
        durations=(600, 700),
        subject_or_category="书法",
        days=2,
    ),
    course(HP_LOCAL, "和平区 科技创新讲堂", level="district", tenant="heping", grades=[10], days=3),
    course(
        HP_SCHOOL,
        "实验中学 校本选修",
        level="school",
        tenant="heping",
        school=SCHOOL,
        grades=[10],
        days=4,
    ),
    course(DRAFT, "未发布的课程", status="draft", days=5),
]


@pytest.fixture
async def courses(catalog: Resources) -> list[Doc]:
    by_tenant: dict[str, list[Doc]] = {}
    for doc in COURSES:
        by_tenant.setdefault(doc["provider"]["tenant"], []).append(dict(doc))
    for tenant, docs in by_tenant.items():
        await CourseStore(catalog.mongo.for_tenant(Tenant(tenant))).insert_courses(docs)
    return COURSES


def pupil(
    tokens: TokenFactory, *, sub: str = "u-hp-pupil", tenant: str = "heping", school: str = SCHOOL
) -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["student"], school=school, sub=sub)


async def _list(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Doc:
    resp = await client.get("/v1/courses", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    body: Doc = resp.json()
    return body


async def _put(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    lesson: str,
    position_s: float,
    course_id: str = SKY,
    **extra: Any,
) -> httpx.Response:
    return await client.put(
        f"/v1/courses/{course_id}/lessons/{lesson}/progress",
        headers=headers,
        json={"position_s": position_s, **extra},
    )


# rules -------------------------------------------------------------------------------------


def test_completion_and_position_rules() -> None:
    assert not reaches_completion(899, 1000)
    assert reaches_completion(900, 1000)
    assert not reaches_completion(10_000, None)  # unknown length: only the player says so
    assert position_error(1000, 1000) is None
    assert position_error(1000.5, 1000) is not None
    assert position_error(-1, None) is not None
    assert percent_complete(1, 3) == 33.3
    assert percent_complete(0, 0) == 0.0


# browsing ------------------------------------------------------------------------------------


async def test_list_filters_pages_and_hides_lessons(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens)
    body = await _list(client, me)
    assert [c["id"] for c in body["items"]] == [HP_SCHOOL, HP_LOCAL, BRUSH, SKY]
    assert body["total"] == 4
    sky = body["items"][-1]
    assert "lessons" not in sky
    assert sky["lesson_count"] == 3 and sky["duration_s"] == 3700
    assert sky["owner"] == "city" and sky["program"] == "空中课堂"
    assert [c["id"] for c in (await _list(client, me, program="博学乐园"))["items"]] == [BRUSH]
    assert [c["id"] for c in (await _list(client, me, grade=3))["items"]] == [BRUSH]
    assert [c["id"] for c in (await _list(client, me, grade=11))["items"]] == [SKY]
    second = await _list(client, me, size=1, page=2)
    assert [c["id"] for c in second["items"]] == [HP_LOCAL] and second["total"] == 4
    # Another school of the same district does not see the school's own course.
    other_school = pupil(tokens, school="hp-xx-1")
    assert HP_SCHOOL not in [c["id"] for c in (await _list(client, other_school))["items"]]


async def test_bad_listing_input_names_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens)
    for params, field in (
        ({"size": 51}, "query.size"),
        ({"program": "炼金术"}, "query.program"),
        ({"grade": 13}, "query.grade"),
        ({"page": 0}, "query.page"),
    ):
        resp = await client.get("/v1/courses", headers=me, params=params)
        assert resp.status_code == 422, params
        assert resp.json()["errors"][0]["field"] == field
    assert (await client.get("/v1/courses")).status_code == 401


async def test_detail_has_ordered_lessons_and_etags(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens)
    first = await client.get(f"/v1/courses/{SKY}", headers=me)
    assert first.status_code == 200
    lessons = first.json()["lessons"]
    assert [ls["id"] for ls in lessons] == [f"{SKY}.l1", f"{SKY}.l2", f"{SKY}.l3"]
    assert lessons[1]["media"]["duration_s"] == 1200
    etag = first.headers["etag"]
    assert "must-revalidate" in first.headers["cache-control"]
    again = await client.get(f"/v1/courses/{SKY}", headers={**me, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    listed = await client.get("/v1/courses", headers=me)
    relisted = await client.get(
        "/v1/courses", headers={**me, "If-None-Match": listed.headers["etag"]}
    )
    assert relisted.status_code == 304
    assert (await client.get(f"/v1/courses/{DRAFT}", headers=me)).status_code == 404
    assert (await client.get("/v1/courses/course-nope", headers=me)).status_code == 404


async def test_hexi_pupil_cannot_reach_a_heping_course(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    hexi = pupil(tokens, sub="u-hx-pupil", tenant="hexi", school="hx-zx-1")
    assert [c["id"] for c in (await _list(client, hexi))["items"]] == [BRUSH, SKY]
    assert (await client.get(f"/v1/courses/{HP_LOCAL}", headers=hexi)).status_code == 404
    put = await _put(client, hexi, f"{HP_LOCAL}.l1", 10, course_id=HP_LOCAL)
    assert put.status_code == 404
    assert (await client.get(f"/v1/courses/{HP_LOCAL}/progress", headers=hexi)).status_code == 404
    # The heping pupil can.
    heping = pupil(tokens)
    assert (await _put(client, heping, f"{HP_LOCAL}.l1", 10, course_id=HP_LOCAL)).status_code == 200


async def test_guests_read_guest_courses_and_cannot_write(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc], catalog: Resources
) -> None:
    guest = tokens.headers(tenant="heping", roles=["guest"], sub="u-guest")
    assert [c["id"] for c in (await _list(client, guest))["items"]] == [SKY]
    assert (await client.get(f"/v1/courses/{SKY}", headers=guest)).status_code == 200
    assert (await client.get(f"/v1/courses/{BRUSH}", headers=guest)).status_code == 404
    write = await _put(client, guest, f"{SKY}.l1", 10)
    assert write.status_code == 403
    assert write.json()["type"] == "/problems/guest-read-only"
    for tenant in ("heping", "city"):
        stored = catalog.mongo.for_tenant(Tenant(tenant))[PROGRESS]
        assert await stored.count_documents({}) == 0


# progress ------------------------------------------------------------------------------------


async def test_progress_only_moves_forward_and_completes_at_90_percent(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens)
    lesson = f"{SKY}.l1"  # 1000 s
    first = await _put(client, me, lesson, 300)
    assert first.status_code == 200, first.text
    assert first.json()["position_s"] == 300 and first.json()["completed"] is False
    assert first.headers["cache-control"] == "no-store"
    back = (await _put(client, me, lesson, 100)).json()
    assert back["position_s"] == 300
    assert (await _put(client, me, lesson, 899)).json()["completed"] is False
    done = (await _put(client, me, lesson, 900)).json()
    assert done["completed"] is True and done["completed_at"] is not None
    after = (await _put(client, me, lesson, 50, completed=False)).json()
    assert after["completed"] is True and after["position_s"] == 900
    assert after["completed_at"] == done["completed_at"]
    # The player may say a lesson ended (its catalogued length may be approximate).
    ended = (await _put(client, me, f"{SKY}.l2", 1100, completed=True)).json()
    assert ended["completed"] is True and ended["position_s"] == 1100


async def test_progress_is_idempotent(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc], catalog: Resources
) -> None:
    me = pupil(tokens, sub="u-idem")
    lesson = f"{SKY}.l3"
    one = (await _put(client, me, lesson, 420.5)).json()
    two = (await _put(client, me, lesson, 420.5)).json()
    assert {k: v for k, v in one.items() if k != "updated_at"} == {
        k: v for k, v in two.items() if k != "updated_at"
    }
    progress = catalog.mongo.for_tenant(Tenant("heping"))[PROGRESS]
    assert await progress.count_documents({"user_id": "u-idem"}) == 1


async def test_concurrent_out_of_order_reports_keep_the_furthest(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc], catalog: Resources
) -> None:
    me = pupil(tokens, sub="u-race")
    lesson = f"{SKY}.l3"  # 1500 s: completed from 1350
    positions = [60 * n for n in range(1, 21)]  # up to 1200: not completed
    random.Random(7).shuffle(positions)
    results = await asyncio.gather(*(_put(client, me, lesson, p) for p in positions))
    assert all(r.status_code == 200 for r in results)
    stored = await catalog.mongo.for_tenant(Tenant("heping"))[PROGRESS].find_one(
        {"_id": f"u-race:{lesson}"}
    )
    assert stored is not None
    assert stored["position_s"] == 1200 and stored["completed"] is False


async def test_bad_progress_reports(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens)
    beyond = await _put(client, me, f"{SKY}.l1", 1000.5)
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["field"] == "body.position_s"
    negative = await _put(client, me, f"{SKY}.l1", -1)
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "body.position_s"
    extra = await _put(client, me, f"{SKY}.l1", 1, speed=2)
    assert extra.status_code == 422
    assert (await _put(client, me, f"{SKY}.l9", 1)).status_code == 404
    assert (await _put(client, me, f"{BRUSH}.l1", 1)).status_code == 404  # not this course's
    assert (await _put(client, me, "x.l1", 1, course_id="course-nope")).status_code == 404
    assert (await _put(client, me, f"{DRAFT}.l1", 1, course_id=DRAFT)).status_code == 404


async def test_progress_is_stored_in_the_readers_tenant(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc], catalog: Resources
) -> None:
    me = pupil(tokens, sub="u-hp-42")
    assert (await _put(client, me, f"{SKY}.l1", 120)).status_code == 200
    key = f"u-hp-42:{SKY}.l1"
    heping = await catalog.mongo.for_tenant(Tenant("heping"))[PROGRESS].find_one({"_id": key})
    assert heping is not None
    assert heping["user_id"] == "u-hp-42" and heping["course_owner"] == "city"
    city = catalog.mongo.for_tenant(Tenant("city"))[PROGRESS]
    assert await city.find_one({"_id": key}) is None
    assert await city.count_documents({}) == 0
    hexi = catalog.mongo.for_tenant(Tenant("hexi"))[PROGRESS]
    assert await hexi.count_documents({}) == 0


async def test_another_pupil_does_not_see_my_progress(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    mine, theirs = pupil(tokens, sub="u-me"), pupil(tokens, sub="u-classmate")
    assert (await _put(client, mine, f"{SKY}.l1", 950)).status_code == 200
    seen = (await client.get(f"/v1/courses/{SKY}/progress", headers=theirs)).json()
    assert seen["started_lessons"] == 0 and seen["completed_lessons"] == 0
    assert all(ls["position_s"] == 0 for ls in seen["lessons"])
    assert (await client.get("/v1/me/courses", headers=theirs)).json() == {"items": [], "total": 0}


async def test_course_progress_and_my_courses(
    client: httpx.AsyncClient, tokens: TokenFactory, courses: list[Doc]
) -> None:
    me = pupil(tokens, sub="u-keen")
    assert (await _put(client, me, f"{SKY}.l1", 1000)).status_code == 200
    assert (await _put(client, me, f"{SKY}.l2", 300)).status_code == 200
    assert (await _put(client, me, f"{BRUSH}.l2", 60, course_id=BRUSH)).status_code == 200

    resp = await client.get(f"/v1/courses/{SKY}/progress", headers=me)
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["completed_lessons"] == 1 and body["total_lessons"] == 3
    assert body["started_lessons"] == 2 and body["percent_complete"] == 33.3
    assert body["last_lesson_id"] == f"{SKY}.l2"
    assert [(ls["lesson_id"], ls["position_s"], ls["completed"]) for ls in body["lessons"]] == [
        (f"{SKY}.l1", 1000, True),
        (f"{SKY}.l2", 300, False),
        (f"{SKY}.l3", 0, False),
    ]

    mine = (await client.get("/v1/me/courses", headers=me)).json()
    assert [c["id"] for c in mine["items"]] == [BRUSH, SKY]  # most recently studied first
    brush, sky = mine["items"]
    assert brush["title"] == "毛笔书法 三年级" and "lessons" not in brush
    assert brush["progress"]["percent_complete"] == 0.0
    assert brush["progress"]["started_lessons"] == 1
    assert sky["progress"]["completed_lessons"] == 1 and sky["progress"]["total_lessons"] == 3
    assert (await client.get("/v1/courses/course-nope/progress", headers=me)).status_code == 404
