"""The keys that sign identity's tokens, and the JWKS that publishes them.

Two keys, each with its own `kid`:

- ES256 (EC P-256) signs xbt's own access tokens, the access tokens given to OIDC clients,
  and the ID tokens of clients registered for ES256. xbt's services accept only ES256.
- RS256 (RSA, at least 2048 bits) signs only ID tokens, for clients registered for RS256
  (the OIDC default, and often the only algorithm a platform's OIDC library accepts).

In production the keys come from secrets (XBT_IDENTITY_SIGNING_KEY_PEM and
XBT_IDENTITY_RSA_SIGNING_KEY_PEM). In development each is generated once and kept in the
platform database, so restarts and several replicas share them and tokens issued before a
restart stay valid.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pymongo.errors import DuplicateKeyError

from xbt_shared.mongo import Mongo

Alg = Literal["ES256", "RS256"]
ES256: Alg = "ES256"
RS256: Alg = "RS256"
MIN_RSA_BITS = 2048
# Dev RSA keys: 2048 bits is enough for signing through 2030 (NIST SP 800-57) and generates
# in a fraction of the time 3072 takes (every fresh test database makes one).
DEV_RSA_BITS = 2048

# RFC 7638: the required members of a public JWK, by key type, that its thumbprint covers.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


@dataclass(frozen=True)
class SigningKey:
    alg: Alg
    kid: str
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    public_jwk: dict[str, Any]

    @classmethod
    def from_pem(cls, pem: str, alg: Alg = ES256) -> SigningKey:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        jwk: dict[str, Any]
        if alg == ES256:
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError("the ES256 signing key must be an EC P-256 private key")
            jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        elif alg == RS256:
            if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_RSA_BITS:
                raise ValueError(
                    f"the RS256 signing key must be an RSA private key of {MIN_RSA_BITS}+ bits"
                )
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        else:
            raise ValueError(f"unsupported signing algorithm {alg!r}")
        kid = _thumbprint(jwk)
        jwk.update({"kid": kid, "alg": alg, "use": "sig"})
        return cls(alg=alg, kid=kid, private_key=key, public_jwk=jwk)

    def public_key(self) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}


@dataclass(frozen=True)
class KeySet:
    """Identity's signing keys: `es256` for access tokens (and ES256 ID tokens), `rs256` for
    RS256 ID tokens."""

    es256: SigningKey
    rs256: SigningKey

    def __post_init__(self) -> None:
        if self.es256.alg != ES256 or self.rs256.alg != RS256:
            raise ValueError("KeySet needs an ES256 key and an RS256 key")

    def for_alg(self, alg: str) -> SigningKey:
        if alg == ES256:
            return self.es256
        if alg == RS256:
            return self.rs256
        raise ValueError(f"no signing key for {alg!r}")

    def jwks(self) -> dict[str, Any]:
        # ES256 first: the key for access tokens, which xbt's verifiers pick by alg and kid.
        return {"keys": [self.es256.public_jwk, self.rs256.public_jwk]}


def generate_pem() -> str:
    """A new ES256 (EC P-256) private key, PKCS#8 PEM."""
    return _pem(ec.generate_private_key(ec.SECP256R1()))


def generate_rsa_pem(bits: int = DEV_RSA_BITS) -> str:
    """A new RS256 (RSA) private key, PKCS#8 PEM."""
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint, used as the key id."""
    members = {k: jwk[k] for k in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


# The dev keys' documents in identity_platform.signing_keys. The ES256 one keeps the id it had
# before there were two keys, so existing dev databases keep their key.
_STORED_IDS: dict[Alg, str] = {ES256: "current", RS256: "current-rs256"}
_GENERATORS: dict[Alg, Callable[[], str]] = {ES256: generate_pem, RS256: generate_rsa_pem}


async def load_signing_key(mongo: Mongo, configured_pem: str, alg: Alg = ES256) -> SigningKey:
    """The configured key, or else the one kept in the platform database (made if missing)."""
    if configured_pem:
        return SigningKey.from_pem(configured_pem, alg)
    keys = mongo.platform_db()["signing_keys"]
    key_id = _STORED_IDS[alg]
    row = await keys.find_one({"_id": key_id})
    if row is None:
        # If another replica created it first, use theirs.
        with contextlib.suppress(DuplicateKeyError):
            await keys.insert_one(
                {
                    "_id": key_id,
                    "alg": alg,
                    "pem": _GENERATORS[alg](),
                    "created_at": datetime.now(UTC),
                }
            )
        row = await keys.find_one({"_id": key_id})
    assert row is not None
    return SigningKey.from_pem(row["pem"], alg)


async def load_key_set(mongo: Mongo, *, es256_pem: str, rs256_pem: str) -> KeySet:
    return KeySet(
        es256=await load_signing_key(mongo, es256_pem, ES256),
        rs256=await load_signing_key(mongo, rs256_pem, RS256),
    )
