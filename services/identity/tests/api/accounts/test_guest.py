"""The public guest account (公用账号): opened by a district admin for a window, read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

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


BEIJING = timezone(timedelta(hours=8))


async def tenants(client: httpx.AsyncClient) -> dict[str, dict[str, object]]:
    resp = await client.get("/v1/tenants")
    assert resp.status_code == 200, resp.text
    return {t["id"]: t for t in resp.json()}


async def test_the_district_list_says_whose_guest_entry_is_open(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    resp = await client.get("/v1/tenants")
    assert resp.headers["cache-control"] == "public, max-age=30"
    listed = await tenants(client)
    assert len(listed) == 17 and listed["heping"]["name"] == "和平区"
    # Whether it is open and until when; nothing else of the guest account is public.
    assert all(set(t) == {"id", "name", "guest_open", "guest_open_until"} for t in listed.values())
    assert not any(t["guest_open"] or t["guest_open_until"] for t in listed.values())

    admin = await login(client, "heping", "districtadmin1")
    until = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    opened = await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={"enabled": True, "valid_until": until.isoformat()},
    )
    assert opened.status_code == 200, opened.text
    listed = await tenants(client)  # at once: setting the window forgot the kept copy
    assert listed["heping"]["guest_open"] is True
    shown = str(listed["heping"]["guest_open_until"])
    assert shown.endswith("+08:00") and datetime.fromisoformat(shown) == until
    # Another district's window is its own.
    assert listed["hexi"]["guest_open"] is False and listed["hexi"]["guest_open_until"] is None

    later = datetime.now(UTC) + timedelta(days=1)
    await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={
            "enabled": True,
            "valid_from": later.isoformat(),
            "valid_until": (later + timedelta(days=1)).isoformat(),
        },
    )
    listed = await tenants(client)
    assert listed["heping"]["guest_open"] is False and listed["heping"]["guest_open_until"] is None
    await client.put("/v1/guest-access", headers=bearer(admin), json={"enabled": False})
    assert (await tenants(client))["heping"]["guest_open"] is False


async def test_the_district_list_keeps_the_windows_briefly(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    from xbt_identity.accounts.domain import GuestWindow
    from xbt_shared.runtime import redis_key
    from xbt_shared.tenancy import Tenant

    assert (await tenants(client))["hexi"]["guest_open"] is False
    # Written behind the service's back: the kept copy answers until it expires.
    now = datetime.now(UTC)
    window = GuestWindow(enabled=True, valid_until=now + timedelta(hours=1))
    await seeded.users(Tenant("hexi")).put_guest_window(window, by="test", at=now)
    assert (await tenants(client))["hexi"]["guest_open"] is False
    key = redis_key(seeded.redis_prefix, "hexi", "guest_window")
    assert 0 < await seeded.redis.ttl(key) <= 30
    await seeded.redis.delete(key)
    assert (await tenants(client))["hexi"]["guest_open"] is True


async def test_a_time_without_an_offset_is_beijing_time(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    from xbt_shared.tenancy import Tenant

    admin = await login(client, "heping", "districtadmin1")
    put = await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={
            "enabled": True,
            "valid_from": "2030-01-01T08:00:00",
            "valid_until": "2030-01-02T00:00:00Z",
        },
    )
    assert put.status_code == 200, put.text
    # Answered with their offset, in Beijing time.
    assert put.json()["valid_from"] == "2030-01-01T08:00:00+08:00"
    assert put.json()["valid_until"] == "2030-01-02T08:00:00+08:00"
    got = (await client.get("/v1/guest-access", headers=bearer(admin))).json()
    assert (got["valid_from"], got["valid_until"]) == (
        put.json()["valid_from"],
        put.json()["valid_until"],
    )
    # Kept in UTC.
    doc = await seeded.tdb(Tenant("heping"))["settings"].find_one({"_id": "guest_access"})
    assert doc["valid_from"] == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert doc["valid_until"] == datetime(2030, 1, 2, 0, 0, tzinfo=UTC)

    # A window of Beijing wall-clock times around now is open now (read as UTC, its start
    # would lie eight hours ahead).
    here = datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)
    local = await client.put(
        "/v1/guest-access",
        headers=bearer(admin),
        json={
            "enabled": True,
            "valid_from": (here - timedelta(minutes=30)).isoformat(),
            "valid_until": (here + timedelta(hours=2)).isoformat(),
        },
    )
    assert local.status_code == 200 and local.json()["open_now"] is True, local.text
    assert (await tenants(client))["heping"]["guest_open"] is True

    for bad in ("1999-12-31T23:00:00", "2100-01-01T09:00:00", "not a time"):
        refused = await client.put(
            "/v1/guest-access",
            headers=bearer(admin),
            json={"enabled": True, "valid_until": bad},
        )
        assert refused.status_code == 422, bad
