"""The accounts pages of a school administrator: find accounts, reset a password, disable
and enable an account; each within the administrator's school and district."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_identity.seed import DEMO_PASSWORD

from ...conftest import Identity, bearer, login


async def users(client: httpx.AsyncClient, admin: dict[str, Any], **params: Any) -> dict[str, Any]:
    resp = await client.get("/v1/users", params=params, headers=bearer(admin))
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def usernames(page: dict[str, Any]) -> list[str]:
    return [u["username"] for u in page["items"]]


async def create(client: httpx.AsyncClient, admin: dict[str, Any], **fields: Any) -> dict[str, Any]:
    resp = await client.post("/v1/users", headers=bearer(admin), json=fields)
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def test_search_and_pages(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await login(client, "heping", "schooladmin1")
    assert usernames(await users(client, admin, q="李")) == ["student1"]  # part of the name
    assert usernames(await users(client, admin, q="STUDENT")) == ["student1", "student2"]
    assert usernames(await users(client, admin, q="20190801")) == ["student1", "student2"]
    assert usernames(await users(client, admin, q="2019080102")) == ["student2"]
    assert (await users(client, admin, q="ent1"))["total"] == 0  # usernames match at the start
    assert (await users(client, admin, q=".*"))["total"] == 0  # text, not a pattern
    first = await users(client, admin, q="student", size=1, page=1)
    second = await users(client, admin, q="student", size=1, page=2)
    beyond = await users(client, admin, q="student", size=1, page=3)
    assert (first["total"], first["page"], first["size"]) == (2, 1, 1)
    assert usernames(first) + usernames(second) == ["student1", "student2"]
    assert beyond["items"] == [] and beyond["total"] == 2
    long = await client.get("/v1/users", params={"q": "x" * 65}, headers=bearer(admin))
    assert long.status_code == 422


async def test_search_stays_in_the_school_and_the_district(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    district = await login(client, "heping", "districtadmin1")
    await create(
        client,
        district,
        username="pupil-xx",
        name="钱小朋",
        roles=["student"],
        school_id="hp-xx-1",
        student_no="2023040101",
    )
    # The district administrator finds it; the other school's administrator does not.
    assert usernames(await users(client, district, q="钱")) == ["pupil-xx"]
    school_admin = await login(client, "heping", "schooladmin1")
    assert (await users(client, school_admin, q="钱"))["total"] == 0
    assert (await users(client, school_admin, q="钱", school_id="hp-xx-1"))["total"] == 0
    # Nor does another district, by name, username or 学号.
    hexi = await login(client, "hexi", "districtadmin1")
    for q in ("钱", "pupil-xx", "2023040101", "李明"):
        assert (await users(client, hexi, q=q))["total"] == 0, q
    assert usernames(await users(client, hexi, q="student")) == ["student1"]
    assert (await users(client, hexi, q="student"))["items"][0]["id"] == "u-hx-student1"
    teacher = await login(client, "heping", "teacher1")
    assert (await client.get("/v1/users", headers=bearer(teacher))).status_code == 403


async def test_reset_password_gives_a_one_time_password_to_replace(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    before = await login(client, "heping", "student1")
    admin = await login(client, "heping", "schooladmin1")
    reset = await client.post("/v1/users/u-hp-student1/password-reset", headers=bearer(admin))
    assert reset.status_code == 200, reset.text
    body = reset.json()
    assert set(body) == {"user", "one_time_password"}
    assert body["user"]["id"] == "u-hp-student1" and body["user"]["must_change_password"] is True
    assert len(body["one_time_password"]) == 10
    assert "password_hash" not in body["user"]
    # The old password and the old sessions are gone.
    old = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student1", "password": DEMO_PASSWORD},
    )
    assert old.status_code == 401
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": before["refresh_token"]})
    assert refresh.status_code == 401
    # The one-time password signs in to replace itself, nothing else.
    pending = await login(client, "heping", "student1", body["one_time_password"])
    session = (await client.get("/v1/auth/session", headers=bearer(pending))).json()
    assert session["must_change_password"] is True
    me = await client.get("/v1/me", headers=bearer(pending))
    assert me.status_code == 403 and me.json()["type"] == "/problems/password-change-required"
    listed = await users(client, admin, q="student1")
    assert listed["items"][0]["must_change_password"] is True
    changed = await client.post(
        "/v1/auth/password",
        headers=bearer(pending),
        json={"current_password": body["one_time_password"], "new_password": "Li-Ming-2026!"},
    )
    assert changed.status_code == 200, changed.text
    assert (await users(client, admin, q="student1"))["items"][0]["must_change_password"] is False


async def test_reset_stays_within_the_admins_reach(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi = await login(client, "hexi", "districtadmin1")
    across = await client.post("/v1/users/u-hp-student1/password-reset", headers=bearer(hexi))
    assert across.status_code == 404
    school_admin = await login(client, "heping", "schooladmin1")
    for user_id in ("u-hp-districtadmin1", "u-hx-student1", "u-nobody"):
        resp = await client.post(
            f"/v1/users/{user_id}/password-reset", headers=bearer(school_admin)
        )
        assert resp.status_code == 404, user_id
    # The heping pupil's password still works.
    await login(client, "heping", "student1")


async def test_disable_and_enable(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await login(client, "heping", "schooladmin1")
    disabled = await client.post("/v1/users/u-hp-student2/disable", headers=bearer(admin))
    assert disabled.status_code == 200, disabled.text
    row = disabled.json()
    # The account as the list shows it, so the page can replace its row.
    assert row["disabled"] is True and {"last_login_at", "login"} <= set(row)
    assert usernames(await users(client, admin, disabled=True)) == ["student2"]
    assert "student2" not in usernames(await users(client, admin, disabled=False))
    refused = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student2", "password": DEMO_PASSWORD},
    )
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/account-disabled"
    enabled = await client.post("/v1/users/u-hp-student2/enable", headers=bearer(admin))
    assert enabled.status_code == 200 and enabled.json()["disabled"] is False
    await login(client, "heping", "student2")
    assert (await users(client, admin, disabled=True))["total"] == 0
    # Administrators reach no account of their own rank, the city's their own, which it
    # may not disable.
    own = await client.post("/v1/users/u-hp-schooladmin1/disable", headers=bearer(admin))
    assert own.status_code == 404
    city = await login(client, "city", "cityadmin1")
    itself = await client.post("/v1/users/u-city-admin1/disable", headers=bearer(city))
    assert itself.status_code == 409
    assert (
        await client.post("/v1/users/u-city-admin1/enable", headers=bearer(city))
    ).status_code == 200


async def test_disable_and_enable_stay_within_the_admins_reach(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi = await login(client, "hexi", "districtadmin1")
    for action in ("disable", "enable"):
        resp = await client.post(f"/v1/users/u-hp-student1/{action}", headers=bearer(hexi))
        assert resp.status_code == 404, action
    await login(client, "heping", "student1")  # still enabled
    school_admin = await login(client, "heping", "schooladmin1")
    up = await client.post("/v1/users/u-hp-districtadmin1/disable", headers=bearer(school_admin))
    assert up.status_code == 404
    teacher = await login(client, "heping", "teacher1")
    assert (
        await client.post("/v1/users/u-hp-student1/disable", headers=bearer(teacher))
    ).status_code == 403
    # The city administrator acts in the district it names.
    city = await login(client, "city", "cityadmin1")
    named = await client.post(
        "/v1/users/u-hx-student1/disable", headers={**bearer(city), "X-Xbt-Tenant": "hexi"}
    )
    assert named.status_code == 200 and named.json()["disabled"] is True
    assert (
        await client.post("/v1/users/u-hx-student1/disable", headers=bearer(city))
    ).status_code == 404  # not in the city's own accounts
