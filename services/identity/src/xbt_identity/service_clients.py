"""Service clients: other xbt services calling with tokens of their own (no I/O here).

The coming tasks service reads question items *with* their answer keys from the catalog,
which no pupil's token may do. It gets a token of its own from the token endpoint with the
OAuth 2.0 client credentials grant (RFC 6749 4.4):

    POST /v1/oidc/token   grant_type=client_credentials [scope=bank.keys]
                          client authenticated by HTTP Basic or client_secret_post
    -> {"access_token", "token_type": "Bearer", "expires_in", "scope"}

Decisions:
- Service clients are configured, not registered through the API (identity's settings): a
  deployment decides which services exist; no administrator can mint one at runtime.
- The token is an xbt access token (ES256, `aud` = "xbt", `typ` = "access", the access-token
  key), so every service and the gateway verify it with the JWKS they already hold. It says
  `sub` = `svc:<client>`, `tid` = city (services serve every district and name the one they
  act in, `X-Xbt-Tenant`), `roles` = ["service"] and the granted `scope` (RFC 9068: a
  space-separated string). Short-lived, no refresh token, no ID token: a service asks again.
- Scopes: a client gets only those it is configured for; asking for any other is
  `invalid_scope`, asking for none gets all of its own (RFC 6749 3.3 allows a default).
- Secrets are at least 32 random characters, stored as SHA-256 digests like platform
  clients' (see `hash_secret`), and compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xbt_shared.auth import SERVICE_ROLE, SERVICE_SCOPES, SERVICE_SUBJECT_PREFIX
from xbt_shared.tenancy import CITY

# The tasks service, configured by its secret alone (XBT_IDENTITY_TASKS_CLIENT_SECRET).
TASKS_CLIENT_ID = "tasks"
TASKS_CLIENT_SCOPES = ("bank.keys",)
# What a local suite uses when nothing is configured (DEV_TASKS_CLIENT_SECRET, shared with the
# tasks service's settings); identity refuses it in prod.
MIN_SECRET_CHARS = 32

# Lower-case names: never `plat_...`, the platform clients' ids, so the two can't collide.
CLIENT_ID = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def hash_secret(secret: str) -> str:
    """Client secrets are 256-bit random strings, so a SHA-256 digest is enough: a slow hash
    (argon2) defends low-entropy human passwords against guessing, which such a secret
    doesn't need, and it would put ~30 ms of CPU on every token request."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str | None) -> bool:
    if not stored:
        return False
    return hmac.compare_digest(hash_secret(secret), stored)


class ServiceClientConfig(BaseModel):
    """A service client as configured (XBT_IDENTITY_SERVICE_CLIENTS is a JSON object of
    these by client id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_hash: str = Field(description="sha256:<hex> of the secret (`hash_secret`)")
    scopes: tuple[str, ...] = Field(min_length=1)

    @field_validator("secret_hash")
    @classmethod
    def _is_a_digest(cls, value: str) -> str:
        if not _DIGEST.fullmatch(value):
            raise ValueError("must be 'sha256:' and 64 lower-case hex digits")
        return value

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(SERVICE_SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; known: {sorted(SERVICE_SCOPES)}")
        return value


@dataclass(frozen=True)
class ServiceClient:
    id: str
    secret_hash: str
    scopes: frozenset[str]


def service_clients(
    tasks_secret: str, configured: dict[str, ServiceClientConfig]
) -> dict[str, ServiceClient]:
    """The clients identity knows: the tasks client if it has a secret, then the configured
    ones (a configured `tasks` replaces the built-in one)."""
    clients: dict[str, ServiceClient] = {}
    if tasks_secret:
        clients[TASKS_CLIENT_ID] = ServiceClient(
            TASKS_CLIENT_ID, hash_secret(tasks_secret), frozenset(TASKS_CLIENT_SCOPES)
        )
    for client_id, config in configured.items():
        clients[client_id] = ServiceClient(client_id, config.secret_hash, frozenset(config.scopes))
    return clients


def granted_service_scopes(client: ServiceClient, requested: str | None) -> tuple[str, ...] | None:
    """The scopes to grant, in a stable order; None if any requested one is not the
    client's (`invalid_scope`). No scope asked for means all of the client's."""
    asked = set((requested or "").split())
    if not asked:
        return tuple(sorted(client.scopes))
    if not asked <= client.scopes:
        return None
    return tuple(sorted(asked))


def service_token_claims(client: ServiceClient, scopes: Iterable[str]) -> dict[str, Any]:
    """The claims of a service's access token (signed by `TokenIssuer.sign`, which adds
    iss, aud, iat, nbf, exp and jti)."""
    return {
        "sub": f"{SERVICE_SUBJECT_PREFIX}{client.id}",
        "tid": CITY,
        "roles": [SERVICE_ROLE],
        "scope": " ".join(scopes),
        "client_id": client.id,
        "typ": "access",
    }
