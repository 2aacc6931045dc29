"""The question bank: knowledge-point trees, selecting items, answer keys, practice marking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from xbt_catalog.resources.service import Resources
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory

from ...conftest import BASE, pupil

TB = "tb-bank-g7"
CITY = {"level": "city", "tenant": "city", "school_id": None, "name": "天津市教委"}
HEPING = {"level": "district", "tenant": "heping", "school_id": None, "name": "和平区"}
HEPING_SCHOOL = {"level": "school", "tenant": "heping", "school_id": "hp-sy-zx", "name": "实验中学"}
HEXI = {"level": "district", "tenant": "hexi", "school_id": None, "name": "河西区"}


def point(kid: str, name: str, parent: str | None, path: list[str], **over: Any) -> Doc:
    return {
        "_id": kid,
        "subject": over.pop("subject", "数学"),
        "stage": over.pop("stage", "初中"),
        "parent_id": parent,
        "name": name,
        "path": path,
        "depth": len(path),
        **over,
    }


CITY_POINTS = [
    point("kp-alg", "数与代数", None, []),
    point("kp-eq", "方程与不等式", "kp-alg", ["kp-alg"]),
    point("kp-lin", "一元一次方程", "kp-eq", ["kp-alg", "kp-eq"]),
    point("kp-sys", "二元一次方程组", "kp-eq", ["kp-alg", "kp-eq"]),
    point("kp-fn", "函数", "kp-alg", ["kp-alg"]),
    point("kp-geo", "图形与几何", None, []),
    point("kp-phy", "声现象", None, [], subject="物理"),
    point("kp-xx", "数的认识", None, [], stage="小学"),
]
HEPING_POINTS = [point("kp-hp-apply", "和平区 方程应用专题", "kp-eq", ["kp-alg", "kp-eq"])]
HEXI_POINTS = [point("kp-hx-extra", "河西区 专题", "kp-eq", ["kp-alg", "kp-eq"])]

OPTIONS = [{"key": k, "text": t} for k, t in zip("ABCD", ["1", "2", "3", "4"], strict=True)]


def item(iid: str, kind: str, **over: Any) -> Doc:
    return {
        "_id": iid,
        "type": kind,
        "stem": over.pop("stem", f"第 {iid} 题"),
        "options": over.pop("options", OPTIONS if kind in ("single", "multiple") else []),
        "answer": over.pop("answer"),
        "explanation": over.pop("explanation", f"{iid} 的解析"),
        "difficulty": over.pop("difficulty", 2),
        "knowledge_point_ids": over.pop("kps", []),
        "textbook_node_ids": over.pop("nodes", []),
        "subject": "数学",
        "stage": "初中",
        "grades": [7],
        "provider": over.pop("provider", CITY),
        "status": over.pop("status", "published"),
        "created_at": BASE,
        "updated_at": BASE,
        **over,
    }


CITY_ITEMS = [
    item(
        "item-1",
        "single",
        answer="B",
        difficulty=1,
        kps=["kp-lin"],
        nodes=[f"{TB}.u1.l1"],
        guest_visible=True,
    ),
    item("item-2", "multiple", answer=["A", "C"], kps=["kp-sys"], nodes=[f"{TB}.u1.l2"]),
    item("item-3", "true_false", answer=False, difficulty=3, kps=["kp-eq"], nodes=[f"{TB}.u2.l1"]),
    item(
        "item-4",
        "fill",
        answer=[["2", "x=2"], ["-1", "y=-1"]],
        difficulty=3,
        kps=["kp-sys"],
        nodes=[f"{TB}.u2.l2"],
    ),
    item("item-5", "fill", answer=["12", "十二"], difficulty=1, kps=["kp-fn"], nodes=[f"{TB}.u1"]),
    item("item-6", "short", answer="两点之间，线段最短。", difficulty=4, kps=["kp-geo"]),
    item("item-draft", "single", answer="A", kps=["kp-lin"], status="draft"),
]
HEPING_ITEMS = [
    item(
        "item-hp-1",
        "single",
        answer="C",
        kps=["kp-hp-apply"],
        nodes=[f"{TB}.u1.l1"],
        provider=HEPING,
    ),
    item("item-hp-school", "true_false", answer=True, kps=["kp-lin"], provider=HEPING_SCHOOL),
]
HEXI_ITEMS = [
    item("item-hx-1", "single", answer="D", kps=["kp-lin"], nodes=[f"{TB}.u1.l1"], provider=HEXI)
]

TEXTBOOK: Doc = {
    "_id": TB,
    "edition": "人教版",
    "stage": "初中",
    "grade": 7,
    "subject": "数学",
    "volume": "上册",
    "title": "人教版 七年级上册 数学（题库测试）",
    "tree": [
        {
            "id": f"{TB}.u{u}",
            "title": f"第{u}章",
            "kind": "unit",
            "children": [
                {"id": f"{TB}.u{u}.l{n}", "title": f"{u}.{n}", "kind": "lesson"} for n in (1, 2)
            ],
        }
        for u in (1, 2)
    ],
    "provider": CITY,
    "status": "published",
    "guest_visible": True,
    "published_at": BASE,
    "created_at": BASE,
    "updated_at": BASE,
}


@pytest.fixture
async def bank(catalog: Resources) -> None:
    data = {
        "city": (CITY_POINTS, CITY_ITEMS),
        "heping": (HEPING_POINTS, HEPING_ITEMS),
        "hexi": (HEXI_POINTS, HEXI_ITEMS),
    }
    for tenant, (points, items) in data.items():
        tdb = catalog.mongo.for_tenant(Tenant(tenant))
        await tdb["knowledge_points"].insert_many([dict(p) for p in points])
        await tdb["items"].insert_many([dict(i) for i in items])
    await catalog.mongo.for_tenant(Tenant("city"))["textbooks"].insert_one(dict(TEXTBOOK))


def teacher(tokens: TokenFactory, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=["teacher"], school="hp-sy-zx")


def guest(tokens: TokenFactory) -> dict[str, str]:
    return tokens.headers(tenant="heping", roles=["guest"])


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> Any:
    resp = await client.get(url, headers=headers, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    body = await _get(client, "/v1/items", headers, **params)
    return [i["id"] for i in body["items"]]


def _names(nodes: list[Doc]) -> list[str]:
    return [n["id"] for n in nodes]


def _field(resp: httpx.Response) -> str:
    assert resp.status_code == 422, resp.text
    field: str = resp.json()["errors"][0]["field"]
    return field


# --- knowledge points ----------------------------------------------------------------------------


async def test_knowledge_point_tree_for_a_subject_and_stage(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)
    body = await _get(client, "/v1/knowledge-points", heping, subject="数学", stage="初中")
    assert (body["subject"], body["stage"]) == ("数学", "初中")
    tree = body["tree"]
    assert _names(tree) == ["kp-alg", "kp-geo"]  # not 物理, not 小学
    alg = tree[0]
    assert _names(alg["children"]) == ["kp-eq", "kp-fn"]
    eq = alg["children"][0]
    assert eq["name"] == "方程与不等式" and eq["depth"] == 1 and eq["parent_id"] == "kp-alg"
    # The district's own point hangs under the city's; another district's does not show.
    assert _names(eq["children"]) == ["kp-lin", "kp-sys", "kp-hp-apply"]
    assert eq["children"][2]["owner"] == "heping"
    assert eq["children"][0]["children"] == []
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    hexi_tree = (await _get(client, "/v1/knowledge-points", hexi, subject="数学", stage="初中"))[
        "tree"
    ]
    assert _names(hexi_tree[0]["children"][0]["children"]) == ["kp-lin", "kp-sys", "kp-hx-extra"]
    # Guests see the taxonomy too.
    guest_tree = await _get(
        client, "/v1/knowledge-points", guest(tokens), subject="数学", stage="初中"
    )
    assert _names(guest_tree["tree"]) == ["kp-alg", "kp-geo"]
    empty = await _get(client, "/v1/knowledge-points", heping, subject="化学", stage="高中")
    assert empty["tree"] == []


async def test_knowledge_points_are_cached_with_etags_and_check_their_input(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)
    params = {"subject": "数学", "stage": "初中"}
    first = await client.get("/v1/knowledge-points", headers=heping, params=params)
    etag = first.headers["etag"]
    assert "max-age" in first.headers["cache-control"]
    again = await client.get(
        "/v1/knowledge-points", headers={**heping, "If-None-Match": etag}, params=params
    )
    assert again.status_code == 304
    bad_subject = await client.get(
        "/v1/knowledge-points", headers=heping, params={"subject": "炼金术", "stage": "初中"}
    )
    assert _field(bad_subject) == "query.subject"
    bad_stage = await client.get(
        "/v1/knowledge-points", headers=heping, params={"subject": "数学", "stage": "大学"}
    )
    assert _field(bad_stage) == "query.stage"
    missing = await client.get("/v1/knowledge-points", headers=heping, params={"subject": "数学"})
    assert _field(missing) == "query.stage"
    assert (await client.get("/v1/knowledge-points", params=params)).status_code == 401


async def test_indexes_for_in_selections_exist(catalog: Resources) -> None:
    items = catalog.mongo.for_tenant(Tenant("heping"))["items"]
    keys = [list(ix["key"]) async for ix in await items.list_indexes()]
    assert ["knowledge_point_ids"] in keys and ["textbook_node_ids"] in keys


# --- selecting items -----------------------------------------------------------------------------


async def test_items_by_knowledge_point_include_its_descendants(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)
    # Easiest first, then by id; city, district and own-school items merged.
    assert await _ids(client, heping, knowledge_point="kp-eq") == [
        "item-1",
        "item-2",
        "item-hp-1",
        "item-hp-school",
        "item-3",
        "item-4",
    ]
    assert await _ids(client, heping, knowledge_point="kp-eq", include_descendants=False) == [
        "item-3"
    ]
    assert set(await _ids(client, heping, knowledge_point="kp-alg")) == {
        "item-2",
        "item-3",
        "item-4",
        "item-5",
        "item-hp-1",
        "item-hp-school",
        "item-1",
    }
    assert await _ids(client, heping, knowledge_point="kp-sys", type="fill") == ["item-4"]
    assert await _ids(client, heping, knowledge_point="kp-alg", type=["fill", "true_false"]) == [
        "item-5",
        "item-hp-school",
        "item-3",
        "item-4",
    ]
    assert await _ids(client, heping, knowledge_point="kp-alg", difficulty=[1, 3]) == [
        "item-1",
        "item-5",
        "item-3",
        "item-4",
    ]
    # Another school of the district does not see the school's item.
    other_school = pupil(tokens, school="hp-xx-1")
    assert "item-hp-school" not in await _ids(client, other_school, knowledge_point="kp-eq")


async def test_items_are_paged_across_the_city_and_the_district(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)
    seen: list[str] = []
    for page in (1, 2, 3, 4):
        body = await _get(client, "/v1/items", heping, knowledge_point="kp-alg", size=2, page=page)
        assert body["total"] == 7 and body["page"] == page and body["size"] == 2
        seen.extend(i["id"] for i in body["items"])
    everything = await _ids(client, heping, knowledge_point="kp-alg", size=50)
    assert seen == everything and len(seen) == 7


async def test_items_by_textbook_progress_exclude_later_lessons(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)
    up_to_l2 = await _ids(client, heping, textbook=TB, up_to=f"{TB}.u1.l2")
    # u1.l1, u1.l2 and the unit itself; not u2's lessons.
    assert set(up_to_l2) == {"item-1", "item-2", "item-5", "item-hp-1"}
    assert set(await _ids(client, heping, textbook=TB, up_to=f"{TB}.u1.l1")) == {
        "item-1",
        "item-5",
        "item-hp-1",
    }
    assert set(await _ids(client, heping, textbook=TB, up_to=f"{TB}.u1")) == set(up_to_l2)
    assert set(await _ids(client, heping, textbook=TB, up_to=f"{TB}.u2.l1")) == {
        *up_to_l2,
        "item-3",
    }
    assert len(await _ids(client, heping, textbook=TB)) == 6  # the whole book
    # Both selections at once: this knowledge point, as far as the class has got.
    assert await _ids(
        client, heping, textbook=TB, up_to=f"{TB}.u1.l2", knowledge_point="kp-sys"
    ) == ["item-2"]
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert set(await _ids(client, hexi, textbook=TB, up_to=f"{TB}.u1.l1")) == {
        "item-1",
        "item-5",
        "item-hx-1",
    }


async def test_bad_selections_name_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    heping = pupil(tokens)

    async def get(**params: Any) -> httpx.Response:
        return await client.get("/v1/items", headers=heping, params=params)

    assert _field(await get(textbook=TB, up_to="tb-bank-g7.u9.l9")) == "query.up_to"
    assert _field(await get(textbook="tb-nope", up_to="x")) == "query.textbook"
    assert _field(await get(up_to=f"{TB}.u1.l1")) == "query.textbook"
    assert _field(await get(knowledge_point="kp-nope")) == "query.knowledge_point"
    assert _field(await get(knowledge_point="kp-hx-extra")) == "query.knowledge_point"  # hexi's
    assert _field(await get()) == "query.knowledge_point"
    assert _field(await get(knowledge_point="kp-eq", size=51)) == "query.size"
    assert _field(await get(knowledge_point="kp-eq", size=0)) == "query.size"
    assert _field(await get(knowledge_point="kp-eq", page=0)) == "query.page"
    assert _field(await get(knowledge_point="kp-eq", page=201)) == "query.page"
    assert _field(await get(knowledge_point="kp-eq", type="essay")) == "query.type.0"
    assert _field(await get(knowledge_point="kp-eq", difficulty=6)) == "query.difficulty.0"
    assert (await get(knowledge_point="kp-eq", size=50)).status_code == 200
    assert (await client.get("/v1/items/item-nope", headers=heping)).status_code == 404
    assert (await client.get("/v1/items", params={"knowledge_point": "kp-eq"})).status_code == 401


# --- who sees what -------------------------------------------------------------------------------


async def test_hexi_district_item_is_invisible_to_heping(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    for headers in (pupil(tokens), teacher(tokens)):
        by_id = await client.get("/v1/items/item-hx-1", headers=headers)
        assert by_id.status_code == 404
        assert by_id.headers["content-type"].startswith("application/problem+json")
        assert "item-hx-1" not in await _ids(client, headers, knowledge_point="kp-alg", size=50)
        assert "item-hx-1" not in await _ids(client, headers, textbook=TB, size=50)
        check = await client.post(
            "/v1/items/item-hx-1/check", headers=headers, json={"answer": "D"}
        )
        assert check.status_code == 404
    hexi = pupil(tokens, tenant="hexi", school="hx-zx-1")
    assert (await client.get("/v1/items/item-hx-1", headers=hexi)).status_code == 200
    assert (await client.get("/v1/items/item-hp-1", headers=hexi)).status_code == 404
    assert (await client.get("/v1/items/item-draft", headers=pupil(tokens))).status_code == 404
    assert (await client.get("/v1/items/item-draft", headers=teacher(tokens))).status_code == 404


async def test_guests_see_only_guest_items_without_keys(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    visitor = guest(tokens)
    assert await _ids(client, visitor, knowledge_point="kp-alg") == ["item-1"]
    assert await _ids(client, visitor, textbook=TB) == ["item-1"]
    one = await client.get("/v1/items/item-1", headers=visitor)
    assert one.status_code == 200
    assert "answer" not in one.text and "explanation" not in one.text
    assert (await client.get("/v1/items/item-2", headers=visitor)).status_code == 404
    checked = await client.post("/v1/items/item-1/check", headers=visitor, json={"answer": "B"})
    assert checked.status_code == 200 and checked.json()["correct"] is True


async def test_teachers_get_the_key_and_pupils_never_do(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    key_holders = [
        teacher(tokens),
        tokens.headers(tenant="heping", roles=["researcher"]),
        tokens.headers(tenant="heping", roles=["school_admin"], school="hp-sy-zx"),
        tokens.headers(tenant="heping", roles=["district_admin"]),
        tokens.headers(tenant="city", roles=["city_admin"]),
    ]
    for headers in key_holders:
        got = await _get(client, "/v1/items/item-4", headers)
        assert got["answer"] == [["2", "x=2"], ["-1", "y=-1"]]
        assert got["explanation"] == "item-4 的解析"
        listed = await _get(client, "/v1/items", headers, knowledge_point="kp-sys")
        assert all("answer" in i and "explanation" in i for i in listed["items"])
    got = await _get(client, "/v1/items/item-4", pupil(tokens))
    assert got["stem"] == "第 item-4 题" and got["type"] == "fill" and got["owner"] == "city"
    assert got["knowledge_point_ids"] == ["kp-sys"] and got["difficulty"] == 3
    assert "answer" not in got and "explanation" not in got
    assert "status" not in got and "created_at" not in got
    single = await _get(client, "/v1/items/item-1", pupil(tokens))
    assert [o["key"] for o in single["options"]] == ["A", "B", "C", "D"]


# --- service tokens (the tasks service) ----------------------------------------------------------


def tasks_service(tokens: TokenFactory, *scopes: str, acting_in: str | None) -> dict[str, str]:
    return tokens.service_headers(*scopes, client="tasks", acting_in=acting_in)


async def test_a_service_with_bank_keys_gets_the_key_in_the_district_it_names(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    svc = tasks_service(tokens, "bank.keys", acting_in="heping")
    district = await _get(client, "/v1/items/item-hp-1", svc)
    assert district["owner"] == "heping"
    assert district["answer"] == "C" and district["explanation"] == "item-hp-1 的解析"
    city = await _get(client, "/v1/items/item-4", svc)
    assert city["answer"] == [["2", "x=2"], ["-1", "y=-1"]]
    listed = await _get(client, "/v1/items", svc, knowledge_point="kp-alg", size=50)
    ids = {i["id"] for i in listed["items"]}
    assert "item-hp-1" in ids and "item-hx-1" not in ids and "item-draft" not in ids
    # It reads as the district, with no school: a school's own items are not in it.
    assert "item-hp-school" not in ids
    assert all("answer" in i and "explanation" in i for i in listed["items"])
    by_textbook = await _get(client, "/v1/items", svc, textbook=TB, up_to=f"{TB}.u1.l1")
    assert {i["id"] for i in by_textbook["items"]} == {"item-1", "item-5", "item-hp-1"}
    assert all("answer" in i for i in by_textbook["items"])
    # Naming no district, it acts in the city: city items only.
    in_city = tasks_service(tokens, "bank.keys", acting_in=None)
    assert (await _get(client, "/v1/items/item-4", in_city))["answer"] == city["answer"]
    assert (await client.get("/v1/items/item-hp-1", headers=in_city)).status_code == 404


@pytest.mark.parametrize("scopes", [(), ("bank",), ("bank.keys.read",), ("BANK.KEYS",)])
async def test_a_service_without_the_scope_gets_the_pupil_shape(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, scopes: tuple[str, ...]
) -> None:
    holder = tasks_service(tokens, "bank.keys", acting_in="heping")
    other = tasks_service(tokens, *scopes, acting_in="heping")
    warm = await client.get("/v1/items/item-hp-1", headers=holder)  # the key is cached now
    assert warm.status_code == 200 and "answer" in warm.text
    for url, params in [
        ("/v1/items/item-hp-1", {}),
        ("/v1/items/item-4", {}),
        ("/v1/items", {"knowledge_point": "kp-alg"}),
    ]:
        resp = await client.get(url, headers=other, params=params)
        assert resp.status_code == 200, resp.text
        assert "answer" not in resp.text and "explanation" not in resp.text
    replay = await client.get(
        "/v1/items/item-hp-1", headers={**other, "If-None-Match": warm.headers["etag"]}
    )
    assert replay.status_code == 200 and "answer" not in replay.text


async def test_a_scope_claim_never_gives_a_person_the_key(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    """Only a service token's scope counts: a pupil's or a guest's token carrying one (or a
    pupil naming a tenant) still gets the pupil shape."""
    people = [
        tokens.headers(tenant="heping", roles=["student"], school="hp-sy-zx", scope="bank.keys"),
        tokens.headers(tenant="heping", roles=["guest"], scope="bank.keys"),
        {**pupil(tokens), "X-Xbt-Tenant": "heping"},
    ]
    for headers in people:
        resp = await client.get("/v1/items/item-1", headers=headers)
        assert resp.status_code == 200, resp.text
        assert "answer" not in resp.text and "explanation" not in resp.text
    # A token that mixes the service role with a person's is refused outright.
    mixed = tokens.headers(tenant="city", roles=["service", "student"], sub="svc:tasks")
    assert (await client.get("/v1/items/item-1", headers=mixed)).status_code == 401


async def test_a_service_naming_hexi_cannot_read_heping_items(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    in_hexi = tasks_service(tokens, "bank.keys", acting_in="hexi")
    own = await _get(client, "/v1/items/item-hx-1", in_hexi)
    assert own["answer"] == "D"
    for iid in ("item-hp-1", "item-hp-school"):
        assert (await client.get(f"/v1/items/{iid}", headers=in_hexi)).status_code == 404
        check = await client.post(f"/v1/items/{iid}/check", headers=in_hexi, json={"answer": "C"})
        assert check.status_code == 404
    listed = await _ids(client, in_hexi, knowledge_point="kp-alg", size=50)
    assert "item-hx-1" in listed and "item-hp-1" not in listed
    # Naming two tenants, or one that doesn't exist, is refused.
    both = [*in_hexi.items(), ("X-Xbt-Tenant", "heping")]
    assert (await client.get("/v1/items/item-hp-1", headers=both)).status_code == 403
    nowhere = {**in_hexi, "X-Xbt-Tenant": "atlantis"}
    assert (await client.get("/v1/items/item-1", headers=nowhere)).status_code == 403


async def test_a_service_token_of_a_district_names_no_other(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    """Identity issues service tokens for the city; one for a district stays in it."""
    token = tokens.token(tenant="hexi", roles=["service"], sub="svc:tasks", scope="bank.keys")
    headers = {"Authorization": f"Bearer {token}", "X-Xbt-Tenant": "heping"}
    assert (await client.get("/v1/items/item-hp-1", headers=headers)).status_code == 403


async def test_a_service_passes_no_role_check_meant_for_people(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    svc = tasks_service(tokens, "bank.keys", acting_in="heping")
    group = {"name": "教研组", "subject": "数学", "stage": "初中"}
    refused = await client.post("/v1/research-groups", headers=svc, json=group)
    assert refused.status_code == 403, refused.text


PUPIL_URLS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/items/item-4", {}),
    ("/v1/items/item-1", {}),
    ("/v1/items/item-hp-school", {}),
    ("/v1/items", {"knowledge_point": "kp-alg"}),
    ("/v1/items", {"knowledge_point": "kp-alg", "size": 50}),
    ("/v1/items", {"knowledge_point": "kp-sys", "type": ["fill", "multiple"]}),
    ("/v1/items", {"knowledge_point": "kp-eq", "include_descendants": "false"}),
    ("/v1/items", {"textbook": TB, "up_to": f"{TB}.u2.l2"}),
    ("/v1/items", {"textbook": TB, "difficulty": [1, 2, 3, 4, 5]}),
]
TRICKS: list[tuple[dict[str, Any], dict[str, str]]] = [
    ({}, {}),
    ({"include_answers": "true"}, {}),
    ({"include_answers": "1", "with_key": "true", "answers": "true", "audience": "key_holder"}, {}),
    ({"role": "teacher", "roles": "teacher", "view": "teacher"}, {}),
    ({}, {"Accept": "application/vnd.xbt.item-with-key+json"}),
    ({}, {"Accept": "application/json; profile=teacher"}),
    ({}, {"X-Xbt-Tenant": "heping"}),
    ({}, {"X-Xbt-Role": "teacher", "X-Xbt-Audience": "key_holder"}),
    ({}, {"Cache-Control": "no-cache", "If-None-Match": "*"}),
]


@pytest.mark.parametrize(
    "who",
    ["student", "guest", "support_agent", "no_roles"],
)
async def test_no_parameter_or_header_gives_a_pupil_the_key(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, who: str
) -> None:
    roles = [] if who == "no_roles" else [who]
    pupil_headers = tokens.headers(tenant="heping", roles=roles, school="hp-sy-zx")
    # Teachers ask first, so every answer below is in the cache with its key.
    for url, params in PUPIL_URLS:
        warm = await client.get(url, headers=teacher(tokens), params=params)
        assert warm.status_code == 200 and "answer" in warm.text
    seen = 0
    for url, params in PUPIL_URLS:
        for extra_params, extra_headers in TRICKS:
            resp = await client.get(
                url, headers={**pupil_headers, **extra_headers}, params={**params, **extra_params}
            )
            assert resp.status_code in (200, 304, 404), resp.text
            assert "answer" not in resp.text, (url, extra_params, extra_headers)
            assert "explanation" not in resp.text, (url, extra_params, extra_headers)
            seen += resp.status_code == 200
    assert seen > 0


async def test_cached_teacher_answers_are_not_served_to_pupils(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    url = "/v1/items/item-2"
    for_teacher = await client.get(url, headers=teacher(tokens))
    assert for_teacher.json()["answer"] == ["A", "C"]
    # Same URL, same school, same tenant: the pupil still gets the pupil shape.
    for_pupil = await client.get(url, headers=pupil(tokens))
    assert for_pupil.status_code == 200
    assert "answer" not in for_pupil.text and "explanation" not in for_pupil.text
    assert for_pupil.headers["etag"] != for_teacher.headers["etag"]
    # Replaying the teacher's ETag does not turn into a 304 for the pupil...
    replay = await client.get(
        url, headers={**pupil(tokens), "If-None-Match": for_teacher.headers["etag"]}
    )
    assert replay.status_code == 200 and "answer" not in replay.text
    # ... and the teacher still gets the key after the pupil's answer was cached.
    again = await client.get(url, headers=teacher(tokens))
    assert again.json()["answer"] == ["A", "C"]
    listed_t = await _get(client, "/v1/items", teacher(tokens), textbook=TB, up_to=f"{TB}.u1.l2")
    assert all("answer" in i for i in listed_t["items"])
    listed_p = await client.get(
        "/v1/items", headers=pupil(tokens), params={"textbook": TB, "up_to": f"{TB}.u1.l2"}
    )
    assert "answer" not in listed_p.text and "explanation" not in listed_p.text
    assert {i["id"] for i in listed_p.json()["items"]} == {i["id"] for i in listed_t["items"]}


# --- practice marking ----------------------------------------------------------------------------


async def _check(client: httpx.AsyncClient, headers: dict[str, str], iid: str, answer: Any) -> Any:
    resp = await client.post(f"/v1/items/{iid}/check", headers=headers, json={"answer": answer})
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_answers_are_marked_and_the_explanation_shown_after_answering(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    wrong = await _check(client, me, "item-1", "C")
    assert wrong == {
        "correct": False,
        "marking": "auto",
        "blanks": None,
        "answer": "B",
        "explanation": "item-1 的解析",
    }
    assert (await _check(client, me, "item-1", "ｂ"))["correct"] is True
    assert (await _check(client, me, "item-2", ["c", "A"]))["correct"] is True
    assert (await _check(client, me, "item-2", ["A"]))["correct"] is False
    assert (await _check(client, me, "item-2", ["A", "B", "C"]))["correct"] is False
    assert (await _check(client, me, "item-3", False))["correct"] is True
    assert (await _check(client, me, "item-3", True))["correct"] is False
    both = await _check(client, me, "item-4", ["x = 2", "－１"])  # an alternative, full width
    assert both["correct"] is True and both["blanks"] == [True, True]
    half = await _check(client, me, "item-4", ["２", "1"])
    assert half["correct"] is False and half["blanks"] == [True, False]
    assert half["answer"] == [["2", "x=2"], ["-1", "y=-1"]]
    assert (await _check(client, me, "item-5", "十二"))["correct"] is True  # one blank, flat key
    assert (await _check(client, me, "item-5", ["１２"]))["correct"] is True
    short = await _check(client, me, "item-6", "两点之间线段最短")
    assert short["correct"] is None and short["marking"] == "needs_teacher"
    assert short["answer"] == "两点之间，线段最短。"
    school = await _check(client, me, "item-hp-school", True)
    assert school["correct"] is True


@pytest.mark.parametrize(
    ("iid", "body"),
    [
        ("item-1", {"answer": ["B"]}),
        ("item-1", {"answer": "E"}),
        ("item-1", {"answer": None}),
        ("item-2", {"answer": "AC"}),
        ("item-2", {"answer": []}),
        ("item-3", {"answer": "false"}),
        ("item-4", {"answer": ["2"]}),
        ("item-4", {"answer": [2, -1]}),
        ("item-6", {"answer": 42}),
        ("item-1", {}),
        ("item-1", {"answer": "B", "include_answers": True}),
    ],
)
async def test_bad_answer_shapes_name_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, iid: str, body: Doc
) -> None:
    resp = await client.post(f"/v1/items/{iid}/check", headers=pupil(tokens), json=body)
    field = _field(resp)
    assert field.startswith("body")
    if "include_answers" not in body:
        assert field == "body.answer"
    assert "explanation" not in resp.text


async def test_checking_needs_a_visible_item(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    for iid in ("item-nope", "item-draft", "item-hx-1"):
        resp = await client.post(f"/v1/items/{iid}/check", headers=me, json={"answer": "A"})
        assert resp.status_code == 404
        assert "explanation" not in resp.text
    other_school = pupil(tokens, school="hp-xx-1")
    resp = await client.post(
        "/v1/items/item-hp-school/check", headers=other_school, json={"answer": True}
    )
    assert resp.status_code == 404
    assert (await client.post("/v1/items/item-1/check", json={"answer": "B"})).status_code == 401
