"""Service tokens: the client credentials grant on the token endpoint for xbt's services."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import jwt
import pytest

from xbt_identity.oidc.domain import hash_secret
from xbt_identity.settings import IdentitySettings
from xbt_shared.auth import TokenVerifier

from ...conftest import Identity, bearer, login
from .test_oidc import city_admin, register

ISSUER = "http://testserver/v1"
TOKEN = "/v1/oidc/token"
TASKS_SECRET = secrets.token_urlsafe(32)
CONTESTS_SECRET = secrets.token_urlsafe(32)


@pytest.fixture
def identity_settings(isolated_env: dict[str, Any]) -> IdentitySettings:
    return IdentitySettings(
        **isolated_env,
        issuer=ISSUER,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        tasks_client_secret=TASKS_SECRET,
        service_clients={
            "contests": {"secret_hash": hash_secret(CONTESTS_SECRET), "scopes": ["bank.keys"]}
        },
        service_token_ttl_seconds=120,
    )


async def ask(
    client: httpx.AsyncClient,
    *,
    basic: tuple[str, str] | None = None,
    **form: str,
) -> httpx.Response:
    data = {"grant_type": "client_credentials", **form}
    if basic is None:
        return await client.post(TOKEN, data=data)
    return await client.post(TOKEN, data=data, auth=basic)


async def verifier_from_jwks(client: httpx.AsyncClient) -> TokenVerifier:
    """Verifies as the gateway and every service do: identity's published keys, aud xbt."""
    jwks = (await client.get("/v1/.well-known/jwks.json")).json()
    verifier = TokenVerifier(jwks_url="http://unused.invalid/jwks", issuer=ISSUER, audience="xbt")
    verifier.set_keys(jwks)
    return verifier


async def test_a_service_gets_a_short_lived_token_with_basic_auth(
    client: httpx.AsyncClient, identity: Identity
) -> None:
    resp = await ask(client, basic=("tasks", TASKS_SECRET), scope="bank.keys")
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    # No refresh token, no ID token (RFC 6749 4.4.3): a service simply asks again.
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 120
    assert body["scope"] == "bank.keys"

    token = body["access_token"]
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "ES256", "kid": identity.keys.es256.kid, "typ": "JWT"}
    principal = await (await verifier_from_jwks(client)).verify(token)
    assert principal.user_id == "svc:tasks" and principal.tenant == "city"
    assert principal.roles == {"service"} and principal.scopes == {"bank.keys"}
    assert principal.is_service and principal.has_scope("bank.keys")
    assert principal.school is None and principal.classes == ()
    claims = principal.claims
    assert claims["aud"] == "xbt" and claims["iss"] == ISSUER and claims["typ"] == "access"
    assert claims["client_id"] == "tasks" and claims["exp"] - claims["iat"] == 120


async def test_client_secret_post_and_the_default_scope(
    client: httpx.AsyncClient, identity: Identity
) -> None:
    resp = await ask(client, client_id="tasks", client_secret=TASKS_SECRET)
    assert resp.status_code == 200, resp.text
    assert resp.json()["scope"] == "bank.keys"  # none asked for: all the client's scopes
    principal = await (await verifier_from_jwks(client)).verify(resp.json()["access_token"])
    assert principal.has_scope("bank.keys")
    # A client configured by its secret's digest works the same way.
    contests = await ask(client, basic=("contests", CONTESTS_SECRET), scope="bank.keys")
    assert contests.status_code == 200, contests.text
    other = await (await verifier_from_jwks(client)).verify(contests.json()["access_token"])
    assert other.user_id == "svc:contests"


@pytest.mark.parametrize(
    ("basic", "form"),
    [
        (("tasks", "wrong"), {}),
        (("tasks", CONTESTS_SECRET), {}),  # another client's secret
        (("tasks", TASKS_SECRET[:-1]), {}),
        (("contests", TASKS_SECRET), {}),
        (("nobody", TASKS_SECRET), {}),  # unknown client
        (None, {"client_id": "tasks", "client_secret": "wrong"}),
        (None, {"client_id": "tasks"}),  # a service client is never public
        (None, {"client_id": "nobody", "client_secret": TASKS_SECRET}),
        (None, {}),
    ],
)
async def test_bad_client_credentials_are_invalid_client(
    client: httpx.AsyncClient,
    identity: Identity,
    basic: tuple[str, str] | None,
    form: dict[str, str],
) -> None:
    resp = await ask(client, basic=basic, scope="bank.keys", **form)
    assert resp.status_code == 401, resp.text
    assert resp.json()["error"] == "invalid_client"
    assert "access_token" not in resp.text
    if basic is not None:
        assert resp.headers["www-authenticate"].startswith("Basic")


async def test_both_authentication_methods_at_once_are_refused(
    client: httpx.AsyncClient, identity: Identity
) -> None:
    resp = await ask(client, basic=("tasks", TASKS_SECRET), client_secret=TASKS_SECRET)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "scope", ["openid", "bank.keys openid", "profile", "bank.keys.write", "BANK.KEYS"]
)
async def test_a_scope_the_client_was_not_given_is_invalid_scope(
    client: httpx.AsyncClient, identity: Identity, scope: str
) -> None:
    resp = await ask(client, basic=("tasks", TASKS_SECRET), scope=scope)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"] == "invalid_scope"


async def test_other_grants_stay_refused(client: httpx.AsyncClient, seeded: Identity) -> None:
    tasks = ("tasks", TASKS_SECRET)
    for grant in ("password", "refresh_token", "urn:ietf:params:oauth:grant-type:jwt-bearer"):
        resp = await client.post(TOKEN, data={"grant_type": grant}, auth=tasks)
        assert resp.status_code == 400, grant
        assert resp.json()["error"] == "unsupported_grant_type"
    missing = await client.post(TOKEN, data={"scope": "bank.keys"}, auth=tasks)
    assert missing.json()["error"] == "invalid_request"
    repeated = await client.post(
        TOKEN, data={"grant_type": "client_credentials", "scope": ["bank.keys", "x"]}, auth=tasks
    )
    assert repeated.json()["error"] == "invalid_request"
    # A service can't redeem authorization codes ...
    code = await client.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://x.cn/"},
        auth=tasks,
    )
    assert code.status_code == 400 and code.json()["error"] == "unauthorized_client"
    # ... and a linked platform gets no service token.
    platform = await register(client, await city_admin(client))
    resp = await ask(client, basic=(platform["client_id"], platform["client_secret"]))
    assert resp.status_code == 400 and resp.json()["error"] == "unauthorized_client"


async def test_discovery_lists_the_grant(client: httpx.AsyncClient, identity: Identity) -> None:
    doc = (await client.get("/v1/.well-known/openid-configuration")).json()
    assert doc["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert "bank.keys" not in doc["scopes_supported"]  # services are configured, not discovered


async def test_a_service_token_is_no_person(client: httpx.AsyncClient, seeded: Identity) -> None:
    """Identity's own routes take it as a verified caller, but it passes no role check meant
    for people, in the city or in the district it names; and no account can be given the
    service role."""
    resp = await ask(client, basic=("tasks", TASKS_SECRET))
    service = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    session = await client.get("/v1/auth/session", headers=service)
    assert session.status_code == 200
    assert session.json()["roles"] == ["service"] and session.json()["tenant"] == "city"
    for tenant in (None, "heping"):
        headers = {**service, **({"X-Xbt-Tenant": tenant} if tenant else {})}
        users = await client.get("/v1/users", headers=headers)
        assert users.status_code == 403, users.text
        made = await client.post(
            "/v1/users",
            headers=headers,
            json={"username": "svcmade", "name": "某人", "roles": ["teacher"]},
        )
        assert made.status_code == 403, made.text
        assert (await client.get("/v1/oidc/clients", headers=headers)).status_code == 403
    # Not even a city administrator can make an account a service.
    admin = await city_admin(client)
    for roles in (["service"], ["teacher", "service"]):
        made = await client.post(
            "/v1/users",
            headers={**bearer(admin), "X-Xbt-Tenant": "heping"},
            json={"username": "fake-svc", "name": "服务", "roles": roles},
        )
        assert made.status_code == 422, made.text
        assert any(e["field"].startswith("body.roles") for e in made.json()["errors"])
    # A person's token still can't name another tenant.
    teacher = await login(client, "heping", "teacher1")
    other = await client.get("/v1/schools", headers={**bearer(teacher), "X-Xbt-Tenant": "hexi"})
    assert other.status_code == 403
