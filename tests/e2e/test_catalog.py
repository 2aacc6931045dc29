"""The catalog through the gateway, on the demo data, signed in as the demo accounts."""

from __future__ import annotations

import httpx

from ..conftest import Suite, bearer, login


async def test_pupil_searches_in_chinese_and_narrows(gw: httpx.AsyncClient) -> None:
    pupil = await login(gw, "heping", "student1")
    resp = await gw.get(
        "/api/catalog/v1/resources", headers=bearer(pupil), params={"q": "二元一次方程"}
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] > 0 and not body["relaxed"]
    assert "二元一次方程" in body["items"][0]["title"]
    kinds = body["facets"]["kind"]
    narrowed = await gw.get(
        "/api/catalog/v1/resources",
        headers=bearer(pupil),
        params={"q": "二元一次方程", "kind": "recording"},
    )
    assert narrowed.json()["total"] == kinds["recording"]
    assert {i["kind"] for i in narrowed.json()["items"]} == {"recording"}


async def test_a_district_sees_its_own_content_not_the_neighbours(gw: httpx.AsyncClient) -> None:
    heping = await login(gw, "heping", "student1")
    hexi = await login(gw, "hexi", "student1")
    mine = await gw.get(
        "/api/catalog/v1/resources",
        headers=bearer(heping),
        params={"provider": "district", "size": 50},
    )
    theirs = await gw.get(
        "/api/catalog/v1/resources",
        headers=bearer(hexi),
        params={"provider": "district", "size": 50},
    )
    heping_ids = {i["id"] for i in mine.json()["items"]}
    hexi_ids = {i["id"] for i in theirs.json()["items"]}
    assert heping_ids and hexi_ids and not heping_ids & hexi_ids
    assert {i["owner"] for i in mine.json()["items"]} == {"heping"}
    one_of_hexi = next(iter(hexi_ids))
    denied = await gw.get(f"/api/catalog/v1/resources/{one_of_hexi}", headers=bearer(heping))
    assert denied.status_code == 404


async def test_textbook_tree_revalidates_with_304(gw: httpx.AsyncClient) -> None:
    pupil = await login(gw, "heping", "student1")
    books = await gw.get(
        "/api/catalog/v1/textbooks",
        headers=bearer(pupil),
        params={"grade": 7, "subject": "数学", "volume": "下册"},
    )
    assert books.status_code == 200
    book_id = books.json()[0]["id"]
    first = await gw.get(f"/api/catalog/v1/textbooks/{book_id}", headers=bearer(pupil))
    titles = [u["title"] for u in first.json()["tree"]]
    assert any("二元一次方程组" in t for t in titles)
    again = await gw.get(
        f"/api/catalog/v1/textbooks/{book_id}",
        headers={**bearer(pupil), "If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304


async def test_pupils_never_get_answer_keys(gw: httpx.AsyncClient) -> None:
    teacher = await login(gw, "heping", "teacher1")
    pupil = await login(gw, "heping", "student1")
    tree = await gw.get(
        "/api/catalog/v1/knowledge-points",
        headers=bearer(pupil),
        params={"subject": "数学", "stage": "初中"},
    )
    assert tree.status_code == 200, tree.text
    root = tree.json()["tree"][0]  # 数与代数, with its descendants
    params = {"knowledge_point": root["id"], "size": 5}
    with_keys = await gw.get("/api/catalog/v1/items", headers=bearer(teacher), params=params)
    assert with_keys.status_code == 200, with_keys.text
    assert "answer" in with_keys.json()["items"][0]
    without = await gw.get("/api/catalog/v1/items", headers=bearer(pupil), params=params)
    assert without.status_code == 200
    assert "answer" not in without.text and "explanation" not in without.text


async def _edge_hits(suite: Suite) -> float:
    async with httpx.AsyncClient() as scraper:
        metrics = await scraper.get(suite.metrics)
    assert metrics.status_code == 200, metrics.text
    prefix = 'xbt_gateway_edge_cache_total{outcome="hit",service="catalog"}'
    for line in metrics.text.splitlines():
        if line.startswith(prefix):
            return float(line.split()[-1])
    return 0.0


async def test_gateway_answers_repeats_and_forgets_them_on_withdrawal(
    gw: httpx.AsyncClient, suite: Suite
) -> None:
    pupil = await login(gw, "heping", "student1")
    admin = await login(gw, "heping", "districtadmin1")
    listed = await gw.get(
        "/api/catalog/v1/resources",
        headers=bearer(pupil),
        params={"provider": "district", "size": 5},
    )
    resource_id = listed.json()["items"][0]["id"]
    path = f"/api/catalog/v1/resources/{resource_id}"
    hits_before = await _edge_hits(suite)
    # The copy is written just after the first answer has gone: the next read or two may
    # still reach the catalog; after that the gateway answers.
    reads = [await gw.get(path, headers=bearer(pupil)) for _ in range(5)]
    assert {r.status_code for r in reads} == {200}
    assert reads[0].content == reads[4].content
    assert "x-xbt-edge-cache" not in reads[4].headers
    assert await _edge_hits(suite) >= hits_before + 2

    withdrawn = await gw.post(f"{path}/withdraw", headers=bearer(admin))
    assert withdrawn.status_code == 200, withdrawn.text
    # the very next read misses the gateway's copy: the district's version moved on
    assert (await gw.get(path, headers=bearer(pupil))).status_code == 404
