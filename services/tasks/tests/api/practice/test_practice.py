"""Practice (题库练习): sets drawn from the real catalog with the service's own token from the
real identity app, marking, mastery, and who may see what."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_identity.main import create_app as create_identity_app
from xbt_identity.settings import IdentitySettings
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import TokenFactory
from xbt_tasks.main import create_app
from xbt_tasks.practice.store import PRACTICE_MASTERY, PRACTICE_SETS
from xbt_tasks.settings import TasksSettings

from ...conftest import BASE, CITY, HEPING, HEPING_SCHOOL, HEXI, ISSUER, item, pupil, teacher

TB = "tb-practice-g7"


class Switch(httpx.AsyncBaseTransport):
    """A transport to an in-process app that a test can take down (connection refused)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def identity_app(isolated_env: dict[str, Any]) -> AsyncIterator[FastAPI]:
    # The default (development) tasks client secret is the one the tasks settings use too.
    settings = IdentitySettings(
        **isolated_env, issuer=ISSUER, argon2_memory_kib=1024, argon2_time_cost=1
    )
    app = create_identity_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def catalog_link(catalog_app: FastAPI) -> Switch:
    return Switch(catalog_app)


@pytest.fixture
def identity_link(identity_app: FastAPI) -> Switch:
    return Switch(identity_app)


@pytest.fixture
async def tasks_app(
    isolated_env: dict[str, Any],
    tokens: TokenFactory,
    catalog_app: FastAPI,
    identity_app: FastAPI,
    catalog_link: Switch,
    identity_link: Switch,
) -> AsyncIterator[FastAPI]:
    """The tasks app (overriding conftest's) with identity behind it: its service token is
    issued by identity's real key, which the catalog trusts besides the test factory's."""
    identity_keys = identity_app.state.keys.jwks()["keys"]
    catalog_app.state.verifier.set_keys({"keys": [tokens.jwk, *identity_keys]})
    app = create_app(
        TasksSettings(**isolated_env, jwt_issuer=ISSUER),
        catalog_transport=catalog_link,
        identity_transport=identity_link,
    )
    async with app.router.lifespan_context(app):
        tokens.install(app.state.verifier)
        yield app


# --- the catalog's content -------------------------------------------------------------------


def point(kid: str, parent: str | None, path: list[str]) -> Doc:
    return {
        "_id": kid,
        "subject": "数学",
        "stage": "初中",
        "parent_id": parent,
        "name": kid,
        "path": path,
        "depth": len(path),
    }


POINTS = [
    point("kp-alg", None, []),
    point("kp-eq", "kp-alg", ["kp-alg"]),
    point("kp-sys", "kp-eq", ["kp-alg", "kp-eq"]),
    point("kp-lin", "kp-eq", ["kp-alg", "kp-eq"]),
    point("kp-empty", "kp-alg", ["kp-alg"]),
]


# Twelve city items on kp-sys (single choice), four in each unit of the textbook.
SYS_KEYS = {f"ps-sys-{n:02d}": "ABCD"[n % 4] for n in range(1, 13)}
ITEMS = [
    *(
        item(
            iid, "single", key, kps=["kp-sys"], difficulty=1 + n % 3, nodes=[f"{TB}.u{n // 4 + 1}"]
        )
        for n, (iid, key) in enumerate(SYS_KEYS.items())
    ),
    item("ps-sys-short", "short", "言之成理即可", kps=["kp-sys"]),
    item("ps-hp-1", "true_false", True, kps=["kp-sys"], provider=HEPING),
    item("ps-hp-school", "true_false", False, kps=["kp-sys"], provider=HEPING_SCHOOL),
    item("ps-hx-1", "single", "A", kps=["kp-sys"], provider=HEXI),
    # kp-lin: one item of each auto-marked type; the fill-in also counts for kp-sys.
    item("ps-lin-single", "single", "B", kps=["kp-lin"], difficulty=1),
    item("ps-lin-multi", "multiple", ["A", "C"], kps=["kp-lin"], difficulty=2),
    item("ps-lin-tf", "true_false", False, kps=["kp-lin"], difficulty=3),
    item("ps-lin-fill", "fill", [["2", "x=2"], ["-1", "y=-1"]], kps=["kp-lin", "kp-sys"]),
]
# What a heping pupil may be offered on kp-sys: city and district items, auto-marked ones.
HEPING_SYS = {*SYS_KEYS, "ps-hp-1", "ps-lin-fill"}

TEXTBOOK: Doc = {
    "_id": TB,
    "edition": "人教版",
    "stage": "初中",
    "grade": 7,
    "subject": "数学",
    "volume": "上册",
    "title": "练习测试教材",
    "tree": [{"id": f"{TB}.u{u}", "title": f"第{u}章", "kind": "unit"} for u in (1, 2, 3)],
    "provider": CITY,
    "status": "published",
    "guest_visible": True,
    "published_at": BASE,
    "created_at": BASE,
    "updated_at": BASE,
}


@pytest.fixture
async def bank(catalog_app: FastAPI) -> None:
    mongo = catalog_app.state.runtime.mongo
    city = mongo.for_tenant(Tenant("city"))
    await city["knowledge_points"].insert_many([dict(p) for p in POINTS])
    await city["textbooks"].insert_one(dict(TEXTBOOK))
    for doc in ITEMS:
        await mongo.for_tenant(Tenant(doc["provider"]["tenant"]))["items"].insert_one(dict(doc))


# --- helpers ---------------------------------------------------------------------------------

KEYS: dict[str, Any] = {str(i["_id"]): i["answer"] for i in ITEMS}
HEXI_PUPIL: dict[str, Any] = {"tenant": "hexi", "school": "hx-sy-zx", "cls": "hx-sy-zx-7-1"}


async def start(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = await client.post("/v1/practice", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["cache-control"] == "no-store"
    practice: dict[str, Any] = resp.json()
    return practice


def right(item_id: str) -> Any:
    key = KEYS[item_id]
    if item_id == "ps-lin-fill":
        return [key[0][0], key[1][0]]
    return key


def wrong(item_id: str) -> Any:
    key = KEYS[item_id]
    if isinstance(key, bool):
        return not key
    if item_id == "ps-lin-multi":
        return ["A"]
    if item_id == "ps-lin-fill":
        return ["3", "y=-1"]
    return "D" if key != "D" else "A"


async def answer(
    client: httpx.AsyncClient, headers: dict[str, str], practice_id: str, item_id: str, given: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/practice/{practice_id}/answers/{item_id}", headers=headers, json={"answer": given}
    )


def without_keys(items: list[dict[str, Any]]) -> None:
    for it in items:
        assert "answer" not in it and "explanation" not in it, it


async def stored_sets(mongo: Mongo, tenant: str = "heping") -> int:
    return await mongo.for_tenant(Tenant(tenant))[PRACTICE_SETS].count_documents({})


# --- tests -----------------------------------------------------------------------------------


async def test_keys_come_only_with_the_verdict(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, knowledge_point="kp-eq", count=6)
    items = practice["items"]
    assert len(items) == 6 and practice["requested"] == 6
    assert practice["progress"] == {"total": 6, "answered": 0, "correct": 0, "finished": False}
    without_keys(items)
    assert all(it["answered"] is False and it["type"] != "short" for it in items)
    # Easier items first.
    assert [it["difficulty"] for it in items] == sorted(it["difficulty"] for it in items)

    read = await client.get(f"/v1/practice/{practice['id']}", headers=me)
    assert read.status_code == 200
    assert "的解析" not in read.text
    without_keys(read.json()["items"])

    first, second = items[0]["id"], items[1]["id"]
    resp = await answer(client, me, practice["id"], first, right(first))
    assert resp.status_code == 201, resp.text
    verdict = resp.json()
    assert verdict["correct"] is True
    assert verdict["answer"] == KEYS[first]
    assert verdict["explanation"] == f"{first} 的解析"
    assert verdict["progress"]["answered"] == 1 and verdict["progress"]["correct"] == 1

    resp = await answer(client, me, practice["id"], second, wrong(second))
    assert resp.status_code == 201
    assert resp.json()["correct"] is False and resp.json()["answer"] == KEYS[second]

    read = (await client.get(f"/v1/practice/{practice['id']}", headers=me)).json()
    by_id = {it["id"]: it for it in read["items"]}
    assert by_id[first]["answered"] and by_id[first]["correct"] is True
    assert by_id[first]["explanation"] == f"{first} 的解析"
    assert by_id[second]["given"] == wrong(second) and by_id[second]["answer"] == KEYS[second]
    without_keys([it for it in read["items"] if it["id"] not in (first, second)])
    assert read["progress"] == {"total": 6, "answered": 2, "correct": 1, "finished": False}


async def test_answers_are_marked_with_the_shared_rules(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, knowledge_point="kp-lin", count=10)
    assert {it["id"] for it in practice["items"]} == {
        "ps-lin-single",
        "ps-lin-multi",
        "ps-lin-tf",
        "ps-lin-fill",
    }
    assert practice["pool"] == 4
    pid = practice["id"]
    # Case, order and spacing do not matter, as in tasks and the catalog's check.
    assert (await answer(client, me, pid, "ps-lin-single", " b ")).json()["correct"] is True
    assert (await answer(client, me, pid, "ps-lin-multi", ["c", "A"])).json()["correct"] is True
    assert (await answer(client, me, pid, "ps-lin-tf", True)).json()["correct"] is False
    fill = (await answer(client, me, pid, "ps-lin-fill", ["x = 2", "y=1"])).json()
    assert fill["correct"] is False and fill["blanks"] == [True, False]
    assert fill["answer"] == [["2", "x=2"], ["-1", "y=-1"]]

    done = (await client.get(f"/v1/practice/{pid}", headers=me)).json()
    assert done["progress"] == {"total": 4, "answered": 4, "correct": 2, "finished": True}


async def test_one_answer_per_item_and_bad_answers_name_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, mongo: Mongo
) -> None:
    me = pupil(tokens)
    pid = (await start(client, me, knowledge_point="kp-lin"))["id"]

    bad = await answer(client, me, pid, "ps-lin-multi", "A")
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "body.answer"
    bad = await answer(client, me, pid, "ps-lin-single", "E")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.answer"
    missing = await client.post(f"/v1/practice/{pid}/answers/ps-lin-tf", headers=me, json={})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.answer"

    assert (await answer(client, me, pid, "ps-lin-tf", False)).json()["correct"] is True
    again = await answer(client, me, pid, "ps-lin-tf", True)
    assert again.status_code == 409 and again.json()["type"] == "/problems/already-answered"
    foreign = await answer(client, me, pid, "ps-sys-01", "A")
    assert foreign.status_code == 404

    # Only the first, good answer was recorded, for the set and for mastery.
    row = await mongo.for_tenant(Tenant("heping"))[PRACTICE_MASTERY].find_one(
        {"pupil_id": "p-wang", "knowledge_point_id": "kp-lin"}
    )
    assert row is not None and row["answered"] == 1 and row["correct"] == 1
    read = (await client.get(f"/v1/practice/{pid}", headers=me)).json()
    assert read["progress"]["answered"] == 1


async def test_concurrent_answers_to_one_set_are_all_recorded(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    pid = (await start(client, me, knowledge_point="kp-lin"))["id"]
    ids = ["ps-lin-single", "ps-lin-multi", "ps-lin-tf", "ps-lin-fill"]
    answers = await asyncio.gather(*(answer(client, me, pid, i, right(i)) for i in ids))
    assert [r.status_code for r in answers] == [201] * 4
    read = (await client.get(f"/v1/practice/{pid}", headers=me)).json()
    assert read["progress"] == {"total": 4, "answered": 4, "correct": 4, "finished": True}
    mastery = (await client.get("/v1/practice/mastery", headers=me)).json()
    lin = next(p for p in mastery["knowledge_points"] if p["knowledge_point_id"] == "kp-lin")
    assert lin["answered"] == 4 and lin["correct"] == 4


async def test_only_what_the_district_may_see_is_offered(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    practice = await start(client, pupil(tokens), knowledge_point="kp-sys", count=20)
    # City and district items, never the school's (the service reads as the district),
    # another district's, or short answers; include_descendants takes none here.
    assert {it["id"] for it in practice["items"]} == HEPING_SYS
    assert practice["pool"] == len(HEPING_SYS)

    # count=20 takes the whole pool: a smaller draw is random and need not include ps-hx-1
    hexi_pupil = pupil(tokens, sub="p-zhao", **HEXI_PUPIL)
    hexi = await start(client, hexi_pupil, knowledge_point="kp-sys", count=20)
    assert hexi["pool"] <= 20
    assert "ps-hx-1" in {it["id"] for it in hexi["items"]}
    assert "ps-hp-1" not in {it["id"] for it in hexi["items"]}


async def test_practice_by_textbook_progress(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    practice = await start(client, me, textbook=TB, up_to=f"{TB}.u1", count=20)
    assert {it["id"] for it in practice["items"]} == {f"ps-sys-{n:02d}" for n in range(1, 5)}
    assert practice["selection"]["textbook"] == TB
    two_units = await start(client, me, textbook=TB, up_to=f"{TB}.u2", count=20, difficulty=[1])
    assert two_units["items"] and all(it["difficulty"] == 1 for it in two_units["items"])
    assert {it["id"] for it in two_units["items"]} <= {f"ps-sys-{n:02d}" for n in range(1, 9)}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": 5}, "body.knowledge_point"),
        ({"knowledge_point": "kp-nope"}, "body.knowledge_point"),
        ({"knowledge_point": "kp-empty"}, "body.knowledge_point"),
        ({"up_to": f"{TB}.u1"}, "body.textbook"),
        ({"textbook": TB, "up_to": "no-such-node"}, "body.up_to"),
        ({"textbook": "tb-nope"}, "body.textbook"),
        ({"knowledge_point": "kp-sys", "count": 21}, "body.count"),
        ({"knowledge_point": "kp-sys", "count": 0}, "body.count"),
        ({"knowledge_point": "kp-sys", "types": ["short"]}, "body.types.0"),
        ({"knowledge_point": "kp-sys", "difficulty": [6]}, "body.difficulty.0"),
        ({"knowledge_point": "kp-sys", "answers": {}}, "body.answers"),
    ],
)
async def test_bad_choices_name_the_field_and_write_nothing(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,
    mongo: Mongo,
    body: dict[str, Any],
    field: str,
) -> None:
    resp = await client.post("/v1/practice", headers=pupil(tokens), json=body)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in resp.json()["errors"]]
    assert await stored_sets(mongo) == 0


async def test_mastery_counts_answers_per_knowledge_point(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    empty = await client.get("/v1/practice/mastery", headers=me)
    assert empty.status_code == 200 and empty.json()["knowledge_points"] == []

    pid = (await start(client, me, knowledge_point="kp-lin"))["id"]
    for item_id in ("ps-lin-single", "ps-lin-multi", "ps-lin-tf"):
        assert (await answer(client, me, pid, item_id, right(item_id))).status_code == 201
    await answer(client, me, pid, "ps-lin-fill", wrong("ps-lin-fill"))

    resp = await client.get("/v1/practice/mastery", headers=me, params={"subject": "数学"})
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    points = {p["knowledge_point_id"]: p for p in resp.json()["knowledge_points"]}
    assert set(points) == {"kp-lin", "kp-sys"}  # the fill-in counts for both of its points
    lin, sys_ = points["kp-lin"], points["kp-sys"]
    assert (lin["answered"], lin["correct"]) == (4, 3)
    assert (sys_["answered"], sys_["correct"]) == (1, 0)
    # Laplace-smoothed, answers of just now at full weight: (3 + 1) / (4 + 2), (0 + 1) / (1 + 2).
    assert lin["mastery"] == pytest.approx(4 / 6, abs=0.002)
    assert sys_["mastery"] == pytest.approx(1 / 3, abs=0.002)
    assert lin["evidence"] == pytest.approx(4, abs=0.01)
    assert lin["level"] == "learning" and sys_["level"] == "weak"
    assert lin["last_practised_at"] is not None
    # Weakest first.
    assert [p["knowledge_point_id"] for p in resp.json()["knowledge_points"]] == [
        "kp-sys",
        "kp-lin",
    ]

    other = await client.get("/v1/practice/mastery", headers=me, params={"subject": "物理"})
    assert other.json()["knowledge_points"] == []
    primary = await client.get("/v1/practice/mastery", headers=me, params={"stage": "小学"})
    assert primary.json()["knowledge_points"] == []
    bad = await client.get("/v1/practice/mastery", headers=me, params={"stage": "大学"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.stage"
    # Another pupil has mastery of their own.
    theirs = await client.get("/v1/practice/mastery", headers=pupil(tokens, sub="p-li"))
    assert theirs.json()["knowledge_points"] == []


async def test_a_second_set_prefers_what_is_not_mastered(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    first = await start(client, me, knowledge_point="kp-sys", count=8)
    ids = [it["id"] for it in first["items"]]
    got_right, got_wrong = ids[:4], ids[4:]
    for item_id in got_right:
        assert (await answer(client, me, first["id"], item_id, right(item_id))).json()["correct"]
    for item_id in got_wrong:
        resp = await answer(client, me, first["id"], item_id, wrong(item_id))
        assert resp.json()["correct"] is False

    # 14 candidates: 6 never answered and 4 answered wrongly come before the 4 answered right.
    second = await start(client, me, knowledge_point="kp-sys", count=8)
    assert not {it["id"] for it in second["items"]} & set(got_right)
    bigger = await start(client, me, knowledge_point="kp-sys", count=12)
    chosen = {it["id"] for it in bigger["items"]}
    assert set(got_wrong) <= chosen and len(chosen & set(got_right)) == 2
    # Another pupil's history is not mine: all 14 are new to them.
    theirs = await start(client, pupil(tokens, sub="p-li"), knowledge_point="kp-sys", count=14)
    assert {it["id"] for it in theirs["items"]} == HEPING_SYS


async def test_a_set_is_its_pupils_alone(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None
) -> None:
    me = pupil(tokens)
    pid = (await start(client, me, knowledge_point="kp-lin"))["id"]
    classmate = pupil(tokens, sub="p-li")
    assert (await client.get(f"/v1/practice/{pid}", headers=classmate)).status_code == 404
    resp = await answer(client, classmate, pid, "ps-lin-tf", False)
    assert resp.status_code == 404
    # The same pupil id in another district sees nothing of heping's database.
    same_id_hexi = pupil(tokens, sub="p-wang", **HEXI_PUPIL)
    assert (await client.get(f"/v1/practice/{pid}", headers=same_id_hexi)).status_code == 404
    assert (await answer(client, same_id_hexi, pid, "ps-lin-tf", False)).status_code == 404
    hexi_list = (await client.get("/v1/practice", headers=same_id_hexi)).json()
    assert hexi_list["total"] == 0
    # The set is untouched, and listed for its pupil.
    read = (await client.get(f"/v1/practice/{pid}", headers=me)).json()
    assert read["progress"]["answered"] == 0
    mine = (await client.get("/v1/practice", headers=me)).json()
    assert [s["id"] for s in mine["items"]] == [pid] and "items" not in mine["items"][0]


async def test_practice_is_for_pupils(
    client: httpx.AsyncClient, tokens: TokenFactory, bank: None, mongo: Mongo
) -> None:
    guest = tokens.headers(tenant="heping", roles=["guest"])
    resp = await client.post("/v1/practice", headers=guest, json={"knowledge_point": "kp-sys"})
    assert resp.status_code == 403 and resp.json()["type"] == "/problems/guest-read-only"
    resp = await client.post(
        "/v1/practice", headers=teacher(tokens), json={"knowledge_point": "kp-sys"}
    )
    assert resp.status_code == 403
    assert (await client.get("/v1/practice/mastery", headers=teacher(tokens))).status_code == 403
    assert (
        await client.post("/v1/practice", json={"knowledge_point": "kp-sys"})
    ).status_code == 401
    assert await stored_sets(mongo) == 0


async def test_catalog_or_identity_down_is_503_and_nothing_is_written(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    bank: None,
    mongo: Mongo,
    catalog_link: Switch,
    identity_link: Switch,
) -> None:
    me = pupil(tokens)
    identity_link.down = True  # no service token to be had
    resp = await client.post("/v1/practice", headers=me, json={"knowledge_point": "kp-lin"})
    assert resp.status_code == 503, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    identity_link.down = False

    pid = (await start(client, me, knowledge_point="kp-lin"))["id"]
    catalog_link.down = True
    resp = await client.post("/v1/practice", headers=me, json={"knowledge_point": "kp-lin"})
    assert resp.status_code == 503
    assert await stored_sets(mongo) == 1
    # Answering needs no catalog: the set holds its items' keys.
    resp = await answer(client, me, pid, "ps-lin-single", "B")
    assert resp.status_code == 201 and resp.json()["correct"] is True
