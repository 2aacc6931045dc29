"""The public guest account (公用账号): opened by a district admin for a window, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from ...conftest import Identity, bearer, login


async def test_guest_window(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await login(client, "heping", "districtadmin1")
    now = datetime.now(UTC)
    opened = await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={"enabled": True, "valid_until": (now + timedelta(days=7)).isoformat()},
    )
    assert opened.status_code == 200, opened.text
    state = opened.json()
    assert state["open_now"] is True and state["password"]
    guest = await login(client, "heping", "guest", state["password"])
    me = await client.get("/v1/me", headers=bearer(guest))
    assert me.status_code == 200 and me.json()["roles"] == ["guest"]
    # Guests write nothing, not even their own password.
    change = await client.post(
        "/v1/auth/password",
        headers=bearer(guest),
        json={"current_password": state["password"], "new_password": "another-pass-1"},
    )
    assert change.status_code == 403
    assert (await client.get("/v1/schools", headers=bearer(guest))).status_code == 403
    # Closing the window stops logins and refreshes.
    closed = await client.put("/v1/guest-access", headers=bearer(admin), json={"enabled": False})
    assert closed.status_code == 200 and closed.json()["open_now"] is False
    refused = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "guest", "password": state["password"]},
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/guest-access-closed"
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": guest["refresh_token"]})
    assert refresh.status_code == 401


async def test_guest_window_rules(client: httpx.AsyncClient, seeded: Identity) -> None:
    admin = await login(client, "heping", "districtadmin1")
    no_end = await client.put("/v1/guest-access", headers=bearer(admin), json={"enabled": True})
    assert no_end.status_code == 422
    teacher = await login(client, "heping", "teacher1")
    denied = await client.put(
        "/v1/guest-access",
        headers=bearer(teacher),
        json={"enabled": True, "valid_until": "2030-01-01T00:00:00Z"},
    )
    assert denied.status_code == 403
    later = datetime.now(UTC) + timedelta(days=1)
    future = await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={
            "enabled": True,
            "valid_from": later.isoformat(),
            "valid_until": (later + timedelta(days=1)).isoformat(),
        },
    )
    assert future.status_code == 200 and future.json()["open_now"] is False
    early = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "guest", "password": future.json()["password"]},
    )
    assert early.status_code == 403
    # hexi's guest account is untouched by heping's window.
    hexi_admin = await login(client, "hexi", "districtadmin1")
    hexi_state = await client.get("/v1/guest-access", headers=bearer(hexi_admin))
    assert hexi_state.json()["enabled"] is False


async def test_a_closed_window_does_not_confirm_the_guest_password(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    admin = await login(client, "heping", "districtadmin1")
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    opened = await client.put(
        "/v1/guest-access", headers=bearer(admin), json={"enabled": True, "valid_until": until}
    )
    password = opened.json()["password"]
    await client.put("/v1/guest-access", headers=bearer(admin), json={"enabled": False})
    answers = [
        await client.post(
            "/v1/auth/login",
            json={"tenant": "heping", "username": "guest", "password": attempt},
        )
        for attempt in (password, "not-the-password")
    ]
    right, wrong = answers
    assert right.status_code == wrong.status_code == 403

    def alike(body: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in body.items() if k != "request_id"}  # each request's own

    assert alike(right.json()) == alike(wrong.json())
    assert right.json()["type"] == "/problems/guest-access-closed"
