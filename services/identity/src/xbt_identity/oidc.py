"""OpenID Connect provider: one city login signs a user into every linked resource platform.

一次登录访问所有资源. Linked platforms are OIDC clients registered by a city administrator
(no dynamic registration). Their one flow is the authorization code flow with PKCE (S256):

    authorize  user identified by their xbt access token (the portal) or a login form
               -> one-time code in Redis (60 s), bound to client, redirect_uri, user,
                  scope, nonce and code challenge -> 302 to the registered redirect_uri
    token      client authenticated (basic/post, or none + PKCE for public clients)
               -> code redeemed once (GETDEL) -> access token (ES256) + ID token
                  (RS256 or ES256, as the client was registered)
    userinfo   the access token from the token endpoint -> the user's claims by scope

The token endpoint also serves xbt's own services, configured as service clients, with the
client credentials grant: see `service_clients` (they are not platforms, and platforms can't
use that grant).

Decisions:
- Access tokens given to a platform have the client as audience (`aud` = client_id) and
  `typ` = "oidc_access". xbt's own services only accept `aud` = "xbt" with `typ` "access",
  so a token handed to an outside platform can't be replayed against xbt's APIs as the user;
  its only use here is the userinfo endpoint.
- Subject type "public": `sub` is the account's id (random, never reassigned, no student
  number or name in it), the same id xbt's events carry. Platforms are vetted by the city
  rather than self-registered; what they learn is limited by scope instead
  (openid: sub, tid; profile: names; school: district, roles, school).
- Client secrets are 256-bit random strings, so they are stored as SHA-256 digests: a slow
  hash (argon2) defends low-entropy human passwords against guessing, which a 256-bit
  secret doesn't need, and it would put ~30 ms of CPU on every token request.
- ID tokens are signed with the client's `id_token_signed_response_alg` (OIDC Dynamic Client
  Registration 2): RS256 by default, since Discovery requires it and many platforms' OIDC
  libraries accept nothing else; ES256 on request. Access tokens stay ES256, the only
  algorithm xbt's verifiers accept, so an RS256 ID token is never an xbt access token.
- No refresh tokens: a platform that needs a new session runs the (silent, for a user
  signed into the portal) authorization flow again, so no long-lived credential for a
  pupil's account sits at a third party.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt

from xbt_identity.keys import ES256, RS256, Alg
from xbt_identity.service import Identity
from xbt_identity.service_clients import (
    ServiceClient,
    granted_service_scopes,
    hash_secret,
    secret_matches,
    service_token_claims,
)
from xbt_shared.auth import Principal
from xbt_shared.errors import BadRequest, Forbidden, NotFound, Problem, Unauthorized, Unprocessable
from xbt_shared.mongo import Doc
from xbt_shared.tenancy import Tenant, is_tenant

CLIENTS = "oidc_clients"

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
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
_MAX_STATE = 1024
_MAX_NONCE = 256


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
        raise _Repeated(name)
    return values[0] if values and values[0] != "" else None


class _Repeated(Exception):
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


class _Refused(Exception):
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
    allowed_tenants: frozenset[str] | None
    guest_visible: bool
    secret_hash: str | None = None
    id_token_alg: Alg = DEFAULT_ID_TOKEN_ALG

    @classmethod
    def from_doc(cls, doc: Doc) -> Client:
        tenants = doc.get("allowed_tenants")
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description", ""),
            homepage_url=doc.get("homepage_url"),
            redirect_uris=tuple(doc.get("redirect_uris", ())),
            public=doc.get("client_type") == "public",
            allowed_tenants=frozenset(tenants) if tenants is not None else None,
            guest_visible=bool(doc.get("guest_visible")),
            secret_hash=doc.get("secret_hash"),
            id_token_alg=stored_id_token_alg(doc),
        )

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
class _CodeGrant:
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
    def loads(cls, raw: str) -> _CodeGrant:
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


# --------------------------------------------------------------------------------------------
# use cases
# --------------------------------------------------------------------------------------------


class OidcProvider:
    """The OIDC use cases, on top of identity's accounts, keys and Redis."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self.settings = identity.settings
        self.issuer = identity.settings.issuer
        self.base = self.issuer.rstrip("/")
        self.clients = identity.mongo.platform_db()[CLIENTS]

    # discovery ---------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        claims = [c for scope in SCOPES for c in CLAIMS_BY_SCOPE[scope]]
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.base}/oidc/authorize",
            "token_endpoint": f"{self.base}/oidc/token",
            "userinfo_endpoint": f"{self.base}/oidc/userinfo",
            "jwks_uri": f"{self.base}/.well-known/jwks.json",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": list(ID_TOKEN_ALGS),
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": [
                *claims,
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "at_hash",
                "azp",
            ],
            "prompt_values_supported": ["none", "login"],
            "authorization_response_iss_parameter_supported": True,
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "ui_locales_supported": ["zh-CN"],
        }

    # client registration (city administrators) -------------------------------------------

    async def register_client(
        self, actor: Principal, cmd: RegisterClient
    ) -> tuple[Doc, str | None]:
        _require_city_admin(actor)
        allow_http = self.settings.environment != "prod"
        errors = [
            {"field": f"body.redirect_uris.{i}", "message": problem}
            for i, uri in enumerate(cmd.redirect_uris)
            if (problem := redirect_uri_problem(uri, allow_loopback_http=allow_http))
        ]
        if not cmd.redirect_uris or len(cmd.redirect_uris) > MAX_REDIRECT_URIS:
            errors.append(
                {"field": "body.redirect_uris", "message": f"between 1 and {MAX_REDIRECT_URIS}"}
            )
        if cmd.homepage_url and (problem := homepage_problem(cmd.homepage_url)):
            errors.append({"field": "body.homepage_url", "message": problem})
        if cmd.id_token_signed_response_alg not in ID_TOKEN_ALGS:
            errors.append(
                {
                    "field": "body.id_token_signed_response_alg",
                    "message": f"one of {', '.join(ID_TOKEN_ALGS)}",
                }
            )
        tenants = None if cmd.allowed_tenants is None else list(dict.fromkeys(cmd.allowed_tenants))
        if tenants is not None:
            if not tenants:
                errors.append(
                    {"field": "body.allowed_tenants", "message": "omit it (null) to allow all"}
                )
            errors += [
                {"field": "body.allowed_tenants", "message": f"unknown tenant {t!r}"}
                for t in tenants
                if not is_tenant(t)
            ]
        if errors:
            raise Unprocessable(
                "the client registration is not acceptable: "
                + "; ".join(e["message"] for e in errors),
                errors=errors,
            )
        secret = None if cmd.public else secrets.token_urlsafe(32)
        doc: Doc = {
            "_id": f"plat_{secrets.token_hex(12)}",
            "name": cmd.name.strip(),
            "description": cmd.description.strip(),
            "homepage_url": cmd.homepage_url,
            "redirect_uris": list(dict.fromkeys(cmd.redirect_uris)),
            "client_type": "public" if cmd.public else "confidential",
            "allowed_tenants": tenants,
            "guest_visible": cmd.guest_visible,
            "id_token_signed_response_alg": cmd.id_token_signed_response_alg,
            "secret_hash": hash_secret(secret) if secret else None,
            "created_at": datetime.now(UTC),
            "created_by": {"user_id": actor.user_id, "tenant": actor.tenant},
        }
        await self.clients.insert_one(doc)
        return _client_view(doc), secret

    async def list_clients(self, actor: Principal) -> list[Doc]:
        _require_city_admin(actor)
        cursor = self.clients.find({}, {"secret_hash": 0}).sort("created_at", 1)
        return [_client_view(d) async for d in cursor]

    async def delete_client(self, actor: Principal, client_id: str) -> None:
        """Unregister a platform: its codes and access tokens stop working at once."""
        _require_city_admin(actor)
        result = await self.clients.delete_one({"_id": client_id})
        if result.deleted_count == 0:
            raise NotFound("no such client")

    async def platforms_for(self, principal: Principal) -> list[Doc]:
        """The linked platforms the caller may sign in to, for the portal's list."""
        cursor = self.clients.find({}, {"secret_hash": 0}).sort("name", 1)
        return [
            {
                "client_id": client.id,
                "name": client.name,
                "description": client.description,
                "homepage_url": client.homepage_url,
            }
            async for doc in cursor
            if (client := Client.from_doc(doc)).admits(principal.tenant, guest=principal.is_guest)
        ]

    async def client(self, client_id: str) -> Client | None:
        doc = await self.clients.find_one({"_id": client_id})
        return Client.from_doc(doc) if doc else None

    # authorization endpoint ----------------------------------------------------------------

    async def authorize(self, params: Params, principal: Principal | None) -> Redirect | ShowLogin:
        """An authorization request from a caller identified by their xbt access token, or
        from a browser without one (which gets the login form)."""
        try:
            request = await self.validate_request(params)
        except AuthorizationRedirect as exc:
            return exc.redirect
        try:
            if request.prompt == "login" or principal is None:
                if request.prompt == "none":
                    raise _Refused("login_required", "the user is not signed in")
                return ShowLogin(request)
            user = await self._user(Tenant(principal.tenant), principal.user_id)
            auth_time = _auth_time(user, principal)
            if request.max_age is not None and time.time() - auth_time > request.max_age:
                if request.prompt == "none":
                    raise _Refused("login_required", "the sign-in is older than max_age")
                return ShowLogin(request)
            await self._check_user(request.client, Tenant(principal.tenant), user)
            return await self._issue_code(request, principal.tenant, user, auth_time=auth_time)
        except _Refused as refused:
            return self._error_redirect(request, refused.error, refused.description)

    async def authorize_with_password(
        self, params: Params, *, tenant: str | None, username: str | None, password: str | None
    ) -> Redirect | ShowLogin:
        """The login form's submission: check the credentials (with lockout), then grant."""
        try:
            request = await self.validate_request(params)
        except AuthorizationRedirect as exc:
            return exc.redirect
        tenant, username, password = tenant or "", (username or "").strip(), password or ""
        form = {"tenant": tenant or None, "username": username or None}
        if not (tenant and username and password) or len(username) > 64 or len(password) > 256:
            refused = Unauthorized("wrong tenant, username or password", slug="invalid-credentials")
            return ShowLogin(request, refused, **form)
        try:
            pair = await self.identity.login(tenant, username, password)
        except Problem as problem:
            return ShowLogin(request, problem, **form)
        # The form signs in to the platform only; no xbt session stays behind.
        await self.identity.logout(pair.refresh_token)
        store = self.identity.store(Tenant(tenant))
        user = await store.user_by_username(username)
        if user is None:  # deleted between the two calls
            return ShowLogin(request, Unauthorized("the account no longer exists"), **form)
        if user.get("must_change_password"):
            pending = Forbidden(
                "the one-time password must be replaced first", slug="password-change-required"
            )
            return ShowLogin(request, pending, **form)
        try:
            await self._check_user(request.client, Tenant(tenant), user)
            return await self._issue_code(request, tenant, user, auth_time=int(time.time()))
        except _Refused as refused:
            return self._error_redirect(request, refused.error, refused.description)

    async def validate_request(self, params: Params) -> AuthorizationRequest:
        """Check the client and redirect_uri first: until both are trusted, errors are a 400
        problem and nothing is redirected (RFC 6749 4.1.2.1); after, they go to the client."""
        try:
            client_id = single(params, "client_id")
            redirect_uri = single(params, "redirect_uri")
        except _Repeated as exc:
            raise BadRequest(str(exc), slug="invalid-authorization-request") from exc
        if not client_id:
            raise BadRequest("client_id is required", slug="invalid-authorization-request")
        client = await self.client(client_id)
        if client is None:
            raise BadRequest("unknown client_id", slug="invalid-authorization-request")
        if not redirect_uri:
            raise BadRequest("redirect_uri is required", slug="invalid-authorization-request")
        if redirect_uri not in client.redirect_uris:
            raise BadRequest(
                "redirect_uri is not registered for this client",
                slug="invalid-authorization-request",
            )
        state: str | None = None
        try:
            state = single(params, "state")
            if state is not None and len(state) > _MAX_STATE:
                raise _Refused("invalid_request", "state is too long")
            return self._validate_rest(params, client, redirect_uri, state)
        except _Repeated as exc:
            raise AuthorizationRedirect(
                self._error_redirect_to(redirect_uri, state, "invalid_request", str(exc))
            ) from exc
        except _Refused as refused:
            raise AuthorizationRedirect(
                self._error_redirect_to(redirect_uri, state, refused.error, refused.description)
            ) from refused

    def _validate_rest(
        self, params: Params, client: Client, redirect_uri: str, state: str | None
    ) -> AuthorizationRequest:
        if single(params, "request") is not None:
            raise _Refused("request_not_supported", "request objects are not supported")
        if single(params, "request_uri") is not None:
            raise _Refused("request_uri_not_supported", "request_uri is not supported")
        response_type = single(params, "response_type")
        if response_type is None:
            raise _Refused("invalid_request", "response_type is required")
        if response_type != "code":
            raise _Refused("unsupported_response_type", "only response_type=code is supported")
        scope = granted_scopes(single(params, "scope"))
        if scope is None:
            raise _Refused("invalid_scope", "the scope must include openid")
        challenge = single(params, "code_challenge")
        method = single(params, "code_challenge_method")
        if challenge is None:
            if method is not None:
                raise _Refused("invalid_request", "code_challenge_method without code_challenge")
            if client.public:
                raise _Refused("invalid_request", "public clients must use PKCE (S256)")
        else:
            if method != "S256":
                raise _Refused("invalid_request", "code_challenge_method must be S256")
            if not _CHALLENGE.fullmatch(challenge):
                raise _Refused("invalid_request", "code_challenge is not an S256 challenge")
        nonce = single(params, "nonce")
        if nonce is not None and len(nonce) > _MAX_NONCE:
            raise _Refused("invalid_request", "nonce is too long")
        prompt = single(params, "prompt")
        prompts = set((prompt or "").split())
        if "none" in prompts and len(prompts) > 1:
            raise _Refused("invalid_request", "prompt=none can't be combined with other values")
        max_age_raw = single(params, "max_age")
        max_age: int | None = None
        if max_age_raw is not None:
            if not max_age_raw.isdigit():
                raise _Refused("invalid_request", "max_age must be a non-negative integer")
            max_age = int(max_age_raw)
        return AuthorizationRequest(
            client=client,
            redirect_uri=redirect_uri,
            state=state,
            scope=scope,
            nonce=nonce,
            code_challenge=challenge,
            prompt="none" if "none" in prompts else ("login" if "login" in prompts else None),
            max_age=max_age,
        )

    async def _user(self, tenant: Tenant, user_id: str) -> Doc:
        user = await self.identity.store(tenant).user_by_id(user_id)
        if user is None:
            raise _Refused("access_denied", "the account no longer exists")
        return user

    async def _check_user(self, client: Client, tenant: Tenant, user: Doc) -> None:
        """Whether this account may sign in to this platform now."""
        if user.get("disabled"):
            raise _Refused("access_denied", "the account is disabled")
        if user.get("must_change_password"):
            raise _Refused(
                "interaction_required", "the user must replace the one-time password first"
            )
        guest = "guest" in user.get("roles", [])
        if not client.admits(tenant.id, guest=guest):
            raise _Refused("access_denied", "this platform is not open to the user's account")
        if guest and not (await self.identity.guest_access(tenant))["open_now"]:
            raise _Refused("access_denied", "the guest account is not open now")

    async def _issue_code(
        self, request: AuthorizationRequest, tenant: str, user: Doc, *, auth_time: int
    ) -> Redirect:
        code = secrets.token_urlsafe(32)
        grant = _CodeGrant(
            client_id=request.client.id,
            redirect_uri=request.redirect_uri,
            user_id=user["_id"],
            tenant=tenant,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            auth_time=auth_time,
        )
        await self.identity.redis.set(
            self._key("code", _digest(code)), grant.dumps(), ex=self.settings.oidc_code_ttl_seconds
        )
        location = with_params(
            request.redirect_uri, {"code": code, "state": request.state, "iss": self.issuer}
        )
        return Redirect(location)

    def _error_redirect(
        self, request: AuthorizationRequest, error: str, description: str
    ) -> Redirect:
        return self._error_redirect_to(request.redirect_uri, request.state, error, description)

    def _error_redirect_to(
        self, redirect_uri: str, state: str | None, error: str, description: str
    ) -> Redirect:
        params = {
            "error": error,
            "error_description": description,
            "state": state,
            "iss": self.issuer,
        }
        return Redirect(with_params(redirect_uri, params))

    # token endpoint ------------------------------------------------------------------------

    async def exchange(self, params: Params, *, authorization: str | None) -> dict[str, Any]:
        """The token request (form-encoded). Raises `OAuthError`."""
        try:
            return await self._exchange(params, authorization)
        except _Repeated as exc:
            raise OAuthError("invalid_request", str(exc)) from exc

    async def _exchange(self, params: Params, authorization: str | None) -> dict[str, Any]:
        client = await self._authenticate_client(params, authorization)
        grant_type = single(params, "grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type is required")
        if grant_type not in GRANT_TYPES:
            raise OAuthError(
                "unsupported_grant_type",
                "only authorization_code and client_credentials are supported",
            )
        if isinstance(client, ServiceClient):
            if grant_type != "client_credentials":
                raise OAuthError("unauthorized_client", "a service client uses client_credentials")
            return self._client_credentials(client, params)
        if grant_type != "authorization_code":
            raise OAuthError("unauthorized_client", "client_credentials is for xbt's services")
        code = single(params, "code")
        redirect_uri = single(params, "redirect_uri")
        verifier = single(params, "code_verifier")
        if code is None or redirect_uri is None:
            raise OAuthError("invalid_request", "code and redirect_uri are required")

        jti = uuid.uuid4().hex
        redis = self.identity.redis
        raw = await redis.getdel(self._key("code", _digest(code)))
        if raw is None:
            # A code presented twice leaked somewhere: revoke what the first use issued.
            issued = await redis.get(self._key("used", _digest(code)))
            if issued:
                await redis.set(
                    self._key("revoked", _text(issued)),
                    "1",
                    ex=self.settings.oidc_access_token_ttl_seconds,
                )
            raise OAuthError("invalid_grant", "the code is invalid, expired or already used")
        await redis.set(
            self._key("used", _digest(code)), jti, ex=self.settings.oidc_access_token_ttl_seconds
        )
        grant = _CodeGrant.loads(_text(raw))
        if grant.client_id != client.id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        if grant.code_challenge is not None:
            if verifier is None or not pkce_matches(verifier, grant.code_challenge):
                raise OAuthError("invalid_grant", "the code_verifier does not match")
        elif verifier is not None:
            raise OAuthError("invalid_grant", "no code_challenge was sent for this code")

        tenant = Tenant(grant.tenant)
        user = await self.identity.store(tenant).user_by_id(grant.user_id)
        if user is None or user.get("disabled") or user.get("must_change_password"):
            raise OAuthError("invalid_grant", "the account is no longer active")
        if not client.admits(tenant.id, guest="guest" in user.get("roles", [])):
            raise OAuthError("invalid_grant", "this platform is not open to the user's account")

        issuer = self.identity.issuer
        access_ttl = self.settings.oidc_access_token_ttl_seconds
        access = issuer.sign(
            {
                "sub": user["_id"],
                "tid": tenant.id,
                "client_id": client.id,
                "scope": " ".join(grant.scope),
                "typ": ACCESS_TOKEN_TYPE,
                "jti": jti,
            },
            ttl=access_ttl,
            audience=client.id,
        )
        id_claims: dict[str, Any] = {
            **await self._user_claims(tenant, user, grant.scope),
            "azp": client.id,
            "auth_time": grant.auth_time,
            "at_hash": at_hash(access),
        }
        if grant.nonce is not None:
            id_claims["nonce"] = grant.nonce
        id_token = self._sign_id_token(id_claims, client)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": access_ttl,
            "id_token": id_token,
            "scope": " ".join(grant.scope),
        }

    def _client_credentials(self, client: ServiceClient, params: Params) -> dict[str, Any]:
        """A service's own access token (RFC 6749 4.4.3): no refresh token, no ID token."""
        scopes = granted_service_scopes(client, single(params, "scope"))
        if scopes is None:
            raise OAuthError("invalid_scope", "the client may not have the scope it asked for")
        ttl = self.settings.service_token_ttl_seconds
        token = self.identity.issuer.sign(service_token_claims(client, scopes), ttl=ttl)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(scopes),
        }

    def _sign_id_token(self, claims: dict[str, Any], client: Client) -> str:
        """An ID token for `client`, signed with the algorithm it registered (and that
        key's kid). Not through `TokenIssuer`, which signs ES256 access tokens only."""
        key = self.identity.keys.for_alg(client.id_token_alg)
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": client.id,
            "iat": now,
            "nbf": now,
            "exp": now + self.settings.oidc_id_token_ttl_seconds,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, key.private_key, algorithm=key.alg, headers={"kid": key.kid})

    async def _authenticate_client(
        self, params: Params, authorization: str | None
    ) -> Client | ServiceClient:
        basic = basic_credentials(authorization)
        form_id = single(params, "client_id")
        form_secret = single(params, "client_secret")
        client_id: str | None
        secret: str | None
        if basic is not None:
            if form_secret is not None:
                raise OAuthError("invalid_request", "use one client authentication method")
            if form_id is not None and form_id != basic[0]:
                raise OAuthError("invalid_request", "client_id differs from the Basic credentials")
            client_id, secret = basic[0], basic[1] or None
        else:
            client_id, secret = form_id, form_secret
        challenge = {"WWW-Authenticate": 'Basic realm="xbt"'} if basic is not None else {}
        if client_id is None:
            raise OAuthError("invalid_client", "client authentication failed", status=401)
        service = self.settings.registered_service_clients().get(client_id)
        if service is not None:
            # Always confidential; compared in constant time (digests, hmac.compare_digest).
            if secret is None or not secret_matches(secret, service.secret_hash):
                raise OAuthError(
                    "invalid_client", "client authentication failed", status=401, headers=challenge
                )
            return service
        client = await self.client(client_id)
        if client is None:
            raise OAuthError(
                "invalid_client", "client authentication failed", status=401, headers=challenge
            )
        if client.public:
            if secret is not None:
                raise OAuthError(
                    "invalid_client", "a public client has no secret", status=401, headers=challenge
                )
        elif secret is None or not secret_matches(secret, client.secret_hash):
            raise OAuthError(
                "invalid_client", "client authentication failed", status=401, headers=challenge
            )
        return client

    # userinfo ------------------------------------------------------------------------------

    async def userinfo(self, token: str | None) -> dict[str, Any]:
        """The claims an access token from the token endpoint grants. Raises `OAuthError`."""
        if not token:
            raise OAuthError(
                "invalid_request",
                "a bearer access token is required",
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="xbt"'},
            )
        try:
            claims = jwt.decode(
                token,
                # Access tokens are ES256 only: an RS256 ID token is not one.
                key=self.identity.keys.es256.public_key(),
                algorithms=[ES256],
                issuer=self.issuer,
                options={
                    "verify_aud": False,  # checked below: it is the client the token is for
                    "require": ["exp", "iat", "sub", "tid", "jti", "aud", "client_id"],
                },
            )
        except jwt.PyJWTError as exc:
            raise _invalid_token(f"the access token is invalid: {exc}") from exc
        if claims.get("typ") != ACCESS_TOKEN_TYPE or claims["aud"] != claims["client_id"]:
            raise _invalid_token("not an access token from the token endpoint")
        if not is_tenant(claims["tid"]):
            raise _invalid_token("the access token names no known tenant")
        if await self.identity.redis.exists(self._key("revoked", claims["jti"])):
            raise _invalid_token("the access token was revoked")
        if await self.client(claims["client_id"]) is None:
            raise _invalid_token("the client is no longer registered")
        tenant = Tenant(claims["tid"])
        user = await self.identity.store(tenant).user_by_id(claims["sub"])
        if user is None or user.get("disabled") or user.get("must_change_password"):
            raise _invalid_token("the account is no longer active")
        scope = tuple(s for s in str(claims.get("scope", "")).split() if s in SCOPES)
        return await self._user_claims(tenant, user, scope)

    async def _user_claims(self, tenant: Tenant, user: Doc, scope: Sequence[str]) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": user["_id"], "tid": tenant.id}
        if "profile" in scope:
            claims["name"] = user.get("name")
            claims["preferred_username"] = user.get("username")
        if "school" in scope:
            school_id = user.get("school_id")
            school = await self.identity.store(tenant).school(school_id) if school_id else None
            claims["tenant_name"] = tenant.name
            claims["roles"] = list(user.get("roles", []))
            claims["school"] = school_id
            claims["school_name"] = school["name"] if school else None
        return claims

    def _key(self, *parts: str) -> str:
        # Codes and tokens belong to platform clients, which span tenants.
        return f"{self.identity.redis_prefix}platform:oidc:{':'.join(parts)}"


def _invalid_token(description: str) -> OAuthError:
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


def _require_city_admin(actor: Principal) -> None:
    if not actor.is_city_admin:
        raise Forbidden("only a city administrator manages linked platforms")


def _auth_time(user: Doc, principal: Principal) -> int:
    """When the user proved their password for this session: the access token's
    `auth_time` (kept across refreshes), else its issue time."""
    return int(principal.claims.get("auth_time") or principal.claims.get("iat") or time.time())


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def stored_id_token_alg(doc: Doc) -> Alg:
    """The ID token algorithm of a stored client; a missing field means ES256 (see
    LEGACY_ID_TOKEN_ALG), not the RS256 default of new registrations."""
    alg = doc.get("id_token_signed_response_alg", LEGACY_ID_TOKEN_ALG)
    return RS256 if alg == RS256 else ES256


def _client_view(doc: Doc) -> Doc:
    view = {k: v for k, v in doc.items() if k not in ("_id", "secret_hash")}
    view["client_id"] = doc["_id"]
    view["id_token_signed_response_alg"] = stored_id_token_alg(doc)
    view["token_endpoint_auth_method"] = (
        "none" if doc.get("client_type") == "public" else "client_secret_basic"
    )
    return view
