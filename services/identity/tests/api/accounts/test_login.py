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
