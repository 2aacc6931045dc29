"""The ES256 key that signs access and ID tokens, and the JWKS that publishes it.

In production the key comes from a secret (XBT_IDENTITY_SIGNING_KEY_PEM). In development it
is generated once and kept in the platform database, so restarts and several replicas share
it and tokens issued before a restart stay valid.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from pymongo.errors import DuplicateKeyError

from xbt_shared.mongo import Mongo


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey
    public_jwk: dict[str, Any]

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the signing key must be an EC P-256 private key (ES256)")
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        kid = _thumbprint(jwk)
        jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
        return cls(kid=kid, private_key=key, public_jwk=jwk)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}


def generate_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint, used as the key id."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


async def load_signing_key(mongo: Mongo, configured_pem: str) -> SigningKey:
    if configured_pem:
        return SigningKey.from_pem(configured_pem)
    keys = mongo.platform_db()["signing_keys"]
    row = await keys.find_one({"_id": "current"})
    if row is None:
        # If another replica created it first, use theirs.
        with contextlib.suppress(DuplicateKeyError):
            await keys.insert_one(
                {"_id": "current", "pem": generate_pem(), "created_at": datetime.now(UTC)}
            )
        row = await keys.find_one({"_id": "current"})
    assert row is not None
    return SigningKey.from_pem(row["pem"])
