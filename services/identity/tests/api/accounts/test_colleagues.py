"""The colleague directory (`GET /v1/colleagues`): teachers, researchers and administrators
find the staff of their own district by name, or name a list of user ids; never pupils, the
guest, 客服 or disabled accounts, nor another district's staff, nor usernames or 学号."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ...conftest import Identity, bearer, login

HEPING_STAFF = ["刘主任", "张老师", "赵教研员", "陈科长"]  # sorted by name (code points)


async def colleagues(
    client: httpx.AsyncClient, tokens: dict[str, Any], **params: Any
) -> dict[str, Any]:
    resp = await client.get("/v1/colleagues", params=params, headers=bearer(tokens))
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def names(page: dict[str, Any]) -> list[str]:
    return [c["name"] for c in page["items"]]


async def test_a_teacher_finds_a_colleague_by_name_with_school_and_roles(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    teacher = await login(client, "heping", "teacher1")
    found = await colleagues(client, teacher, q="张")
    assert found["items"] == [
        {
            "user_id": "u-hp-teacher1",
            "name": "张老师",
            "roles": ["teacher"],
            "school_id": "hp-sy-zx",
            "school_name": "和平区实验中学",
        }
    ]
    assert (found["total"], found["page"], found["size"]) == (1, 1, 20)
    # The directory is by name only: a username or a 学号 finds nobody.
    for q in ("teacher1", "researcher", "2019080101", ".*"):
        assert (await colleagues(client, teacher, q=q))["total"] == 0, q


async def test_only_enabled_staff_are_listed(client: httpx.AsyncClient, seeded: Identity) -> None:
    researcher = await login(client, "heping", "researcher1")
    everyone = await colleagues(client, researcher, size=100)
    assert names(everyone) == HEPING_STAFF  # no 李明 or 王芳 (pupils), no 孙客服 (客服)
    assert everyone["total"] == len(HEPING_STAFF)
    by_name = {c["name"]: c for c in everyone["items"]}
    assert by_name["赵教研员"]["roles"] == ["researcher"]
    assert by_name["赵教研员"]["school_id"] is None and by_name["赵教研员"]["school_name"] is None
    for item in everyone["items"]:
        assert set(item) == {"user_id", "name", "roles", "school_id", "school_name"}
    # Nor the guest account, once the district opens it, nor a disabled teacher.
    admin = await login(client, "heping", "districtadmin1")
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    opened = await client.put(
        "/v1/guest-access", headers=bearer(admin), json={"enabled": True, "valid_until": until}
    )
    assert opened.status_code == 200, opened.text
    made = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "t-gone", "name": "张离职", "roles": ["teacher"], "school_id": "hp-xx-1"},
    )
    assert made.status_code == 201, made.text
    gone = made.json()["user"]["id"]
    assert names(await colleagues(client, researcher, q="张")) == ["张离职", "张老师"]
    disabled = await client.post(f"/v1/users/{gone}/disable", headers=bearer(admin))
    assert disabled.status_code == 200, disabled.text
    assert names(await colleagues(client, researcher, q="张")) == ["张老师"]
    assert names(await colleagues(client, researcher, size=100)) == HEPING_STAFF
    assert (await colleagues(client, researcher, ids=gone))["items"] == []


async def test_ids_name_staff_and_nothing_else(client: httpx.AsyncClient, seeded: Identity) -> None:
    teacher = await login(client, "heping", "teacher1")
    named = await colleagues(
        client,
        teacher,
        ids="u-hp-researcher1, u-hp-student1,u-hp-teacher1,u-hp-support1,u-hx-teacher1,nobody,"
        "u-hp-teacher1",
    )
    assert [c["user_id"] for c in named["items"]] == ["u-hp-teacher1", "u-hp-researcher1"]
    assert names(named) == ["张老师", "赵教研员"]
    assert (await colleagues(client, teacher, ids=""))["items"] == []
    too_many = ",".join(f"u-{n}" for n in range(101))
    refused = await client.get("/v1/colleagues", params={"ids": too_many}, headers=bearer(teacher))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "query.ids"
    long = await client.get("/v1/colleagues", params={"q": "张" * 65}, headers=bearer(teacher))
    assert long.status_code == 422


async def test_pages(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await login(client, "heping", "schooladmin1")
    pages = [await colleagues(client, admin, size=3, page=n) for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [4, 4, 4]
    assert names(pages[0]) + names(pages[1]) == HEPING_STAFF
    assert pages[2]["items"] == []
    wide = await client.get("/v1/colleagues", params={"size": 101}, headers=bearer(admin))
    assert wide.status_code == 422


async def test_another_district_sees_none_of_them(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi = await login(client, "hexi", "teacher1")
    assert names(await colleagues(client, hexi, size=100)) == ["吴老师", "郑科长"]
    for q in ("张", "赵", "刘", "陈"):
        assert (await colleagues(client, hexi, q=q))["total"] == 0, q
    theirs = await colleagues(client, hexi, ids="u-hp-teacher1,u-hp-researcher1,u-hx-teacher1")
    assert [c["user_id"] for c in theirs["items"]] == ["u-hx-teacher1"]
    assert theirs["items"][0]["school_name"] == "河西区第一中学"
    # And 和平区 sees none of 河西区's.
    heping = await login(client, "heping", "teacher1")
    assert (await colleagues(client, heping, q="吴"))["total"] == 0
    assert (await colleagues(client, heping, ids="u-hx-teacher1,u-hx-districtadmin1"))[
        "items"
    ] == []
    # Naming the other district in the request does not help (a teacher may not act there).
    named = await client.get(
        "/v1/colleagues",
        params={"q": "张"},
        headers={**bearer(hexi), "X-Xbt-Tenant": "heping"},
    )
    assert named.status_code == 403, named.text


async def test_pupils_the_guest_and_support_are_refused(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "districtadmin1")
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    opened = await client.put(
        "/v1/guest-access", headers=bearer(admin), json={"enabled": True, "valid_until": until}
    )
    guest = await login(client, "heping", "guest", opened.json()["password"])
    for tokens in (
        await login(client, "heping", "student1"),
        guest,
        await login(client, "heping", "support1"),
    ):
        refused = await client.get("/v1/colleagues", headers=bearer(tokens))
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/colleagues")).status_code == 401
