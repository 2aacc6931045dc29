"""Local JWT verification with cached JWKS, and role/tenant guards for routes.

Access tokens are ES256 JWTs issued by identity. Services and the gateway verify them
locally: the key set is fetched once and refetched only for an unknown `kid`; a verified
token is cached until it expires (a signature check costs ~150 µs, a dict lookup nothing).

Besides people's tokens, identity issues *service tokens* to other xbt services (OAuth 2.0
client credentials): `sub` = `svc:<client>`, `tid` = city, the role `service` and nothing
else, and a `scope` claim. A service holds no person's role, so `require_roles` checks meant
for people never let it through unless they list `service`; what it may do beyond reading is
decided by its scopes (`Principal.has_scope`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

import httpx
import jwt
from fastapi import Depends, Request
from jwt import PyJWK

from xbt_shared.context import tenant_var, user_var
from xbt_shared.errors import Forbidden, Unauthorized
from xbt_shared.tenancy import CITY, Tenant, is_tenant

log = logging.getLogger("xbt.auth")

# RFC 6750 §3: the challenge of a 401. A request without a token gets the realm alone; a
# token given and refused adds `error="invalid_token"`, so a client knows to refresh or log
# in again rather than retry. The realm is the one identity's OIDC answers use.
REALM = "xbt"
# error_description may hold only these characters (RFC 6750 §3).
_NOT_IN_DESCRIPTION = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


def bearer_challenge(error: str | None = None, description: str | None = None) -> str:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
        if description:
            challenge += f', error_description="{_NOT_IN_DESCRIPTION.sub(" ", description)}"'
    return challenge


class InvalidToken(Unauthorized):
    """A bearer token was given and is refused (malformed, forged, expired, not ours)."""

    def __init__(self, detail: str, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": bearer_challenge("invalid_token", detail)})
        super().__init__(detail, **kw)


ALLOWED_ALGORITHMS = ["ES256"]
TENANT_OVERRIDE_HEADER = "x-xbt-tenant"

# The roles an account can hold.
PersonRole = Literal[
    "student",
    "teacher",
    "school_admin",
    "district_admin",
    "city_admin",
    "researcher",
    "support_agent",
    "guest",
]
PERSON_ROLES: tuple[str, ...] = get_args(PersonRole)
# Another xbt service calling with its own token. Never an account's role: identity's admin
# routes take `PersonRole`, and a token naming it with any other role is refused.
SERVICE_ROLE = "service"
SERVICE_SUBJECT_PREFIX = "svc:"
Role = Literal[PersonRole, "service"]
ROLES: tuple[str, ...] = get_args(Role)

# The scopes a service token can carry, and what each opens. Identity grants only these (to
# the service clients configured for them); the services honouring one check it by name.
SERVICE_SCOPES: dict[str, str] = {
    "bank.keys": "catalog: question items with their answer keys and explanations",
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The verified caller: who, in which tenant, with which roles."""

    user_id: str
    tenant: str
    roles: frozenset[str]
    school: str | None = None
    classes: tuple[str, ...] = ()
    name: str | None = None
    must_change_password: bool = False
    expires_at: int = 0
    token_id: str | None = None
    # Service tokens only: what the service was granted (the `scope` claim).
    scopes: frozenset[str] = frozenset()
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_city_admin(self) -> bool:
        return "city_admin" in self.roles and self.tenant == CITY

    @property
    def is_guest(self) -> bool:
        return "guest" in self.roles

    @property
    def is_service(self) -> bool:
        return SERVICE_ROLE in self.roles

    @property
    def may_name_tenant(self) -> bool:
        """Whether the caller may act in a tenant other than its own: city administrators,
        and services with a city token (a service serves every district, like the city)."""
        return self.is_city_admin or (self.is_service and self.tenant == CITY)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        tenant = claims.get("tid")
        if not isinstance(tenant, str) or not is_tenant(tenant):
            raise InvalidToken("token names no known tenant")
        roles = claims.get("roles") or []
        if not isinstance(roles, list) or not all(r in ROLES for r in roles):
            raise InvalidToken("token carries unknown roles")
        subject = str(claims["sub"])
        service = SERVICE_ROLE in roles
        # Identity never mixes the two; a token that does is refused rather than half-trusted.
        person_in_it = set(roles) != {SERVICE_ROLE} or not subject.startswith(
            SERVICE_SUBJECT_PREFIX
        )
        if service and person_in_it:
            raise InvalidToken("a service token carries the service role alone")
        scope = claims.get("scope")
        if service and scope is not None and not isinstance(scope, str):
            raise InvalidToken("the token's scope is not a string")
        return cls(
            user_id=subject,
            tenant=tenant,
            roles=frozenset(roles),
            school=claims.get("school"),
            classes=tuple(claims.get("classes") or ()),
            name=claims.get("name"),
            must_change_password=bool(claims.get("pwd_change", False)),
            expires_at=int(claims.get("exp", 0)),
            token_id=claims.get("jti"),
            scopes=frozenset(scope.split()) if service and scope else frozenset(),
            claims=claims,
        )


def may_act_in(principal: Principal, tenant: str) -> bool:
    """The one rule, at the gateway and in every service, for the tenant a request acts in:
    the caller's own, or any tenant for those who may name another (`may_name_tenant`)."""
    return tenant == principal.tenant or principal.may_name_tenant


class TokenVerifier:
    """Verifies access tokens against the issuer's JWKS, caching keys and results."""

    def __init__(
        self,
        *,
        jwks_url: str,
        issuer: str,
        audience: str,
        cache_size: int = 100_000,
        min_refetch_interval: float = 10.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.audience = audience
        self._keys: dict[str, PyJWK] = {}
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size
        self._min_refetch = min_refetch_interval
        self._last_fetch = 0.0
        self._lock = asyncio.Lock()
        self._http = http

    def set_keys(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, PyJWK] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kid") and jwk.get("alg", "ES256") in ALLOWED_ALGORITHMS:
                keys[jwk["kid"]] = PyJWK(jwk)
        self._keys = keys

    async def refresh_keys(self, *, force: bool = False) -> None:
        async with self._lock:
            now = time.monotonic()
            if not force and now - self._last_fetch < self._min_refetch:
                return
            self._last_fetch = now
            client = self._http or httpx.AsyncClient(timeout=5.0)
            try:
                resp = await client.get(self.jwks_url)
                resp.raise_for_status()
                self.set_keys(resp.json())
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("could not fetch JWKS from %s: %s", self.jwks_url, exc)
            finally:
                if self._http is None:
                    await client.aclose()

    def cached(self, token: str) -> Principal | None:
        principal = self._cache.get(token)
        if principal is None:
            return None
        if principal.expires_at <= time.time():
            self._cache.pop(token, None)
            return None
        return principal

    async def verify(self, token: str) -> Principal:
        principal = self.cached(token)
        if principal is not None:
            return principal
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidToken("token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("token has no key id")
        if kid not in self._keys:
            await self.refresh_keys()
            if kid not in self._keys:
                raise InvalidToken("token signed by an unknown key")
        principal = self.verify_with_key(token, self._keys[kid])
        self._remember(token, principal)
        return principal

    def verify_with_key(self, token: str, key: PyJWK) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "tid", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc
        if claims.get("typ") not in (None, "access"):
            raise InvalidToken("not an access token")
        return Principal.from_claims(claims)

    def _remember(self, token: str, principal: Principal) -> None:
        self._cache[token] = principal
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def forget(self, token: str) -> None:
        self._cache.pop(token, None)


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("missing bearer token")
    return token.strip()


async def authenticated(request: Request) -> Principal:
    """Any verified caller, including one who must still change the password."""
    verifier: TokenVerifier = request.app.state.verifier
    principal = await verifier.verify(bearer_token(request))
    user_var.set(principal.user_id)
    tenant_var.set(principal.tenant)
    return principal


async def current_user(
    principal: Annotated[Principal, Depends(authenticated)],
) -> Principal:
    """A verified caller who may use the platform (no pending forced password change)."""
    if principal.must_change_password:
        raise Forbidden(
            "the one-time password must be replaced first",
            slug="password-change-required",
            title="Password change required",
        )
    return principal


def tenant_of_request(request: Request, principal: Principal) -> Tenant:
    """The tenant a request acts in: the caller's, or the one it names (`X-Xbt-Tenant`) if
    `may_act_in` lets it. The tenant selects the databases; what the caller may do there is
    still decided by its roles (and a service's scopes)."""
    values = request.headers.getlist(TENANT_OVERRIDE_HEADER)
    if len(set(values)) > 1:
        raise Forbidden("name one tenant only")
    named = values[0] if values else None
    if named and named != principal.tenant:
        if not may_act_in(principal, named):
            raise Forbidden("only a city administrator may act in another tenant")
        if not is_tenant(named):
            raise Forbidden(f"unknown tenant {named!r}")
        tenant_var.set(named)
        return Tenant(named)
    return Tenant(principal.tenant)


async def acting_tenant(
    request: Request, principal: Annotated[Principal, Depends(current_user)]
) -> Tenant:
    """The tenant of a request by a caller who may use the platform."""
    return tenant_of_request(request, principal)


AnyUser = Annotated[Principal, Depends(authenticated)]
CurrentUser = Annotated[Principal, Depends(current_user)]
CurrentTenant = Annotated[Tenant, Depends(acting_tenant)]


def require_roles(*roles: str) -> Any:
    """Dependency: the caller must hold one of `roles`."""

    async def guard(principal: CurrentUser) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"requires one of the roles: {', '.join(roles)}")
        return principal

    return Depends(guard)


class GuestReadOnly(Forbidden):
    """A district's shared guest account tried to change something."""

    status, slug, title = 403, "guest-read-only", "Forbidden"

    def __init__(self, detail: str = "the guest account can only read", **kw: Any) -> None:
        super().__init__(detail, **kw)


def forbid_guest_writes(principal: Principal) -> None:
    if principal.is_guest:
        raise GuestReadOnly()
