"""OpenID Connect and service-client rules without I/O: PKCE, scopes, redirect URIs, the
client and request types, the errors OAuth speaks, and which xbt services are clients.

See `service.py` for the flows and the decisions behind them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from xbt_identity.keys.domain import ES256, RS256, Alg
from xbt_shared.auth import SERVICE_ROLE, SERVICE_SCOPES, SERVICE_SUBJECT_PREFIX
from xbt_shared.errors import Problem
from xbt_shared.tenancy import CITY

SCOPES = ("openid", "profile", "school")
CLAIMS_BY_SCOPE: dict[str, tuple[str, ...]] = {
    "openid": ("sub", "tid"),
    "profile": ("name", "preferred_username"),
    "school": ("tenant_name", "roles", "school", "school_name"),
}
ACCESS_TOKEN_TYPE = "oidc_access"
# ID token algorithms, the default (OIDC Dynamic Client Registration 2) first.
ID_TOKEN_ALGS: tuple[Alg, ...] = (RS256, ES256)
DEFAULT_ID_TOKEN_ALG: Alg = RS256
# Clients stored before RS256 existed have no id_token_signed_response_alg: they were
# registered (and their platforms configured) when every ID token was ES256, so they keep it.
LEGACY_ID_TOKEN_ALG: Alg = ES256
# Platforms use the code flow; xbt's service clients, client credentials (no refresh tokens).
GRANT_TYPES = ("authorization_code", "client_credentials")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_REDIRECT_URIS = 10

# RFC 7636: verifier = 43-128 unreserved characters; an S256 challenge = 43 base64url chars.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
MAX_STATE = 1024
MAX_NONCE = 256


# --------------------------------------------------------------------------------------------
# protocol rules without I/O
# --------------------------------------------------------------------------------------------


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_matches(verifier: str, challenge: str) -> bool:
    if not _VERIFIER.fullmatch(verifier):
        return False
    return hmac.compare_digest(s256(verifier), challenge)


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: base64url of the left half of SHA-256 of the access token.

    The hash is the one of the ID token's alg: SHA-256 for both RS256 and ES256."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def granted_scopes(requested: str | None) -> tuple[str, ...] | None:
    """The supported scopes among those requested, in a stable order; None without openid.

    OIDC Core 3.1.2.1: scope values that are not understood are ignored.
    """
    asked = set((requested or "").split())
    if "openid" not in asked:
        return None
    return tuple(s for s in SCOPES if s in asked)


def redirect_uri_problem(uri: str, *, allow_loopback_http: bool) -> str | None:
    """Why `uri` can't be registered as a redirect URI, or None if it can."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    if uri != uri.strip() or not host:
        return "must be an absolute URL with a host"
    if parts.fragment or "#" in uri:
        return "must not contain a fragment"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    if "*" in uri:
        return "wildcards are not allowed; register every URI exactly"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return None if allow_loopback_http else "http is not allowed in production"
    return "must use https (http only for 127.0.0.1/localhost in development)"


def homepage_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "must be an http(s) URL"
    return None


def with_params(uri: str, params: Mapping[str, str | None]) -> str:
    """`uri` with `params` added to its query (keeping the registered query, if any)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(query)))


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """RFC 6749 2.3.1: client_id and secret, form-encoded, then base64 in a Basic header."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "malformed Basic credentials", status=401) from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError("invalid_client", "malformed Basic credentials", status=401)
    return unquote_plus(client_id), unquote_plus(secret)


Params = Mapping[str, Sequence[str]]


def single(params: Params, name: str) -> str | None:
    """A parameter that may appear at most once (RFC 6749 3.1); empty counts as absent."""
    values = params.get(name) or []
    if len(values) > 1:
        raise Repeated(name)
    return values[0] if values and values[0] != "" else None


class Repeated(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(f"the parameter {name} is repeated")
        self.name = name


# --------------------------------------------------------------------------------------------
# errors and outcomes
# --------------------------------------------------------------------------------------------


class OAuthError(Exception):
    """An error in OAuth's own format (RFC 6749 5.2, RFC 6750 3.1), not problem+json."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class Refused(Exception):
    """An authorization error reported to the (already verified) redirect_uri."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class Client:
    """A linked resource platform registered as an OIDC client."""

    id: str
    name: str
    description: str
    homepage_url: str | None
    redirect_uris: tuple[str, ...]
    public: bool
    # The tenants whose users may sign in, as registered; None for every tenant.
    allowed_tenants: tuple[str, ...] | None
    guest_visible: bool
    secret_hash: str | None = None
    id_token_alg: Alg = DEFAULT_ID_TOKEN_ALG
    created_at: datetime | None = None
    # The city administrator who registered it, and their tenant.
    created_by: str | None = None
    created_in: str | None = None

    @property
    def client_type(self) -> Literal["public", "confidential"]:
        return "public" if self.public else "confidential"

    @property
    def auth_method(self) -> str:
        """How it authenticates at the token endpoint (PKCE alone for a public client)."""
        return "none" if self.public else "client_secret_basic"

    def admits(self, tenant: str, *, guest: bool) -> bool:
        if self.allowed_tenants is not None and tenant not in self.allowed_tenants:
            return False
        return self.guest_visible or not guest


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request: the redirect_uri is trusted from here on."""

    client: Client
    redirect_uri: str
    state: str | None
    scope: tuple[str, ...]
    nonce: str | None
    code_challenge: str | None
    prompt: str | None
    max_age: int | None

    def form_params(self) -> dict[str, str]:
        """The request as parameters, to carry through the login form."""
        params = {
            "response_type": "code",
            "client_id": self.client.id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scope),
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256" if self.code_challenge else None,
            "max_age": str(self.max_age) if self.max_age is not None else None,
        }
        return {k: v for k, v in params.items() if v is not None}


@dataclass(frozen=True)
class Redirect:
    location: str


class AuthorizationRedirect(Exception):
    """A request error after the redirect_uri was verified: send the user agent back."""

    def __init__(self, redirect: Redirect) -> None:
        super().__init__(redirect.location)
        self.redirect = redirect


@dataclass(frozen=True)
class ShowLogin:
    """Render the login form for `request`, with why the last attempt failed, if it did."""

    request: AuthorizationRequest
    problem: Problem | None = None
    tenant: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class RegisterClient:
    name: str
    redirect_uris: list[str]
    public: bool = False
    allowed_tenants: list[str] | None = None
    guest_visible: bool = False
    description: str = ""
    homepage_url: str | None = None
    id_token_signed_response_alg: str = DEFAULT_ID_TOKEN_ALG


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    user_id: str
    tenant: str
    scope: tuple[str, ...]
    nonce: str | None
    code_challenge: str | None
    auth_time: int

    def dumps(self) -> str:
        return json.dumps(
            {
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "user_id": self.user_id,
                "tenant": self.tenant,
                "scope": list(self.scope),
                "nonce": self.nonce,
                "code_challenge": self.code_challenge,
                "auth_time": self.auth_time,
            }
        )

    @classmethod
    def loads(cls, raw: str) -> CodeGrant:
        data = json.loads(raw)
        return cls(
            client_id=data["client_id"],
            redirect_uri=data["redirect_uri"],
            user_id=data["user_id"],
            tenant=data["tenant"],
            scope=tuple(data["scope"]),
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            auth_time=int(data["auth_time"]),
        )


def invalid_token(description: str) -> OAuthError:
    quoted = description.replace("\\", "").replace('"', "'")
    return OAuthError(
        "invalid_token",
        description,
        status=401,
        headers={
            "WWW-Authenticate": f'Bearer realm="xbt", error="invalid_token", '
            f'error_description="{quoted}"'
        },
    )


# service clients --------------------------------------------------------------------------------

# Service clients: other xbt services calling with tokens of their own (no I/O here).
#
# The coming tasks service reads question items *with* their answer keys from the catalog,
# which no pupil's token may do. It gets a token of its own from the token endpoint with the
# OAuth 2.0 client credentials grant (RFC 6749 4.4):
#
#     POST /v1/oidc/token   grant_type=client_credentials [scope=bank.keys]
#                           client authenticated by HTTP Basic or client_secret_post
#     -> {"access_token", "token_type": "Bearer", "expires_in", "scope"}
#
# Decisions:
# - Service clients are configured, not registered through the API (identity's settings): a
#   deployment decides which services exist; no administrator can mint one at runtime.
# - The token is an xbt access token (ES256, `aud` = "xbt", `typ` = "access", the access-token
#   key), so every service and the gateway verify it with the JWKS they already hold. It says
#   `sub` = `svc:<client>`, `tid` = city (services serve every district and name the one they
#   act in, `X-Xbt-Tenant`), `roles` = ["service"] and the granted `scope` (RFC 9068: a
#   space-separated string). Short-lived, no refresh token, no ID token: a service asks again.
# - Scopes: a client gets only those it is configured for; asking for any other is
#   `invalid_scope`, asking for none gets all of its own (RFC 6749 3.3 allows a default).
# - Secrets are at least 32 random characters, stored as SHA-256 digests like platform
#   clients' (see `hash_secret`), and compared in constant time.


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
