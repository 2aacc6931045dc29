"""The demo 网络教研 (seed/data/research.json), seeded as `make run` seeds it: 和平区's group
with its members, plans with revisions and comments, read through the API like users' own;
seeding again adds nothing; another district sees none of it."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from xbt_catalog.seed.research import research, research_tenant
from xbt_catalog.seed.store import insert_missing
from xbt_shared.mongo import Mongo
from xbt_shared.testing import TokenFactory

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


async def seed_research(mongo: Mongo) -> int:
    district = research_tenant()
    return sum(
        [
            await insert_missing(mongo, name, docs, tenant=district)
            for name, docs in research(NOW).items()
        ]
    )


def staff(tokens: TokenFactory, sub: str, role: str, tenant: str = "heping") -> dict[str, str]:
    return tokens.headers(tenant=tenant, roles=[role], sub=sub, school=f"{tenant}-zx-1")


async def test_the_demo_group_and_its_plans_read_like_users_own(
    catalog_app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    mongo: Mongo = catalog_app.state.runtime.mongo
    assert await seed_research(mongo) == 1 + 2 + 3 + 2  # groups, plans, revisions, comments
    assert await seed_research(mongo) == 0

    teacher = staff(tokens, "u-hp-teacher1", "teacher")
    [group] = (await client.get("/v1/research-groups", headers=teacher)).json()["items"]
    assert group["name"] == "和平区初中数学教研组"
    assert set(group["members"]) == {"u-hp-researcher1", "u-hp-teacher1"}
    plans = (
        await client.get(f"/v1/research-groups/{group['id']}/lesson-plans", headers=teacher)
    ).json()["items"]
    # newest first, both days before the seed day
    assert [p["title"] for p in plans] == [
        "19.1 函数（第1课时）变量与函数 教学设计",
        "17.1 勾股定理（第1课时）教学设计",
    ]
    assert all(datetime.fromisoformat(p["updated_at"]) < NOW for p in plans)

    plan = (await client.get("/v1/lesson-plans/lp-hp-gougu-1", headers=teacher)).json()
    assert plan["revision"] == 2 and "赵爽弦图" in plan["body"]
    history = (
        await client.get("/v1/lesson-plans/lp-hp-gougu-1/revisions", headers=teacher)
    ).json()["items"]
    by_number = {r["revision"]: r for r in history}
    assert by_number[1]["previous_body"] is None
    assert "赵爽弦图" not in by_number[2]["previous_body"]  # the body before the edit
    thread = (await client.get("/v1/lesson-plans/lp-hp-gougu-1/comments", headers=teacher)).json()[
        "items"
    ]
    assert [c["by"] for c in thread] == ["u-hp-researcher1", "u-hp-teacher1"]

    # Members only, and never another district.
    outsider = staff(tokens, "u-hp-teacher9", "teacher")
    assert (await client.get("/v1/research-groups", headers=outsider)).json()["items"] == []
    hexi = staff(tokens, "u-hx-researcher1", "researcher", tenant="hexi")
    assert (await client.get("/v1/research-groups", headers=hexi)).json()["items"] == []
    assert (await client.get("/v1/lesson-plans/lp-hp-gougu-1", headers=hexi)).status_code == 404
