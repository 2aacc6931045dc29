"""Loading the signing keys, and signing identity's access tokens with them.

In production the keys come from secrets (XBT_IDENTITY_SIGNING_KEY_PEM and
XBT_IDENTITY_RSA_SIGNING_KEY_PEM). In development each is generated once and kept in the
platform database, so restarts and several replicas share them and tokens issued before a
restart stay valid.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt

from xbt_identity.keys.domain import (
    ES256,
    RS256,
    Alg,
    KeySet,
    SigningKey,
    generate_pem,
    generate_rsa_pem,
)
from xbt_identity.keys.store import SigningKeyStore
from xbt_shared.mongo import Mongo

# The dev keys' ids. The ES256 one keeps the id it had before there were two keys, so
# existing dev databases keep their key.
_STORED_IDS: dict[Alg, str] = {ES256: "current", RS256: "current-rs256"}
_GENERATORS: dict[Alg, Callable[[], str]] = {ES256: generate_pem, RS256: generate_rsa_pem}


async def load_signing_key(mongo: Mongo, configured_pem: str, alg: Alg = ES256) -> SigningKey:
    """The configured key, or else the one kept in the platform database (made if missing)."""
    if configured_pem:
        return SigningKey.from_pem(configured_pem, alg)
    store = SigningKeyStore(mongo)
    key_id = _STORED_IDS[alg]
    pem = await store.pem(key_id)
    if pem is None:
        await store.add_unless_present(key_id, alg=alg, pem=_GENERATORS[alg]())
        pem = await store.pem(key_id)
    assert pem is not None
    return SigningKey.from_pem(pem, alg)


async def load_key_set(mongo: Mongo, *, es256_pem: str, rs256_pem: str) -> KeySet:
    return KeySet(
        es256=await load_signing_key(mongo, es256_pem, ES256),
        rs256=await load_signing_key(mongo, rs256_pem, RS256),
    )


class TokenIssuer:
    """Signs ES256 JWTs with the access-token key: xbt's access tokens, the access tokens
    given to OIDC clients and service clients' tokens (not ID tokens: see oidc)."""

    def __init__(self, *, key: SigningKey, issuer: str, audience: str, access_ttl: int) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl

    def sign(self, claims: dict[str, Any], *, ttl: int, audience: str | None = None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(
            payload, self.key.private_key, algorithm="ES256", headers={"kid": self.key.kid}
        )

    def access_token(self, claims: dict[str, Any]) -> str:
        return self.sign({**claims, "typ": "access"}, ttl=self.access_ttl)
