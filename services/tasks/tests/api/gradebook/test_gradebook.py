"""Gradebooks through the API, with the real identity (class rosters) and catalog behind."""

from __future__ import annotations

import codecs
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from xbt_identity.main import create_app as create_identity_app
from xbt_identity.roster.domain import SchoolClass
from xbt_identity.roster.store import class_to_doc
from xbt_identity.settings import IdentitySettings
from xbt_shared.mongo import Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory, client_of, free_port, running
from xbt_tasks.main import create_app
from xbt_tasks.settings import TasksSettings

from ...conftest import CLASS, ISSUER, OTHER_CLASS, SCHOOL, pupil, teacher

EVIL = "=cmd|' /C calc'!A0"
# (id, name, student number), in the roster's order (by student number)
PUPILS = [
    ("p-a", "赵一", "2019070101"),
    ("p-b", "钱二", "2019070102"),
    ("p-c", "孙三", "2019070103"),
    ("p-d", "李四", "2019070104"),
    ("p-e", "周五", "2019070105"),
    ("p-f", EVIL, "2019070106"),
]
ITEMS = [
    {"id": "it-single", "points": 2},
    {"id": "it-multi", "points": 2},
    {"id": "it-tf", "points": 1},
    {"id": "it-fill", "points": 3},
    {"id": "it-short", "points": 2},
]
RIGHT = {
    "it-single": "B",
    "it-multi": ["A", "C"],
    "it-tf": True,
    "it-fill": ["x=2"],
    "it-short": "代入消元",
}


# --- identity, in-process, with a school, two classes and their pupils -----------------------


@pytest.fixture
async def identity_app(
    isolated_env: dict[str, Any], tokens: TokenFactory
) -> AsyncIterator[FastAPI]:
    settings = IdentitySettings(
        **isolated_env, issuer=ISSUER, argon2_memory_kib=1024, argon2_time_cost=1
    )
    app = create_identity_app(settings)
    async with app.router.lifespan_context(app):
        tokens.install(app.state.verifier)
        await seed_identity(app)
        yield app


async def seed_identity(app: FastAPI) -> None:
    tdb = app.state.runtime.mongo.for_tenant(Tenant("heping"))
    now = datetime.now(UTC)
    school = {"_id": SCHOOL, "name": "和平区实验中学", "grades": [7, 12], "tenant": "heping"}
    await tdb["schools"].insert_one({**school, "created_at": now})
    math = ["数学"]
    for class_id, number, teachers in (
        (CLASS, 1, ["t-li", "t-both"]),
        (OTHER_CLASS, 2, ["t-2", "t-both"]),
    ):
        klass = {
            **class_to_doc(SchoolClass.new(SCHOOL, 7, number, at=now)),
            "_id": class_id,
            "teachers": [{"user_id": t, "subjects": math} for t in teachers],
        }
        await tdb["classes"].insert_one(klass)
    await tdb["users"].insert_many(
        [
            {
                "_id": pid,
                "username": f"u{n}",
                "name": name,
                "roles": ["student"],
                "school_id": SCHOOL,
                "class_ids": [CLASS],
                "student_no": number,
                "teaching": [],
                "must_change_password": False,
                "disabled": False,
                "created_at": now,
            }
            for n, (pid, name, number) in enumerate(PUPILS)
        ]
    )


@pytest.fixture
async def tasks_app(
    isolated_env: dict[str, Any], tokens: TokenFactory, catalog_app: FastAPI, identity_app: FastAPI
) -> AsyncIterator[FastAPI]:
    """The tasks app of conftest, reading rosters from the identity app above."""
    app = create_app(
        TasksSettings(**isolated_env, jwt_issuer=ISSUER),
        catalog_transport=httpx.ASGITransport(app=catalog_app),
        identity_transport=httpx.ASGITransport(app=identity_app),
    )
    async with running(app, tokens):
        yield app


# --- helpers ---------------------------------------------------------------------------------


def soon(hours: float = 24) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def create(client: httpx.AsyncClient, headers: dict[str, str], **over: Any) -> str:
    body = {"title": "第八章 二元一次方程组", "class_ids": [CLASS], "due_at": soon(), **over}
    resp = await client.post("/v1/tasks", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    task_id: str = resp.json()["id"]
    return task_id


async def hand_in(
    client: httpx.AsyncClient, task_id: str, who: str, body: dict[str, Any], tokens: TokenFactory
) -> None:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions", headers={**pupil(tokens, sub=who), **key()}, json=body
    )
    assert resp.status_code == 201, resp.text


async def review(
    client: httpx.AsyncClient, task_id: str, who: str, tokens: TokenFactory, **body: Any
) -> None:
    resp = await client.post(
        f"/v1/tasks/{task_id}/submissions/{who}/review",
        headers=teacher(tokens),
        json={"attempt": 1, **body},
    )
    assert resp.status_code == 200, resp.text


async def past_due(mongo: Mongo, task_id: str) -> None:
    """Move the due time into the past (late work allowed), as time passing would."""
    tdb = mongo.for_tenant(Tenant("heping"))
    past = datetime.now(UTC) - timedelta(minutes=5)
    await tdb["tasks"].update_one({"_id": task_id}, {"$set": {"due_at": past, "allow_late": True}})


async def a_marked_class(client: httpx.AsyncClient, tokens: TokenFactory, mongo: Mongo) -> str:
    """a, b marked on time (10, 7); c on time, waiting; e on time, returned; d late, marked
    (4); f nothing (missing); g handed in as a pupil of the class but is not on its roster."""
    task_id = await create(client, teacher(tokens), items=ITEMS)
    await hand_in(client, task_id, "p-a", {"answers": RIGHT}, tokens)
    await hand_in(client, task_id, "p-b", {"answers": {**RIGHT, "it-single": "A"}}, tokens)
    await hand_in(client, task_id, "p-c", {"answers": RIGHT}, tokens)
    await hand_in(client, task_id, "p-e", {"answers": {**RIGHT, "it-tf": False}}, tokens)
    await hand_in(client, task_id, "p-g", {"answers": RIGHT}, tokens)
    await past_due(mongo, task_id)
    late = {**RIGHT, "it-single": "A", "it-multi": ["B"]}
    await hand_in(client, task_id, "p-d", {"answers": late}, tokens)
    await review(client, task_id, "p-a", tokens, outcome="marked", item_points={"it-short": 2})
    await review(client, task_id, "p-b", tokens, outcome="marked", item_points={"it-short": 1})
    await review(client, task_id, "p-d", tokens, outcome="marked", item_points={"it-short": 0})
    await review(client, task_id, "p-e", tokens, outcome="returned", comment="第3题再想想")
    return task_id


# --- a task's gradebook ----------------------------------------------------------------------


async def test_a_task_gradebook_counts_every_pupil_of_the_roster(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task_id = await a_marked_class(client, tokens, mongo)
    resp = await client.get(f"/v1/tasks/{task_id}/gradebook", headers=teacher(tokens))
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    book = resp.json()
    assert book["task"]["max_score"] == 10
    (klass,) = book["classes"]
    assert klass["class_name"] == "七年级1班"  # identity's name for it
    rows = {r["pupil_id"]: r for r in klass["rows"]}
    assert [r["pupil_id"] for r in klass["rows"]] == [
        "p-a", "p-b", "p-c", "p-d", "p-e", "p-f", "p-g",
    ]  # fmt: skip
    assert {p: (r["state"], r["timing"], r["score"]) for p, r in rows.items()} == {
        "p-a": ("marked", "on_time", 10),
        "p-b": ("marked", "on_time", 7),
        "p-c": ("submitted", "on_time", None),
        "p-d": ("marked", "late", 4),
        "p-e": ("returned", "on_time", None),
        "p-f": ("missing", None, None),
        "p-g": ("submitted", "on_time", None),
    }
    assert (rows["p-a"]["name"], rows["p-a"]["student_no"]) == ("赵一", "2019070101")
    assert rows["p-a"]["attempts"] == 1 and rows["p-f"]["attempts"] == 0
    assert rows["p-a"]["submitted_at"] is not None and rows["p-f"]["submitted_at"] is None
    assert rows["p-g"]["on_roster"] is False and rows["p-a"]["on_roster"] is True
    summary = klass["summary"]
    assert summary["pupils"] == 7
    assert summary["counts"] == {
        "assigned": 0, "submitted": 2, "returned": 1, "marked": 3, "missing": 1,
        "handed_in": 6, "on_time": 5, "late": 1, "scored": 3,
    }  # fmt: skip
    scores = summary["scores"]
    assert (scores["min"], scores["max"], scores["mean"], scores["median"]) == (4, 10, 7, 7)
    assert {b["label"]: b["count"] for b in scores["buckets"]} == {
        "0-59": 1, "60-69": 0, "70-79": 1, "80-89": 0, "90-100": 1,
    }  # fmt: skip
    rates = {i["id"]: (i["correct"], i["answered"], i["rate"]) for i in summary["items"]}
    assert rates == {
        "it-single": (4, 6, 0.667),  # b and d chose A
        "it-multi": (5, 6, 0.833),  # d chose B
        "it-tf": (5, 6, 0.833),  # e said false
        "it-fill": (6, 6, 1.0),
    }
    assert book["summary"]["counts"] == summary["counts"]  # one class: the same


async def test_before_the_due_time_nobody_is_missing_yet(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    task_id = await create(client, teacher(tokens))
    await hand_in(client, task_id, "p-a", {"text": "作业"}, tokens)
    book = (await client.get(f"/v1/tasks/{task_id}/gradebook", headers=teacher(tokens))).json()
    counts = book["summary"]["counts"]
    assert (counts["submitted"], counts["assigned"], counts["missing"]) == (1, 5, 0)
    assert book["summary"]["items"] == []  # no items, no rates
    await client.post(f"/v1/tasks/{task_id}/close", headers=teacher(tokens))
    closed = (await client.get(f"/v1/tasks/{task_id}/gradebook", headers=teacher(tokens))).json()
    assert closed["summary"]["counts"]["missing"] == 5


async def test_who_reads_a_task_gradebook(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    both = teacher(tokens, sub="t-both", classes=(CLASS, OTHER_CLASS))
    task_id = await create(client, both, class_ids=[CLASS, OTHER_CLASS])
    path = f"/v1/tasks/{task_id}/gradebook"

    async def classes(headers: dict[str, str], query: str = "") -> list[str]:
        resp = await client.get(path + query, headers=headers)
        assert resp.status_code == 200, resp.text
        return [k["class_id"] for k in resp.json()["classes"]]

    assert await classes(both) == [CLASS, OTHER_CLASS]
    # a teacher of one of the task's classes reads that class only
    assert await classes(teacher(tokens)) == [CLASS]
    mine_only = await client.get(path + f"?class_id={OTHER_CLASS}", headers=teacher(tokens))
    assert mine_only.status_code == 403
    not_the_tasks = await client.get(path + "?class_id=hp-sy-zx-9-9", headers=both)
    assert not_the_tasks.status_code == 422
    assert not_the_tasks.json()["errors"][0]["field"] == "query.class_id"
    school_admin = tokens.headers(tenant="heping", roles=["school_admin"], school=SCHOOL)
    assert await classes(school_admin, f"?class_id={OTHER_CLASS}") == [OTHER_CLASS]
    district_admin = tokens.headers(tenant="heping", roles=["district_admin"])
    assert await classes(district_admin) == [CLASS, OTHER_CLASS]

    # a pupil of the class sees the task, not its gradebook
    as_pupil = await client.get(path, headers=pupil(tokens, sub="p-a"))
    assert as_pupil.status_code == 403
    assert as_pupil.headers["content-type"].startswith("application/problem+json")
    # a teacher of another class, another school's administrator: no such task for them
    third = teacher(tokens, sub="t-3", classes=("hp-sy-zx-7-3",))
    assert (await client.get(path, headers=third)).status_code == 404
    other_school = tokens.headers(tenant="heping", roles=["school_admin"], school="hp-xx-1")
    assert (await client.get(path, headers=other_school)).status_code == 404
    # the same ids in another district: another database, nothing there
    hexi = teacher(tokens, sub="t-both", classes=(CLASS, OTHER_CLASS), tenant="hexi")
    assert (await client.get(path, headers=hexi)).status_code == 404
    hexi_admin = tokens.headers(tenant="hexi", roles=["district_admin"])
    assert (await client.get(path, headers=hexi_admin)).status_code == 404


async def test_a_teacher_identity_does_not_know_gets_no_roster(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    # The token claims the class, but identity lists other teachers for it (say, the
    # teacher was moved since the token was issued): identity's word decides.
    stale = teacher(tokens, sub="t-moved")
    task_id = await create(client, stale)
    resp = await client.get(f"/v1/tasks/{task_id}/gradebook", headers=stale)
    assert resp.status_code == 404


# --- files -----------------------------------------------------------------------------------


def parse_csv(resp: httpx.Response) -> list[list[str]]:
    assert resp.content.startswith(codecs.BOM_UTF8)
    text = resp.content[len(codecs.BOM_UTF8) :].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def xlsx_rows(resp: httpx.Response, sheet: str) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(resp.content), read_only=True)
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


def as_csv(value: Any) -> str:
    """What the CSV holds for an XLSX value: text guarded against formulas, numbers as text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value[:1] in ("=", "+", "-", "@") else value
    return str(value)


async def test_a_task_gradebook_as_csv_and_xlsx(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    task_id = await a_marked_class(client, tokens, mongo)
    path = f"/v1/tasks/{task_id}/gradebook"
    resp = await client.get(path + "?format=csv", headers=teacher(tokens))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert resp.headers["cache-control"] == "no-store"
    label = quote("成绩册-第八章 二元一次方程组.csv", safe="")
    assert resp.headers["content-disposition"] == (
        f"attachment; filename=\"gradebook-{task_id}.csv\"; filename*=UTF-8''{label}"
    )
    rows = parse_csv(resp)
    assert rows[0][:4] == ["班级", "学号", "姓名", "状态"]
    assert len(rows) == 1 + 7
    by_no = {r[1]: r for r in rows[1:]}
    assert by_no["2019070101"][2:9] == ["赵一", "已批改", "按时", "1", "10", "10", "100"]
    assert by_no["2019070104"][3:5] == ["已批改", "迟交"]
    assert by_no["2019070106"][2:4] == ["'" + EVIL, "缺交"]  # inert in Excel
    # p-g: the name they handed in with, flagged as no longer on the roster
    assert (by_no[""][2], by_no[""][3], by_no[""][10]) == ("王小明", "已提交", "已不在本班名册")

    xlsx = await client.get(path + "?format=xlsx", headers=teacher(tokens))
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert (
        "filename*=UTF-8''" + quote("成绩册-第八章 二元一次方程组.xlsx", safe="")
        in (xlsx.headers["content-disposition"])
    )
    assert xlsx.headers["cache-control"] == "no-store"
    sheet = xlsx_rows(xlsx, "成绩")
    assert [[as_csv(v) for v in row] for row in sheet] == rows  # the same rows
    cells = load_workbook(io.BytesIO(xlsx.content))["成绩"]["C"]
    evil = next(c for c in cells if c.value == EVIL)
    assert evil.data_type == "s"  # as it is, typed as text: never run as a formula
    summary = xlsx_rows(xlsx, "统计")
    assert summary[-1][:6] == ["全部", 7, 6, 5, 1, 1]
    items = xlsx_rows(xlsx, "逐题正确率")
    assert [row[5] for row in items[1:]] == [66.7, 83.3, 83.3, 100]

    bad = await client.get(path + "?format=pdf", headers=teacher(tokens))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.format"
    refused = await client.get(path + "?format=csv", headers=pupil(tokens, sub="p-a"))
    assert refused.status_code == 403


# --- a class's gradebook ---------------------------------------------------------------------


async def test_a_class_gradebook_across_its_tasks(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None, mongo: Mongo
) -> None:
    older = await a_marked_class(client, tokens, mongo)
    newer = await create(client, teacher(tokens), title="第九章 不等式", max_score=20)
    await hand_in(client, newer, "p-a", {"text": "作业"}, tokens)
    await review(client, newer, "p-a", tokens, outcome="marked", score=15)
    elsewhere = await create(
        client, teacher(tokens, sub="t-2", classes=(OTHER_CLASS,)), class_ids=[OTHER_CLASS]
    )

    resp = await client.get(f"/v1/classes/{CLASS}/gradebook", headers=teacher(tokens))
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    book = resp.json()
    assert book["class"]["name"] == "七年级1班"
    assert [t["id"] for t in book["tasks"]] == [newer, older]  # newest first
    assert elsewhere not in [t["id"] for t in book["tasks"]]
    assert book["truncated"] is False
    rows = {r["pupil_id"]: r for r in book["rows"]}
    a = rows["p-a"]
    assert [(c["state"], c["score"]) for c in a["cells"]] == [("marked", 15), ("marked", 10)]
    assert a["average_percent"] == 87.5 and a["missing"] == 0
    f = rows["p-f"]
    assert [c["state"] for c in f["cells"]] == ["assigned", "missing"]
    assert (f["average_percent"], f["missing"]) == (None, 1)
    assert rows["p-g"]["on_roster"] is False
    assert [(t["handed_in"], t["missing"]) for t in book["tasks"]] == [(1, 0), (6, 1)]

    limited = await client.get(f"/v1/classes/{CLASS}/gradebook?limit=1", headers=teacher(tokens))
    assert [t["id"] for t in limited.json()["tasks"]] == [newer]
    assert limited.json()["truncated"] is True
    too_many = await client.get(f"/v1/classes/{CLASS}/gradebook?limit=51", headers=teacher(tokens))
    assert too_many.status_code == 422

    as_csv_resp = await client.get(
        f"/v1/classes/{CLASS}/gradebook?format=csv", headers=teacher(tokens)
    )
    assert as_csv_resp.status_code == 200
    assert quote("成绩册-七年级1班.csv", safe="") in as_csv_resp.headers["content-disposition"]
    table = parse_csv(as_csv_resp)
    assert table[0][0:2] == ["学号", "姓名"]
    assert table[0][2].startswith("第九章 不等式（") and table[0][-2:] == [
        "平均得分率(%)",
        "缺交次数",
    ]
    by_no = {r[0]: r for r in table[1:]}
    assert by_no["2019070101"][1:] == ["赵一", "15", "10", "87.5", "0"]
    assert by_no["2019070106"][1:] == ["'" + EVIL, "未交", "缺交", "", "1"]
    as_xlsx = await client.get(
        f"/v1/classes/{CLASS}/gradebook?format=xlsx", headers=teacher(tokens)
    )
    assert [[as_csv(v) for v in row] for row in xlsx_rows(as_xlsx, "成绩册")] == table


async def test_who_reads_a_class_gradebook(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog_content: None
) -> None:
    await create(client, teacher(tokens))
    path = f"/v1/classes/{CLASS}/gradebook"
    school_admin = tokens.headers(tenant="heping", roles=["school_admin"], school=SCHOOL)
    assert len((await client.get(path, headers=school_admin)).json()["tasks"]) == 1
    district_admin = tokens.headers(tenant="heping", roles=["district_admin"])
    assert (await client.get(path, headers=district_admin)).status_code == 200

    assert (await client.get(path, headers=pupil(tokens, sub="p-a"))).status_code == 403
    other_teacher = teacher(tokens, sub="t-2", classes=(OTHER_CLASS,))
    assert (await client.get(path, headers=other_teacher)).status_code == 403
    # another school's administrator: identity knows no such class for them
    other_school = tokens.headers(tenant="heping", roles=["school_admin"], school="hp-xx-1")
    assert (await client.get(path, headers=other_school)).status_code == 404
    # the same class id in another district is another class, unknown there
    hexi = teacher(tokens, tenant="hexi")
    assert (await client.get(path, headers=hexi)).status_code == 404
    hexi_admin = tokens.headers(tenant="hexi", roles=["district_admin"])
    assert (await client.get(path, headers=hexi_admin)).status_code == 404
    unknown = await client.get("/v1/classes/hp-sy-zx-9-9/gradebook", headers=district_admin)
    assert unknown.status_code == 404


# --- identity unreachable --------------------------------------------------------------------


async def test_without_identity_no_gradebook_is_computed(
    isolated_env: dict[str, Any], tokens: TokenFactory
) -> None:
    # Nothing listens on this port: identity is down.
    settings = TasksSettings(
        **isolated_env, jwt_issuer=ISSUER, identity_url=f"http://127.0.0.1:{free_port()}"
    )
    async with running(create_app(settings), tokens) as app, client_of(app) as c:
        task_id = await create(c, teacher(tokens))  # no catalog content: no call there
        for path in (
            f"/v1/tasks/{task_id}/gradebook",
            f"/v1/tasks/{task_id}/gradebook?format=csv",
            f"/v1/classes/{CLASS}/gradebook?format=xlsx",
        ):
            resp = await c.get(path, headers=teacher(tokens))
            assert resp.status_code == 503, (path, resp.text)
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert resp.json()["type"].endswith("service-unavailable")
