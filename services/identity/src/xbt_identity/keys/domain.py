"""The keys that sign identity's tokens and the JWKS that publishes them, without I/O.

Two keys, each with its own `kid`:

- ES256 (EC P-256) signs xbt's own access tokens, the access tokens given to OIDC clients,
  and the ID tokens of clients registered for ES256. xbt's services accept only ES256.
- RS256 (RSA, at least 2048 bits) signs only ID tokens, for clients registered for RS256
  (the OIDC default, and often the only algorithm a platform's OIDC library accepts).

Where the keys come from (secrets in production, the platform database in development) is
`service.py`'s business.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

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
