"""Knowledge points found by name (`GET /knowledge-points?q=`), and items showing their
textbook chapters."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_catalog.resources.service import Resources
from xbt_shared.testing import TokenFactory

from ...conftest import pupil
from .test_bank import TB, guest
from .test_bank import bank as bank  # the fixture


async def _find(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    resp = await client.get("/v1/knowledge-points", headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_points_are_found_by_a_part_of_their_name_with_their_paths(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    body = await _find(client, pupil(tokens), q="一次方程")
    assert body["q"] == "一次方程" and body["total"] == 2
    lin, sys = body["items"]
    assert (lin["id"], lin["name"]) == ("kp-lin", "一元一次方程")
    assert lin["path"] == [
        {"id": "kp-alg", "name": "数与代数"},
        {"id": "kp-eq", "name": "方程与不等式"},
    ]
    assert lin["path_text"] == "数与代数 › 方程与不等式 › 一元一次方程"
    assert (lin["subject"], lin["stage"], lin["depth"], lin["owner"]) == ("数学", "初中", 2, "city")
    assert sys["id"] == "kp-sys"


async def test_a_name_also_finds_the_points_under_it(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    body = await _find(client, pupil(tokens), q="方程与不等式")
    ids = [i["id"] for i in body["items"]]
    # The point named so first, then those below it (the district's own among them).
    assert ids == ["kp-eq", "kp-lin", "kp-sys", "kp-hp-apply"]
    # Across subjects and stages unless narrowed; full-width and spaces do not matter.
    assert [i["id"] for i in (await _find(client, pupil(tokens), q="声 现象"))["items"]] == [
        "kp-phy"
    ]
    narrowed = await _find(client, pupil(tokens), q="数", subject="数学", stage="小学")
    assert [i["id"] for i in narrowed["items"]] == ["kp-xx"]
    paged = await _find(client, pupil(tokens), q="方程", size=2, page=2)
    assert paged["total"] == 4 and len(paged["items"]) == 2
    assert (await _find(client, pupil(tokens), q="炼金术"))["items"] == []
    assert (await _find(client, guest(tokens), q="函数"))["items"][0]["id"] == "kp-fn"


async def test_a_districts_points_are_found_in_that_district_only(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = await _find(client, pupil(tokens), q="专题")
    assert [i["id"] for i in heping["items"]] == ["kp-hp-apply"]
    assert heping["items"][0]["owner"] == "heping"
    hexi = await _find(client, pupil(tokens, tenant="hexi", school="hx-zx-1"), q="专题")
    assert [i["id"] for i in hexi["items"]] == ["kp-hx-extra"]
    city = await _find(client, tokens.headers(tenant="city", roles=["researcher"]), q="专题")
    assert city["items"] == []


async def test_bad_name_queries_are_422(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    for params, field in (
        ({"q": "x" * 51}, "query.q"),
        ({"q": "方程", "size": 51}, "query.size"),
        ({"q": "方程", "subject": "炼金术"}, "query.subject"),
        ({"q": "  "}, "query.subject"),  # blank: the tree, which needs a subject
    ):
        resp = await client.get("/v1/knowledge-points", headers=pupil(tokens), params=params)
        assert resp.status_code == 422, params
        assert resp.json()["errors"][0]["field"] == field, params


async def test_items_carry_the_chapters_of_their_nodes(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, catalog: Resources
) -> None:
    await catalog.chapters.load()  # the bank's textbook was stored after the app started
    page = (await client.get("/v1/items", headers=pupil(tokens), params={"textbook": TB})).json()
    by_id = {i["id"]: i for i in page["items"]}
    assert by_id["item-1"]["chapters"] == [
        {
            "node_id": f"{TB}.u1.l1",
            "textbook": {"id": TB, "title": "人教版 七年级上册 数学（题库测试）"},
            "unit": {"id": f"{TB}.u1", "title": "第1章"},
            "lesson": {"id": f"{TB}.u1.l1", "title": "1.1"},
        }
    ]
    assert by_id["item-5"]["chapters"][0]["lesson"] is None  # on a unit
    one = (await client.get("/v1/items/item-2", headers=pupil(tokens))).json()
    assert one["chapters"][0]["lesson"]["id"] == f"{TB}.u1.l2"
