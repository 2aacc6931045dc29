"""The OpenAPI document describes what the cached reads really serve.

Those routes answer with cached bytes, so FastAPI cannot infer their bodies; they name a
model from the feature's `schemas` instead. Here the document is checked to carry them (and
the 304), and real answers are held against them, undocumented fields included.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

from xbt_catalog.bank.schemas import (
    BankItem,
    ItemPage,
    KnowledgePointMatches,
    KnowledgePoints,
    KnowledgePointTree,
)
from xbt_catalog.courses.schemas import Course, CoursePage
from xbt_catalog.courses.store import CourseStore
from xbt_catalog.resources.schemas import Resource, Textbook, TextbookList, TextbookNodeView
from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.schedule.schemas import TvScheduleDays
from xbt_catalog.schedule.store import ScheduleStore
from xbt_catalog.search.schemas import ResourcePage
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ..conftest import assert_documented, pupil, resource
from .bank.test_bank import CITY_ITEMS, CITY_POINTS, HEPING_ITEMS, HEPING_POINTS
from .courses.test_courses import COURSES
from .research.test_research import _group, _plan, admin, teacher
from .schedule.test_schedule import SLOTS

# path -> the model documenting its 200
CACHED_READS: dict[str, type[BaseModel]] = {
    "/v1/textbooks": TextbookList,
    "/v1/textbooks/{textbook_id}": Textbook,
    "/v1/textbooks/nodes/{node_id}": TextbookNodeView,
    "/v1/resources": ResourcePage,
    "/v1/resources/{resource_id}": Resource,
    "/v1/courses": CoursePage,
    "/v1/courses/{course_id}": Course,
    "/v1/tv-schedule": TvScheduleDays,
    "/v1/knowledge-points": KnowledgePoints,
    "/v1/items": ItemPage,
    "/v1/items/{item_id}": BankItem,
}


async def _openapi(client: httpx.AsyncClient) -> Doc:
    resp = await client.get("/openapi.json")
    assert resp.status_code == 200
    doc: Doc = resp.json()
    return doc


async def _documented(
    client: httpx.AsyncClient, model: type[BaseModel], url: str, headers: dict[str, str], **q: Any
) -> Any:
    resp = await client.get(url, headers=headers, params=q)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_documented(model, body)
    return body


async def test_cached_reads_document_their_body_and_304(client: httpx.AsyncClient) -> None:
    doc = await _openapi(client)
    schemas = doc["components"]["schemas"]
    for path, model in CACHED_READS.items():
        answers = doc["paths"][path]["get"]["responses"]
        ref = answers["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model.__name__}", path
        assert model.__name__ in schemas
        assert "ETag" in answers["200"]["headers"]
        assert "content" not in answers["304"], path  # no body
        assert "ETag" in answers["304"]["headers"]
    ics = doc["paths"]["/v1/tv-schedule/{grade}.ics"]["get"]["responses"]
    assert ics["200"]["content"] == {"text/calendar": {"schema": {"type": "string"}}}
    assert "content" not in ics["304"]
    # Answer keys are documented, as optional and said to be for key holders only.
    item = schemas["BankItem"]
    assert {"answer", "explanation"} <= set(item["properties"])
    assert not {"answer", "explanation"} & set(item.get("required", []))
    assert "key holders" in item["description"]


async def test_no_route_documents_an_empty_json_body(client: httpx.AsyncClient) -> None:
    """A new route answering with raw bytes cannot slip in without a documented model."""
    doc = await _openapi(client)
    empty = [
        f"{method.upper()} {path} {status}"
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status, answer in op["responses"].items()
        for content in (answer.get("content") or {}).values()
        if not content.get("schema")
    ]
    assert empty == []


async def test_textbooks_and_resources_are_served_as_documented(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    me = pupil(tokens)
    listed = await _documented(client, TextbookList, "/v1/textbooks", me)
    assert [t["id"] for t in listed] == ["tb-math-g7-2"]
    await _documented(client, Textbook, "/v1/textbooks/tb-math-g7-2", me)
    for node in ("tb-math-g7-2", "tb-math-g7-2.u8", "tb-math-g7-2.u8.l2"):
        await _documented(client, TextbookNodeView, f"/v1/textbooks/nodes/{node}", me)
    page = await _documented(client, ResourcePage, "/v1/resources", me, size=50)
    # enrichment (category, no stage), district and school content among them
    assert {"r-city-4", "r-hp-1", "r-hp-school"} <= {i["id"] for i in page["items"]}
    await _documented(client, ResourcePage, "/v1/resources", me, q="二元一次方程")
    for rid in ("r-city-1", "r-city-4", "r-hp-school"):
        await _documented(client, Resource, f"/v1/resources/{rid}", me)
    guest = tokens.headers(tenant="heping", roles=["guest"])
    await _documented(client, ResourcePage, "/v1/resources", guest)


async def test_resources_made_through_the_api_are_served_as_documented(
    client: httpx.AsyncClient, tokens: TokenFactory, corpus: list[Doc]
) -> None:
    author = teacher(tokens, "t1")
    made = await client.post(
        "/v1/resources",
        headers=author,
        json={
            "title": "二元一次方程组 练习",
            "kind": "exercise",
            "subject": "数学",
            "grades": [7],
            "media": {"url": "https://media.example/x.pdf", "format": "pdf"},
            "teacher": {"name": "王老师"},
            "level": "district",
        },
    )
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    for action in ("submit", "publish"):
        moved = await client.post(f"/v1/resources/{rid}/{action}", headers=admin(tokens))
        assert moved.status_code == 200, moved.text
    await _documented(client, Resource, f"/v1/resources/{rid}", pupil(tokens))
    # A lesson plan published as a teaching package carries its content and plan link.
    group = (await _group(client, admin(tokens), ["t1"]))["id"]
    plan = (await _plan(client, author, group))["id"]
    package = await client.post(
        f"/v1/lesson-plans/{plan}/publish-as-resource",
        headers=author,
        json={"description": "示范教学包"},
    )
    assert package.status_code == 201, package.text
    rid = package.json()["resource"]["id"]  # in review already
    moved = await client.post(f"/v1/resources/{rid}/publish", headers=admin(tokens))
    assert moved.status_code == 200, moved.text
    body = await _documented(client, Resource, f"/v1/resources/{rid}", pupil(tokens))
    assert body["content"]["format"] == "markdown" and body["lesson_plan"]["id"] == plan


async def test_courses_and_the_schedule_are_served_as_documented(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    for tenant in ("city", "heping"):
        tdb = catalog.mongo.for_tenant(Tenant(tenant))
        await CourseStore(tdb).insert_courses(
            [dict(c) for c in COURSES if c["provider"]["tenant"] == tenant]
        )
    city = catalog.mongo.for_tenant(Tenant("city"))
    await ScheduleStore(city).insert_slots([dict(s) for s in SLOTS])
    await ResourceStore(city).insert_resources(
        [resource("res-tv-public", "二次函数综合（电视课堂回放）", guest_visible=True)]
    )
    me = pupil(tokens)
    page = await _documented(client, CoursePage, "/v1/courses", me)
    assert page["total"] >= 3
    for course in page["items"]:
        await _documented(client, Course, f"/v1/courses/{course['id']}", me)
    days = await _documented(client, TvScheduleDays, "/v1/tv-schedule", me, date="2020-02-17")
    assert days["slots"] and days["slots"][1]["replay_title"] is not None
    await _documented(
        client,
        TvScheduleDays,
        "/v1/tv-schedule",
        me,
        **{"from": "2020-02-17", "to": "2020-03-17", "grade": 9},
    )


async def test_the_question_bank_is_served_as_documented_to_each_audience(
    client: httpx.AsyncClient, tokens: TokenFactory, catalog: Resources
) -> None:
    for tenant, points, items in (
        ("city", CITY_POINTS, CITY_ITEMS),
        ("heping", HEPING_POINTS, HEPING_ITEMS),
    ):
        tdb = catalog.mongo.for_tenant(Tenant(tenant))
        await tdb["knowledge_points"].insert_many([dict(p) for p in points])
        await tdb["items"].insert_many([dict(i) for i in items])
    key_holder = tokens.headers(tenant="heping", roles=["teacher"], school="hp-sy-zx")
    tree = await _documented(
        client,
        KnowledgePointTree,
        "/v1/knowledge-points",
        pupil(tokens),
        subject="数学",
        stage="初中",
    )
    assert tree["tree"]
    found = await _documented(
        client, KnowledgePointMatches, "/v1/knowledge-points", pupil(tokens), q="方程"
    )
    assert found["items"]
    for headers, keys in ((pupil(tokens), False), (key_holder, True)):
        page = await _documented(
            client, ItemPage, "/v1/items", headers, knowledge_point="kp-alg", size=50
        )
        assert {i["type"] for i in page["items"]} == {"single", "multiple", "fill", "true_false"}
        for item_id in [*(i["id"] for i in page["items"]), "item-6"]:  # item-6: a short answer
            one = await _documented(client, BankItem, f"/v1/items/{item_id}", headers)
            assert ("answer" in one) is keys and ("explanation" in one) is keys
