"""Token verification: what passes and what is refused."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from xbt_shared.auth import Principal, TokenVerifier
from xbt_shared.errors import Unauthorized

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
