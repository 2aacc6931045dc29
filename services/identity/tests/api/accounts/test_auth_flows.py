"""Lockout, refresh rotation and reuse detection, logout, forced password change."""

from __future__ import annotations

import httpx

from ...conftest import Identity, bearer, login


async def _attempt(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post(
        "/v1/auth/login", json={"tenant": "heping", "username": "student1", "password": password}
    )


async def test_six_wrong_passwords_lock_the_account(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    statuses = [(await _attempt(client, f"wrong-{i}")).status_code for i in range(6)]
    assert statuses[:4] == [401, 401, 401, 401]
    assert statuses[4:] == [423, 423]
    locked = await _attempt(client, "xbt-demo-2020")  # even the right password now waits
    assert locked.status_code == 423
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["type"] == "/problems/account-locked"
    # The lock is per account: the same tenant's other pupils log in as usual.
    other = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student2", "password": "xbt-demo-2020"},
    )
    assert other.status_code == 200


async def test_admin_reset_clears_the_lock(client: httpx.AsyncClient, seeded: Identity) -> None:
    for i in range(5):
        await _attempt(client, f"wrong-{i}")
    assert (await _attempt(client, "xbt-demo-2020")).status_code == 423
    admin = await login(client, "heping", "schooladmin1")
    reset = await client.post("/v1/users/u-hp-student1/password-reset", headers=bearer(admin))
    assert reset.status_code == 200, reset.text
    otp = reset.json()["one_time_password"]
    assert (await _attempt(client, otp)).status_code == 200


async def test_refresh_rotates(client: httpx.AsyncClient, seeded: Identity) -> None:
    # Replaying a rotated token after the grace window is theft and revokes the family:
    # test_refresh_grace.py (within the window, the same new pair).
    first = await login(client, "heping", "teacher1")
    second = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    third = await client.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert third.status_code == 200
    assert third.json()["refresh_token"] not in (first["refresh_token"], rotated["refresh_token"])


async def test_logout_revokes_the_refresh_token(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tokens = await login(client, "heping", "teacher1")
    out = await client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204
    again = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401


async def test_refresh_token_of_one_tenant_is_useless_in_another(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tokens = await login(client, "heping", "teacher1")
    forged = "hexi." + tokens["refresh_token"].split(".", 1)[1]
    resp = await client.post("/v1/auth/refresh", json={"refresh_token": forged})
    assert resp.status_code == 401


async def test_admin_created_account_must_change_password(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "schooladmin1")
    created = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "newteacher", "name": "钱老师", "roles": ["teacher"]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user"]["school_id"] == "hp-sy-zx"  # a school admin's own school
    assert body["user"]["must_change_password"] is True
    tokens = await login(client, "heping", "newteacher", body["one_time_password"])
    blocked = await client.get("/v1/me", headers=bearer(tokens))
    assert blocked.status_code == 403
    assert blocked.json()["type"] == "/problems/password-change-required"
    weak = await client.post(
        "/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": body["one_time_password"], "new_password": "12345678"},
    )
    assert weak.status_code == 422
    changed = await client.post(
        "/v1/auth/password",
        headers=bearer(tokens),
        json={"current_password": body["one_time_password"], "new_password": "春天来了-2020"},
    )
    assert changed.status_code == 200, changed.text
    me = await client.get("/v1/me", headers=bearer(changed.json()))
    assert me.status_code == 200
    assert me.json()["must_change_password"] is False
    # The old one-time password no longer works.
    old = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "newteacher", "password": body["one_time_password"]},
    )
    assert old.status_code == 401


async def test_school_admin_cannot_grant_admin_roles_or_reach_other_schools(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "schooladmin1")
    escalate = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "boss", "name": "某人", "roles": ["district_admin"]},
    )
    assert escalate.status_code == 403
    elsewhere = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={"username": "x1", "name": "某人", "roles": ["student"], "school_id": "hp-xx-1"},
    )
    assert elsewhere.status_code == 403


async def test_duplicate_username_is_409_and_bad_payload_422(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "districtadmin1")
    dup = await client.post(
        "/v1/users",
        headers=bearer(admin),
        json={
            "username": "student1",
            "name": "重名",
            "roles": ["student"],
            "school_id": "hp-sy-zx",
        },
    )
    assert dup.status_code == 409
    bad = await client.post(
        "/v1/users", headers=bearer(admin), json={"username": "a b", "name": "", "roles": []}
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"body.username", "body.name", "body.roles"} <= fields


async def test_disable_blocks_login_and_refresh(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    pupil = await login(client, "heping", "student2")
    admin = await login(client, "heping", "districtadmin1")
    resp = await client.post("/v1/users/u-hp-student2/disable", headers=bearer(admin))
    assert resp.status_code == 200 and resp.json()["disabled"] is True
    again = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "student2", "password": "xbt-demo-2020"},
    )
    assert again.status_code == 403
    assert again.json()["type"] == "/problems/account-disabled"
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": pupil["refresh_token"]})
    assert refresh.status_code == 401
