"""Tokens at the edge: verified locally, refused with 401 problems; tenants and guests."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_token(kid: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "http://127.0.0.1:8000/api/identity/v1",
        "aud": "xbt",
        "sub": "intruder",
        "tid": "heping",
        "roles": ["city_admin"],
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "typ": "access",
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}."


async def _assert_401(resp: httpx.Response) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "/problems/unauthorized"
    assert resp.headers["www-authenticate"].startswith("Bearer")


async def test_expired_token_is_401(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    resp = await gateway.get("/api/identity/v1/me", headers=auth(signing_key.token(expires_in=-60)))
    await _assert_401(resp)
    assert "expired" in resp.json()["detail"]


async def test_token_signed_by_another_key_is_401(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    forger = type(signing_key).generate()
    same_kid = forger.token(kid=signing_key.kid, roles=("city_admin",), tid="city")
    await _assert_401(await gateway.get("/api/identity/v1/me", headers=auth(same_kid)))
    unknown_kid = forger.token()
    await _assert_401(await gateway.get("/api/identity/v1/me", headers=auth(unknown_kid)))


async def test_alg_none_is_401(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = unsigned_token(signing_key.kid)
    await _assert_401(await gateway.get("/api/identity/v1/me", headers=auth(token)))


@pytest.mark.parametrize("value", ["Bearer garbage", "Bearer a.b.c", "Bearer ", "bearer x"])
async def test_garbage_tokens_are_401(gateway: httpx.AsyncClient, value: str) -> None:
    resp = await gateway.get("/api/identity/v1/me", headers={"Authorization": value})
    await _assert_401(resp)


async def test_token_for_another_audience_is_401(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(aud="someone-else")
    await _assert_401(await gateway.get("/api/identity/v1/me", headers=auth(token)))


async def test_other_auth_schemes_pass_through(gateway: httpx.AsyncClient) -> None:
    # OIDC clients authenticate to the token endpoint with HTTP Basic.
    resp = await gateway.post(
        "/api/identity/v1/oauth/token", headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="}
    )
    assert resp.status_code == 200
    assert resp.json()["headers"]["authorization"] == "Basic Y2xpZW50OnNlY3JldA=="


async def test_refresh_with_an_expired_access_token_still_reaches_identity(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    expired = signing_key.token(expires_in=-60)
    resp = await gateway.post(
        "/api/identity/v1/auth/refresh", json={"refresh_token": "r" * 20}, headers=auth(expired)
    )
    assert resp.status_code == 200
    assert "x-xbt-user" not in resp.json()["headers"]


async def test_other_tenant_header_is_403(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(tid="heping", roles=("district_admin",))
    resp = await gateway.get(
        "/api/catalog/v1/resources", headers={**auth(token), "X-Xbt-Tenant": "hexi"}
    )
    assert resp.status_code == 403
    assert resp.headers["content-type"] == PROBLEM
    assert resp.json()["type"] == "/problems/tenant-forbidden"


async def test_other_tenant_query_is_403(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(tid="heping")
    resp = await gateway.get("/api/catalog/v1/resources?tenant=hexi", headers=auth(token))
    assert resp.status_code == 403


async def test_own_tenant_named_is_fine(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(tid="heping")
    resp = await gateway.get(
        "/api/catalog/v1/resources?tenant=heping", headers={**auth(token), "X-Xbt-Tenant": "heping"}
    )
    assert resp.status_code == 200


async def test_city_admin_may_act_in_a_district(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(tid="city", roles=("city_admin",), sub="admin-1")
    resp = await gateway.get(
        "/api/catalog/v1/resources", headers={**auth(token), "X-Xbt-Tenant": "hexi"}
    )
    assert resp.status_code == 200
    headers = resp.json()["headers"]
    assert headers["x-xbt-tenant"] == "hexi"


async def test_a_city_service_token_may_name_a_district(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(tid="city", roles=("service",), sub="svc:tasks")
    resp = await gateway.get(
        "/api/catalog/v1/resources", headers={**auth(token), "X-Xbt-Tenant": "hexi"}
    )
    assert resp.status_code == 200
    assert resp.json()["headers"]["x-xbt-tenant"] == "hexi"


async def test_a_district_service_token_may_not_name_another_district(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(tid="heping", roles=("service",), sub="svc:tasks")
    resp = await gateway.get(
        "/api/catalog/v1/resources", headers={**auth(token), "X-Xbt-Tenant": "hexi"}
    )
    assert resp.status_code == 403
    assert resp.json()["type"] == "/problems/tenant-forbidden"
    own = await gateway.get(
        "/api/catalog/v1/resources", headers={**auth(token), "X-Xbt-Tenant": "heping"}
    )
    assert own.status_code == 200


async def test_guest_may_read_but_not_write(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(roles=("guest",), sub="guest-heping")
    ok = await gateway.get("/api/catalog/v1/resources", headers=auth(token))
    assert ok.status_code == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        resp = await gateway.request(method, "/api/catalog/v1/resources", headers=auth(token))
        assert resp.status_code == 403, method
        assert resp.json()["type"] == "/problems/guest-read-only"


async def test_password_change_pending_is_passed_on(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    token = signing_key.token(pwd_change=True)
    resp = await gateway.post("/api/identity/v1/auth/password", json={"x": 1}, headers=auth(token))
    assert resp.status_code == 200  # the service, not the gateway, answers 403 elsewhere


async def test_verified_tokens_are_cached(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token()
    assert (await gateway.get("/api/catalog/v1/x", headers=auth(token))).status_code == 200
    verifier = gateway.app.state.runtime.verifier  # type: ignore[attr-defined]
    assert verifier.cached(token) is not None


async def test_every_named_tenant_is_checked(gateway: httpx.AsyncClient, signing_key: Any) -> None:
    token = signing_key.token(tid="heping")
    headers = [
        ("Authorization", f"Bearer {token}"),
        ("X-Xbt-Tenant", "hexi"),
        ("X-Xbt-Tenant", "heping"),
    ]
    resp = await gateway.get("/api/catalog/v1/resources", headers=headers)
    assert resp.status_code == 403


async def test_two_authorization_headers_are_refused(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    headers = [
        ("Authorization", f"Bearer {signing_key.token(sub='a')}"),
        ("Authorization", f"Bearer {signing_key.token(sub='b')}"),
    ]
    resp = await gateway.get("/api/catalog/v1/resources", headers=headers)
    assert resp.status_code == 400


async def test_oidc_userinfo_tokens_are_left_to_identity(
    gateway: httpx.AsyncClient, signing_key: Any
) -> None:
    # An access token issued to a relying party: aud is its client id, not "xbt".
    token = signing_key.token(aud="client-123", client_id="client-123", typ="oidc_access")
    resp = await gateway.get("/api/identity/v1/oidc/userinfo", headers=auth(token))
    assert resp.status_code == 200
    assert resp.json()["headers"]["authorization"] == f"Bearer {token}"


# RFC 6750: a refused token is named in the challenge; a missing one is not.
INVALID_TOKEN = re.compile(
    r'Bearer realm="xbt", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"'
)


@pytest.mark.parametrize("kind", ["expired", "forged", "alg-none", "garbage", "audience"])
async def test_a_refused_token_is_named_invalid_token_in_the_challenge(
    gateway: httpx.AsyncClient, signing_key: Any, kind: str
) -> None:
    token = {
        "expired": lambda: signing_key.token(expires_in=-60),
        "forged": lambda: type(signing_key).generate().token(kid=signing_key.kid),
        "alg-none": lambda: unsigned_token(signing_key.kid),
        "garbage": lambda: "garbage",
        "audience": lambda: signing_key.token(aud="someone-else"),
    }[kind]()
    resp = await gateway.get("/api/identity/v1/me", headers=auth(token))
    await _assert_401(resp)
    assert INVALID_TOKEN.fullmatch(resp.headers["www-authenticate"]), resp.headers


async def test_no_token_gets_a_challenge_without_an_error(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/api/gateway/v1/whoami")
    await _assert_401(resp)
    assert resp.headers["www-authenticate"] == 'Bearer realm="xbt"'
