"""Failed logins: counted per account and client, so a stranger cannot lock a pupil out;
progressive delays for the account as a whole; an admin's unlock; the event for the school
admin; and `POST /auth/password` counted the same way."""

from __future__ import annotations

from typing import Any

import httpx

from xbt_identity.seed import DEMO_PASSWORD

from ...conftest import Identity, bearer, login

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"


def at(address: str) -> dict[str, str]:
    """The headers of a request the gateway forwards for a client at `address`."""
    return {"X-Forwarded-For": address}


async def attempt(
    client: httpx.AsyncClient,
    password: str,
    *,
    address: str = ATTACKER,
    username: str = "student1",
    tenant: str = "heping",
) -> httpx.Response:
    return await client.post(
        "/v1/auth/login",
        json={"tenant": tenant, "username": username, "password": password},
        headers=at(address),
    )


async def lockout_events(identity: Identity, tenant: str = "heping") -> list[dict[str, Any]]:
    from xbt_shared.tenancy import Tenant

    outbox = identity.tdb(Tenant(tenant))["outbox"]
    rows = await outbox.find({"event.type": "identity.account.locked"}).to_list()
    return [row["event"]["data"] for row in rows]


async def test_a_stranger_cannot_lock_the_owner_out(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    statuses = [(await attempt(client, f"wrong-{i}")).status_code for i in range(6)]
    assert statuses == [401, 401, 401, 401, 423, 423]
    # The attacker's client stays locked out, even with the right password...
    locked = await attempt(client, DEMO_PASSWORD)
    assert locked.status_code == 423
    assert int(locked.headers["retry-after"]) > 0
    # ...but the owner, from a client without failures, logs in.
    owner = await attempt(client, DEMO_PASSWORD, address=OWNER)
    assert owner.status_code == 200, owner.text


async def test_one_address_does_not_lock_a_school_out(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    # One address trying pupil after pupil locks itself out of each, not the pupils.
    for username in ("student1", "student2"):
        for i in range(5):
            await attempt(client, f"wrong-{i}", username=username)
    for username in ("student1", "student2"):
        ok = await attempt(client, DEMO_PASSWORD, address=OWNER, username=username)
        assert ok.status_code == 200, ok.text


async def test_failures_from_anywhere_slow_the_account_down(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    # A guesser spread over many addresses: each stays under the per-client lock, but the
    # account as a whole is answered with growing delays (429 + Retry-After).
    statuses = []
    for i in range(4):
        resp = await attempt(client, "wrong", address=f"10.0.0.{i}")
        statuses.append(resp.status_code)
    assert statuses == [401, 401, 401, 401]
    fifth = await attempt(client, "wrong", address="10.0.0.4")
    assert fifth.status_code == 429, fifth.text
    assert fifth.headers["content-type"].startswith("application/problem+json")
    assert fifth.json()["type"] == "/problems/login-throttled"
    first_delay = int(fifth.headers["retry-after"])
    assert first_delay >= 1
    # A client that failed before waits, whatever password it sends now.
    waiting = await attempt(client, DEMO_PASSWORD, address="10.0.0.0")
    assert waiting.status_code == 429
    for i in range(5, 9):
        later = await attempt(client, "wrong", address=f"10.0.0.{i}")
        assert later.status_code == 429
    assert int(later.headers["retry-after"]) > first_delay
    # The owner on a device that failed nothing is let in all the same.
    owner = await attempt(client, DEMO_PASSWORD, address=OWNER)
    assert owner.status_code == 200, owner.text


async def test_the_school_admin_sees_and_lifts_the_lock(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    for i in range(5):
        await attempt(client, f"wrong-{i}")
    (event,) = await lockout_events(seeded)
    assert event["user_id"] == "u-hp-student1"
    assert event["school_id"] == "hp-sy-zx"
    assert event["failed_attempts"] == 5
    assert event["via"] == "login"
    admin = await login(client, "heping", "schooladmin1")
    listed = await client.get("/v1/users", params={"role": "student"}, headers=bearer(admin))
    assert listed.status_code == 200, listed.text
    by_id = {u["id"]: u for u in listed.json()["items"]}
    state = by_id["u-hp-student1"]["login"]
    assert state["recent_failures"] == 5
    assert state["locked_until"] is not None and state["last_failure_at"] is not None
    assert by_id["u-hp-student2"]["login"] is None
    unlocked = await client.post("/v1/users/u-hp-student1/unlock", headers=bearer(admin))
    assert unlocked.status_code == 200, unlocked.text
    assert unlocked.json()["login"] is None
    assert (await attempt(client, DEMO_PASSWORD)).status_code == 200
    # One event per episode, not one per failed attempt.
    await attempt(client, "wrong-again")
    assert len(await lockout_events(seeded)) == 1


async def test_unlock_stays_within_the_admins_reach(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    hexi_admin = await login(client, "hexi", "districtadmin1")
    across = await client.post("/v1/users/u-hp-student1/unlock", headers=bearer(hexi_admin))
    assert across.status_code == 404
    assert across.headers["content-type"].startswith("application/problem+json")
    # hexi's own pupil of the same username is another account.
    own = await client.post("/v1/users/u-hx-student1/unlock", headers=bearer(hexi_admin))
    assert own.status_code == 200
    teacher = await login(client, "heping", "teacher1")
    refused = await client.post("/v1/users/u-hp-student1/unlock", headers=bearer(teacher))
    assert refused.status_code == 403
    school_admin = await login(client, "heping", "schooladmin1")
    district = await client.post(
        "/v1/users/u-hp-districtadmin1/unlock", headers=bearer(school_admin)
    )
    assert district.status_code == 404
    district_admin = await login(client, "heping", "districtadmin1")
    ok = await client.post("/v1/users/u-hp-student1/unlock", headers=bearer(district_admin))
    assert ok.status_code == 200
    city = await login(client, "city", "cityadmin1")
    named = await client.post(
        "/v1/users/u-hx-student1/unlock", headers={**bearer(city), "X-Xbt-Tenant": "hexi"}
    )
    assert named.status_code == 200


async def test_lockout_counters_are_per_district(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    for i in range(5):
        await attempt(client, f"wrong-{i}", tenant="heping")
    # hexi's student1 is another account: the same client still logs in there.
    assert (await attempt(client, DEMO_PASSWORD, tenant="hexi")).status_code == 200


# POST /auth/password -------------------------------------------------------------------------


async def change(
    client: httpx.AsyncClient, tokens: dict[str, Any], current: str, *, address: str = ATTACKER
) -> httpx.Response:
    return await client.post(
        "/v1/auth/password",
        headers={**bearer(tokens), **at(address)},
        json={"current_password": current, "new_password": "a-new-pass-2024"},
    )


async def test_password_change_guesses_end_the_session(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    stolen = await login(client, "heping", "teacher1")
    statuses = [(await change(client, stolen, f"guess-{i}")).status_code for i in range(8)]
    # Wrong guesses are 403 at first; after five the session is over.
    assert statuses[:4] == [403, 403, 403, 403]
    assert set(statuses[4:]) == {401}, statuses
    # Its refresh token is dead too, and the right password no longer helps this token.
    refresh = await client.post("/v1/auth/refresh", json={"refresh_token": stolen["refresh_token"]})
    assert refresh.status_code == 401
    assert (await change(client, stolen, DEMO_PASSWORD)).status_code == 401
    # The guesses counted as failed logins of the account (an event for the admin).
    (event,) = await lockout_events(seeded)
    assert event["user_id"] == "u-hp-teacher1" and event["via"] == "password_change"
    # The owner, elsewhere, still signs in and changes the password.
    owner = await client.post(
        "/v1/auth/login",
        json={"tenant": "heping", "username": "teacher1", "password": DEMO_PASSWORD},
        headers=at(OWNER),
    )
    assert owner.status_code == 200, owner.text
    changed = await change(client, owner.json(), DEMO_PASSWORD, address=OWNER)
    assert changed.status_code == 200, changed.text


async def test_password_change_guesses_count_as_login_failures(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    first = await login(client, "heping", "teacher1")
    second = await login(client, "heping", "teacher1")
    for i in range(3):
        assert (await change(client, first, f"guess-{i}")).status_code == 403
    # Two more from the same client in another session: the client is now locked out.
    assert (await change(client, second, "guess-3")).status_code == 403
    assert (await change(client, second, "guess-4")).status_code == 423
    login_now = await attempt(client, DEMO_PASSWORD, username="teacher1")
    assert login_now.status_code == 423
