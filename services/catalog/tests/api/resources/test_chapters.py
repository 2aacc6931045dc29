"""From a node to its chapter: `GET /textbooks/nodes/{id}`, resources and items showing
their chapters, and resources found by a chapter with the nodes below it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import TEXTBOOK, pupil, resource

HP_BOOK: Doc = {
    **TEXTBOOK,
    "_id": "tb-hp-local",
    "title": "和平区 乡土教材",
    "grade": 8,
    "volume": "上册",
    "provider": {"level": "district", "tenant": "heping", "school_id": None, "name": "和平区"},
    "guest_visible": False,
    "tree": [
        {
            "id": "tb-hp-local.u1",
            "title": "第一单元 五大道",
            "kind": "unit",
            "children": [{"id": "tb-hp-local.u1.l1", "title": "1 小洋楼", "kind": "lesson"}],
        }
    ],
}
LESSON_1, LESSON_2, UNIT = "tb-math-g7-2.u8.l1", "tb-math-g7-2.u8.l2", "tb-math-g7-2.u8"

DOCS: list[Doc] = [
    resource("r-l1", "8.1 二元一次方程组 课堂实录", textbook_node_ids=[LESSON_1], days=1),
    resource("r-l2", "8.2 消元 课件", kind="courseware", textbook_node_ids=[LESSON_2], days=2),
    resource("r-unit", "第八章 单元测试", kind="exercise", textbook_node_ids=[UNIT], days=3),
    resource("r-none", "光的反射", subject="物理", days=4),
    resource(
        "r-hp-local",
        "小洋楼里的故事",
        level="district",
        tenant="heping",
        textbook_node_ids=["tb-hp-local.u1.l1", LESSON_1],
        days=5,
    ),
]


@pytest.fixture
async def books(catalog: Resources) -> None:
    city = ResourceStore(catalog.mongo.for_tenant(Tenant("city")))
    heping = ResourceStore(catalog.mongo.for_tenant(Tenant("heping")))
    await city.insert_textbooks([dict(TEXTBOOK)])
    await heping.insert_textbooks([dict(HP_BOOK)])
    await city.insert_resources([dict(d) for d in DOCS if d["provider"]["tenant"] == "city"])
    await heping.insert_resources([dict(d) for d in DOCS if d["provider"]["tenant"] == "heping"])
    await catalog.index.build()  # type: ignore[attr-defined]


async def _node(client: httpx.AsyncClient, headers: dict[str, str], node_id: str) -> Doc:
    resp = await client.get(f"/v1/textbooks/nodes/{node_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    body: Doc = resp.json()
    return body


async def _search(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Doc:
    resp = await client.get("/v1/resources", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    body: Doc = resp.json()
    return body


async def test_a_lesson_node_answers_its_path_and_book(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    lesson = await _node(client, pupil(tokens), LESSON_2)
    assert lesson["kind"] == "lesson" and lesson["title"] == "8.2 消元——解二元一次方程组"
    assert lesson["textbook_id"] == "tb-math-g7-2" and lesson["parent_id"] == UNIT
    assert lesson["textbook"]["title"] == "人教版 七年级下册 数学"
    assert "tree" not in lesson["textbook"]
    assert [(s["kind"], s["id"], s["title"]) for s in lesson["path"]] == [
        ("stage", "初中", "初中"),
        ("grade", "7", "七年级"),
        ("subject", "数学", "数学"),
        ("volume", "下册", "下册"),
        ("textbook", "tb-math-g7-2", "人教版 七年级下册 数学"),
        ("unit", UNIT, "第八章 二元一次方程组"),
        ("lesson", LESSON_2, "8.2 消元——解二元一次方程组"),
    ]
    assert lesson["children"] == []
    unit = await _node(client, pupil(tokens), UNIT)
    assert unit["kind"] == "unit" and unit["parent_id"] == "tb-math-g7-2"
    assert [c["id"] for c in unit["children"]] == [LESSON_1, LESSON_2]
    book = await _node(client, pupil(tokens), "tb-math-g7-2")
    assert book["kind"] == "textbook" and book["parent_id"] is None
    assert [s["kind"] for s in book["path"]][-1] == "textbook"
    assert [c["id"] for c in book["children"]] == [UNIT]


async def test_an_unknown_node_is_a_404_problem(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    for node_id in ("tb-math-g7-2.u9", "nothing", "tb-math-g7-2.u8.l1.x"):
        resp = await client.get(f"/v1/textbooks/nodes/{node_id}", headers=pupil(tokens))
        assert resp.status_code == 404, node_id
        assert resp.headers["content-type"].startswith("application/problem+json")


async def test_a_districts_textbook_nodes_are_not_seen_in_another_district(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    heping = await _node(client, pupil(tokens), "tb-hp-local.u1.l1")
    assert heping["textbook_id"] == "tb-hp-local"
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    for node_id in ("tb-hp-local", "tb-hp-local.u1", "tb-hp-local.u1.l1"):
        resp = await client.get(f"/v1/textbooks/nodes/{node_id}", headers=hexi)
        assert resp.status_code == 404, node_id
    # The city's textbook is everyone's.
    assert (await _node(client, hexi, LESSON_1))["textbook_id"] == "tb-math-g7-2"
    # A guest sees guest-marked textbooks only.
    guest = tokens.headers(tenant="heping", roles=["guest"])
    assert (await _node(client, guest, LESSON_1))["id"] == LESSON_1
    resp = await client.get("/v1/textbooks/nodes/tb-hp-local.u1", headers=guest)
    assert resp.status_code == 404


async def test_resources_carry_their_chapters_in_lists_and_details(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    found = await _search(client, pupil(tokens), q="消元")
    (summary,) = found["items"]
    assert summary["chapters"] == [
        {
            "node_id": LESSON_2,
            "textbook": {"id": "tb-math-g7-2", "title": "人教版 七年级下册 数学"},
            "unit": {"id": UNIT, "title": "第八章 二元一次方程组"},
            "lesson": {"id": LESSON_2, "title": "8.2 消元——解二元一次方程组"},
        }
    ]
    detail = (await client.get("/v1/resources/r-l2", headers=pupil(tokens))).json()
    assert detail["chapters"] == summary["chapters"]
    unit_test = (await client.get("/v1/resources/r-unit", headers=pupil(tokens))).json()
    assert unit_test["chapters"][0]["unit"]["id"] == UNIT
    assert unit_test["chapters"][0]["lesson"] is None
    none = (await client.get("/v1/resources/r-none", headers=pupil(tokens))).json()
    assert none["chapters"] == []
    # A district's resource names its district's textbook and the city's.
    local = (await client.get("/v1/resources/r-hp-local", headers=pupil(tokens))).json()
    assert [c["textbook"]["id"] for c in local["chapters"]] == ["tb-hp-local", "tb-math-g7-2"]


async def test_a_chapter_filter_finds_the_resources_of_the_nodes_below(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    me = pupil(tokens)

    async def ids(**params: Any) -> set[str]:
        return {i["id"] for i in (await _search(client, me, size=50, **params))["items"]}

    assert await ids(node=UNIT) == {"r-l1", "r-l2", "r-unit", "r-hp-local"}
    assert await ids(node="tb-math-g7-2") == {"r-l1", "r-l2", "r-unit", "r-hp-local"}
    assert await ids(node=LESSON_2) == {"r-l2"}
    assert await ids(node=[LESSON_1, LESSON_2]) == {"r-l1", "r-l2", "r-hp-local"}
    assert await ids(node=UNIT, kind="courseware") == {"r-l2"}
    assert await ids(node=UNIT, q="二元一次方程组") == {"r-l1"}
    assert await ids(node="tb-hp-local.u1") == {"r-hp-local"}
    assert await ids(node="tb-nothing") == set()
    page = await _search(client, me, node=UNIT)
    assert page["total"] == 4 and page["facets"]["kind"]["recording"] == 2


async def test_a_chapter_filter_never_reaches_another_district(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert (await _search(client, hexi, node="tb-hp-local.u1"))["items"] == []
    found = await _search(client, hexi, node=UNIT, size=50)
    assert {i["id"] for i in found["items"]} == {"r-l1", "r-l2", "r-unit"}


async def test_bad_chapter_filters_are_422(
    client: httpx.AsyncClient, tokens: TokenFactory, books: None
) -> None:
    for params in ({"node": ""}, {"node": "x" * 121}, {"node": [f"n{i}" for i in range(21)]}):
        resp = await client.get("/v1/resources", headers=pupil(tokens), params=params)
        assert resp.status_code == 422, params
        assert resp.headers["content-type"].startswith("application/problem+json")


async def test_nodes_resolve_in_the_owners_textbooks_and_the_citys_only(
    catalog: Resources, books: None
) -> None:
    """City content never resolves a district's node, nor a district's another's."""
    assert catalog.chapters.find("city", "tb-hp-local.u1.l1") is None
    assert catalog.chapters.find("heping", "tb-hp-local.u1.l1") is not None
    assert catalog.chapters.ancestors("hexi", ["tb-hp-local.u1.l1"]) == ("tb-hp-local.u1.l1",)
    assert catalog.chapters.of("hexi", ["tb-hp-local.u1.l1"]) == []
