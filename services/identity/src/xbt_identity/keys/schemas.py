"""The JWKS document (RFC 7517): the public halves of identity's signing keys."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Jwk(BaseModel):
    """A public key: EC P-256 members (crv, x, y) or RSA ones (n, e)."""

    model_config = ConfigDict(extra="allow")

    kty: Literal["EC", "RSA"]
    kid: str
    alg: Literal["ES256", "RS256"]
    use: Literal["sig"]
    crv: str | None = None
    x: str | None = None
    y: str | None = None
    n: str | None = None
    e: str | None = None


class Jwks(BaseModel):
    keys: list[Jwk]
