from __future__ import annotations

import httpx

from ...conftest import Identity, bearer, login


async def test_login_then_me(client: httpx.AsyncClient, seeded: Identity) -> None:
    tokens = await login(client, "heping", "student1")
    assert tokens["token_type"] == "Bearer"
    assert 0 < tokens["expires_in"] <= 900
    resp = await client.get("/v1/me", headers=bearer(tokens))
    assert resp.status_code == 200, resp.text
    me = resp.json()
    assert me["tenant"] == "heping"
    assert me["roles"] == ["student"]
    assert me["name"] == "李明"
    assert me["school_name"] == "和平区实验中学"
    assert "password_hash" not in me


async def test_wrong_password_is_401_problem(client: httpx.AsyncClient, seeded: Identity) -> None:
    resp = await client.post(
        "/v1/auth/login", json={"tenant": "heping", "username": "student1", "password": "nope"}
    )
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["type"] == "/problems/invalid-credentials"


async def test_session_reads_the_token_only(client: httpx.AsyncClient, seeded: Identity) -> None:
    tokens = await login(client, "heping", "teacher1")
    resp = await client.get("/v1/auth/session", headers=bearer(tokens))
    assert resp.status_code == 200
    body = resp.json()
    assert body["user_id"] == "u-hp-teacher1" and body["tenant"] == "heping"
    assert set(body["classes"]) == {"c-hp-8-1", "c-hp-8-2"}
    assert (await client.get("/v1/auth/session")).status_code == 401


async def test_the_district_may_be_named_in_chinese(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    for name in ("和平区", "和平", " heping "):
        tokens = await login(client, name, "student1")
        session = (await client.get("/v1/auth/session", headers=bearer(tokens))).json()
        assert session["tenant"] == "heping" and session["user_id"] == "u-hp-student1", name
    # Each name signs in to its own district only: hexi's student1 is another account.
    hexi = await login(client, "河西区", "student1")
    session = (await client.get("/v1/auth/session", headers=bearer(hexi))).json()
    assert session["tenant"] == "hexi" and session["user_id"] == "u-hx-student1"
    assert hexi["refresh_token"].startswith("hexi.")


async def test_an_unknown_district_name_answers_like_a_wrong_password(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    async def attempt(tenant: str, password: str) -> httpx.Response:
        return await client.post(
            "/v1/auth/login",
            json={"tenant": tenant, "username": "student1", "password": password},
        )

    wrong = await attempt("和平区", "not-the-password")
    assert wrong.status_code == 401
    for unknown in ("和平县", "atlantis", "区"):
        resp = await attempt(unknown, "xbt-demo-2020")
        assert resp.status_code == 401, unknown
        body = {k: v for k, v in resp.json().items() if k != "request_id"}
        assert body == {k: v for k, v in wrong.json().items() if k != "request_id"}


async def test_failures_count_alike_whichever_way_the_district_is_named(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    stranger = {"X-Forwarded-For": "203.0.113.70"}
    statuses = []
    for i, name in enumerate(["heping", "和平区", "和平", "heping", "和平区"]):
        resp = await client.post(
            "/v1/auth/login",
            json={"tenant": name, "username": "student1", "password": f"wrong-{i}"},
            headers=stranger,
        )
        statuses.append(resp.status_code)
    assert statuses == [401, 401, 401, 401, 423]
    # hexi's student1 is not affected by heping's failures.
    other = await client.post(
        "/v1/auth/login",
        json={"tenant": "河西区", "username": "student1", "password": "xbt-demo-2020"},
        headers=stranger,
    )
    assert other.status_code == 200
