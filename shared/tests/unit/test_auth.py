"""Token verification: what passes and what is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm

from xbt_shared.auth import (
    PERSON_ROLES,
    ROLES,
    SERVICE_ROLE,
    CurrentTenant,
    Principal,
    TokenVerifier,
    require_roles,
)
from xbt_shared.errors import Unauthorized, install_problem_handlers

ISSUER = "http://issuer.test/v1"


def _key() -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": uuid.uuid4().hex, "alg": "ES256", "use": "sig"})
    return private, jwk


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": "xbt",
        "sub": "u1",
        "tid": "heping",
        "roles": ["student"],
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "typ": "access",
        **over,
    }


@pytest.fixture
def signer() -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any], TokenVerifier]:
    private, jwk = _key()
    verifier = TokenVerifier(jwks_url="http://unused.invalid/jwks", issuer=ISSUER, audience="xbt")
    verifier.set_keys({"keys": [jwk]})
    return private, jwk, verifier


def _sign(private: ec.EllipticCurvePrivateKey, kid: str, **claims: Any) -> str:
    return jwt.encode(_claims(**claims), private, algorithm="ES256", headers={"kid": kid})


async def test_valid_token_gives_a_principal(signer: Any) -> None:
    private, jwk, verifier = signer
    principal = await verifier.verify(_sign(private, jwk["kid"], classes=["c1"], school="s1"))
    assert isinstance(principal, Principal)
    assert principal.tenant == "heping" and principal.roles == {"student"}
    assert principal.classes == ("c1",) and principal.school == "s1"


async def test_expired_token_is_refused(signer: Any) -> None:
    private, jwk, verifier = signer
    with pytest.raises(Unauthorized, match="expired"):
        await verifier.verify(_sign(private, jwk["kid"], exp=int(time.time()) - 5))


async def test_forged_token_is_refused(signer: Any) -> None:
    _, jwk, verifier = signer
    other, _ = _key()
    with pytest.raises(Unauthorized):
        await verifier.verify(_sign(other, jwk["kid"]))  # right kid, wrong key


async def test_alg_none_is_refused(signer: Any) -> None:
    _, jwk, verifier = signer

    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = f"{b64({'alg': 'none', 'kid': jwk['kid']})}.{b64(_claims())}."
    with pytest.raises(Unauthorized, match="algorithm"):
        await verifier.verify(token)


async def test_unknown_tenant_wrong_audience_and_refresh_typ_are_refused(signer: Any) -> None:
    private, jwk, verifier = signer
    with pytest.raises(Unauthorized, match="tenant"):
        await verifier.verify(_sign(private, jwk["kid"], tid="atlantis"))
    with pytest.raises(Unauthorized):
        await verifier.verify(_sign(private, jwk["kid"], aud="someone-else"))
    with pytest.raises(Unauthorized, match="access"):
        await verifier.verify(_sign(private, jwk["kid"], typ="id"))


async def test_verified_tokens_are_cached_until_expiry(signer: Any) -> None:
    private, jwk, verifier = signer
    token = _sign(private, jwk["kid"])
    first = await verifier.verify(token)
    verifier.set_keys({"keys": []})  # a cached token needs no key
    assert await verifier.verify(token) is first
    short = _sign(private, jwk["kid"], exp=int(time.time()) + 1)
    verifier.set_keys({"keys": [jwk]})
    await verifier.verify(short)
    await asyncio.sleep(1.1)
    assert verifier.cached(short) is None


# --- service tokens ---------------------------------------------------------------------------


def _service_claims(**over: Any) -> dict[str, Any]:
    return {"sub": "svc:tasks", "tid": "city", "roles": ["service"], "scope": "bank.keys", **over}


async def test_a_service_token_gives_a_service_principal_with_its_scopes(signer: Any) -> None:
    private, jwk, verifier = signer
    principal = await verifier.verify(_sign(private, jwk["kid"], **_service_claims()))
    assert principal.is_service and principal.user_id == "svc:tasks"
    assert principal.has_scope("bank.keys") and not principal.has_scope("bank")
    assert not principal.is_city_admin and not principal.is_guest
    assert principal.may_name_tenant
    bare = await verifier.verify(_sign(private, jwk["kid"], **_service_claims(scope="")))
    assert bare.is_service and bare.scopes == frozenset()


@pytest.mark.parametrize(
    "claims",
    [
        _service_claims(roles=["service", "city_admin"]),  # a service is nobody's role
        _service_claims(roles=["service", "teacher"]),
        _service_claims(sub="u-teacher1"),  # a person's subject with the service role
        _service_claims(scope=["bank.keys"]),  # RFC 9068: a space-separated string
    ],
)
async def test_mixed_or_malformed_service_tokens_are_refused(
    signer: Any, claims: dict[str, Any]
) -> None:
    private, jwk, verifier = signer
    with pytest.raises(Unauthorized):
        await verifier.verify(_sign(private, jwk["kid"], **claims))


async def test_a_person_gets_no_scopes_from_a_scope_claim(signer: Any) -> None:
    private, jwk, verifier = signer
    principal = await verifier.verify(
        _sign(private, jwk["kid"], roles=["teacher"], scope="bank.keys")
    )
    assert not principal.is_service and not principal.has_scope("bank.keys")


def test_roles_known_to_tokens_and_to_accounts() -> None:
    assert set(ROLES) == {*PERSON_ROLES, SERVICE_ROLE}
    assert SERVICE_ROLE not in PERSON_ROLES


@pytest.fixture
async def guarded(signer: Any) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    """An app with a route that reports the acting tenant and one for teachers only."""
    private, jwk, verifier = signer
    app = FastAPI()
    install_problem_handlers(app)
    app.state.verifier = verifier

    @app.get("/tenant")
    async def tenant(acting: CurrentTenant) -> dict[str, str]:
        return {"tenant": acting.id}

    @app.get("/teachers", dependencies=[require_roles("teacher", "city_admin")])
    async def teachers() -> dict[str, bool]:
        return {"ok": True}

    def headers(tenant_named: str | None = None, **claims: Any) -> dict[str, str]:
        out = {"Authorization": f"Bearer {_sign(private, jwk['kid'], **claims)}"}
        if tenant_named:
            out["X-Xbt-Tenant"] = tenant_named
        return out

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, headers


async def test_a_city_service_acts_in_the_tenant_it_names(guarded: Any) -> None:
    client, headers = guarded
    service = _service_claims()
    alone = await client.get("/tenant", headers=headers(**service))
    assert alone.json() == {"tenant": "city"}
    named = await client.get("/tenant", headers=headers("hexi", **service))
    assert named.status_code == 200 and named.json() == {"tenant": "hexi"}
    unknown = await client.get("/tenant", headers=headers("atlantis", **service))
    assert unknown.status_code == 403
    two = {**headers(**service)}
    resp = await client.get(
        "/tenant", headers=[*two.items(), ("X-Xbt-Tenant", "hexi"), ("X-Xbt-Tenant", "heping")]
    )
    assert resp.status_code == 403


async def test_a_district_service_token_or_a_person_names_no_other_tenant(guarded: Any) -> None:
    client, headers = guarded
    district_service = _service_claims(tid="heping")
    resp = await client.get("/tenant", headers=headers("hexi", **district_service))
    assert resp.status_code == 403
    teacher = {"roles": ["teacher"], "tid": "heping"}
    assert (await client.get("/tenant", headers=headers("hexi", **teacher))).status_code == 403
    district_admin = {"roles": ["district_admin"], "tid": "heping"}
    resp = await client.get("/tenant", headers=headers("hexi", **district_admin))
    assert resp.status_code == 403
    city_admin = {"roles": ["city_admin"], "tid": "city"}
    resp = await client.get("/tenant", headers=headers("hexi", **city_admin))
    assert resp.json() == {"tenant": "hexi"}


async def test_a_service_passes_no_role_check_meant_for_people(guarded: Any) -> None:
    client, headers = guarded
    for tenant_named in (None, "heping"):
        resp = await client.get("/teachers", headers=headers(tenant_named, **_service_claims()))
        assert resp.status_code == 403, resp.text
    teacher = await client.get("/teachers", headers=headers(roles=["teacher"]))
    assert teacher.status_code == 200
