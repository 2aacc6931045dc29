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

import secrets
import time
import uuid
from collections.abc import Sequence
from typing import Any

import jwt

from xbt_identity.accounts.domain import User, tenant_named
from xbt_identity.accounts.service import Accounts
from xbt_identity.keys.domain import ES256, RS256, KeySet
from xbt_identity.keys.service import TokenIssuer
from xbt_identity.oidc.domain import (
    ACCESS_TOKEN_TYPE,
    CHALLENGE,
    CLAIMS_BY_SCOPE,
    GRANT_TYPES,
    ID_TOKEN_ALGS,
    MAX_NONCE,
    MAX_REDIRECT_URIS,
    MAX_STATE,
    SCOPES,
    AuthorizationRedirect,
    AuthorizationRequest,
    Client,
    CodeGrant,
    OAuthError,
    Params,
    Redirect,
    Refused,
    RegisterClient,
    Repeated,
    ServiceClient,
    ShowLogin,
    at_hash,
    basic_credentials,
    granted_scopes,
    granted_service_scopes,
    hash_secret,
    homepage_problem,
    invalid_token,
    pkce_matches,
    redirect_uri_problem,
    secret_matches,
    service_token_claims,
    single,
    with_params,
)
from xbt_identity.oidc.store import AuthorizationCodes, ClientStore
from xbt_identity.roster.service import Roster
from xbt_identity.settings import IdentitySettings
from xbt_shared.auth import Principal
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.errors import BadRequest, Forbidden, NotFound, Problem, Unauthorized, Unprocessable
from xbt_shared.tenancy import Tenant, is_tenant


class OidcProvider:
    """The OIDC use cases, on top of identity's accounts, keys and Redis."""

    def __init__(
        self,
        *,
        settings: IdentitySettings,
        clients: ClientStore,
        codes: AuthorizationCodes,
        accounts: Accounts,
        roster: Roster,
        keys: KeySet,
        tokens: TokenIssuer,
    ) -> None:
        self.settings = settings
        self.issuer = settings.issuer
        self.base = self.issuer.rstrip("/")
        self.clients = clients
        self.codes = codes
        self.accounts = accounts
        self.roster = roster
        self.keys = keys
        self.tokens = tokens

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
        self, caller: Caller, cmd: RegisterClient
    ) -> tuple[Client, str | None]:
        _require_city_admin(caller)
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
        client = Client(
            id=f"plat_{secrets.token_hex(12)}",
            name=cmd.name.strip(),
            description=cmd.description.strip(),
            homepage_url=cmd.homepage_url,
            redirect_uris=tuple(dict.fromkeys(cmd.redirect_uris)),
            public=cmd.public,
            allowed_tenants=None if tenants is None else tuple(tenants),
            guest_visible=cmd.guest_visible,
            secret_hash=hash_secret(secret) if secret else None,
            id_token_alg=RS256 if cmd.id_token_signed_response_alg == RS256 else ES256,
            created_at=now_ms(),
            created_by=caller.user_id,
            created_in=caller.principal.tenant,
        )
        await self.clients.insert(client)
        return client, secret

    async def list_clients(self, caller: Caller) -> list[Client]:
        _require_city_admin(caller)
        return await self.clients.all(sort="created_at")

    async def delete_client(self, caller: Caller, client_id: str) -> None:
        """Unregister a platform: its codes and access tokens stop working at once."""
        _require_city_admin(caller)
        if not await self.clients.delete(client_id):
            raise NotFound("no such client")

    async def platforms_for(self, caller: Caller) -> list[Client]:
        """The linked platforms the caller may sign in to, for the portal's list: what their
        own account's tenant admits, whichever tenant the request names."""
        principal = caller.principal
        return [
            client
            for client in await self.clients.all(sort="name")
            if client.admits(principal.tenant, guest=principal.is_guest)
        ]

    async def client(self, client_id: str) -> Client | None:
        return await self.clients.get(client_id)

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
                    raise Refused("login_required", "the user is not signed in")
                return ShowLogin(request)
            user = await self._user(Tenant(principal.tenant), principal.user_id)
            auth_time = _auth_time(principal)
            if request.max_age is not None and time.time() - auth_time > request.max_age:
                if request.prompt == "none":
                    raise Refused("login_required", "the sign-in is older than max_age")
                return ShowLogin(request)
            await self._check_user(request.client, Tenant(principal.tenant), user)
            return await self._issue_code(request, principal.tenant, user, auth_time=auth_time)
        except Refused as refused:
            return self._error_redirect(request, refused.error, refused.description)

    async def authorize_with_password(
        self,
        params: Params,
        *,
        tenant: str | None,
        username: str | None,
        password: str | None,
        client: str,
    ) -> Redirect | ShowLogin:
        """The login form's submission from `client` (its address): check the credentials
        (with the lockout of `accounts.login`), then grant."""
        try:
            request = await self.validate_request(params)
        except AuthorizationRedirect as exc:
            return exc.redirect
        username, password = (username or "").strip(), password or ""
        # The district by its id or its Chinese name, as on `POST /auth/login`.
        named = tenant_named(tenant or "")
        form = {"tenant": named.id if named else None, "username": username or None}
        if (
            named is None
            or not (username and password)
            or len(username) > 64
            or len(password) > 256
        ):
            refused = Unauthorized("wrong tenant, username or password", slug="invalid-credentials")
            return ShowLogin(request, refused, **form)
        tenant = named.id
        try:
            pair = await self.accounts.login(tenant, username, password, client=client)
        except Problem as problem:
            return ShowLogin(request, problem, **form)
        # The form signs in to the platform only; no xbt session stays behind.
        await self.accounts.logout(pair.refresh_token)
        user = await self.accounts.account_named(named, username)
        if user is None:  # deleted between the two calls
            return ShowLogin(request, Unauthorized("the account no longer exists"), **form)
        if user.must_change_password:
            pending = Forbidden(
                "the one-time password must be replaced first", slug="password-change-required"
            )
            return ShowLogin(request, pending, **form)
        try:
            await self._check_user(request.client, named, user)
            return await self._issue_code(request, tenant, user, auth_time=int(time.time()))
        except Refused as refused:
            return self._error_redirect(request, refused.error, refused.description)

    async def validate_request(self, params: Params) -> AuthorizationRequest:
        """Check the client and redirect_uri first: until both are trusted, errors are a 400
        problem and nothing is redirected (RFC 6749 4.1.2.1); after, they go to the client."""
        try:
            client_id = single(params, "client_id")
            redirect_uri = single(params, "redirect_uri")
        except Repeated as exc:
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
            if state is not None and len(state) > MAX_STATE:
                raise Refused("invalid_request", "state is too long")
            return self._validate_rest(params, client, redirect_uri, state)
        except Repeated as exc:
            raise AuthorizationRedirect(
                self._error_redirect_to(redirect_uri, state, "invalid_request", str(exc))
            ) from exc
        except Refused as refused:
            raise AuthorizationRedirect(
                self._error_redirect_to(redirect_uri, state, refused.error, refused.description)
            ) from refused

    def _validate_rest(
        self, params: Params, client: Client, redirect_uri: str, state: str | None
    ) -> AuthorizationRequest:
        if single(params, "request") is not None:
            raise Refused("request_not_supported", "request objects are not supported")
        if single(params, "request_uri") is not None:
            raise Refused("request_uri_not_supported", "request_uri is not supported")
        response_type = single(params, "response_type")
        if response_type is None:
            raise Refused("invalid_request", "response_type is required")
        if response_type != "code":
            raise Refused("unsupported_response_type", "only response_type=code is supported")
        scope = granted_scopes(single(params, "scope"))
        if scope is None:
            raise Refused("invalid_scope", "the scope must include openid")
        challenge = single(params, "code_challenge")
        method = single(params, "code_challenge_method")
        if challenge is None:
            if method is not None:
                raise Refused("invalid_request", "code_challenge_method without code_challenge")
            if client.public:
                raise Refused("invalid_request", "public clients must use PKCE (S256)")
        else:
            if method != "S256":
                raise Refused("invalid_request", "code_challenge_method must be S256")
            if not CHALLENGE.fullmatch(challenge):
                raise Refused("invalid_request", "code_challenge is not an S256 challenge")
        nonce = single(params, "nonce")
        if nonce is not None and len(nonce) > MAX_NONCE:
            raise Refused("invalid_request", "nonce is too long")
        prompt = single(params, "prompt")
        prompts = set((prompt or "").split())
        if "none" in prompts and len(prompts) > 1:
            raise Refused("invalid_request", "prompt=none can't be combined with other values")
        max_age_raw = single(params, "max_age")
        max_age: int | None = None
        if max_age_raw is not None:
            if not max_age_raw.isdigit():
                raise Refused("invalid_request", "max_age must be a non-negative integer")
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

    async def _user(self, tenant: Tenant, user_id: str) -> User:
        user = await self.accounts.account(tenant, user_id)
        if user is None:
            raise Refused("access_denied", "the account no longer exists")
        return user

    async def _check_user(self, client: Client, tenant: Tenant, user: User) -> None:
        """Whether this account may sign in to this platform now."""
        if user.disabled:
            raise Refused("access_denied", "the account is disabled")
        if user.must_change_password:
            raise Refused(
                "interaction_required", "the user must replace the one-time password first"
            )
        guest = user.is_guest
        if not client.admits(tenant.id, guest=guest):
            raise Refused("access_denied", "this platform is not open to the user's account")
        if guest and not await self.accounts.guest_open_now(tenant):
            raise Refused("access_denied", "the guest account is not open now")

    async def _issue_code(
        self, request: AuthorizationRequest, tenant: str, user: User, *, auth_time: int
    ) -> Redirect:
        code = secrets.token_urlsafe(32)
        grant = CodeGrant(
            client_id=request.client.id,
            redirect_uri=request.redirect_uri,
            user_id=user.id,
            tenant=tenant,
            scope=request.scope,
            nonce=request.nonce,
            code_challenge=request.code_challenge,
            auth_time=auth_time,
        )
        await self.codes.put(code, grant.dumps(), ttl=self.settings.oidc_code_ttl_seconds)
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
        except Repeated as exc:
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
        token_ttl = self.settings.oidc_access_token_ttl_seconds
        raw = await self.codes.redeem(code)
        if raw is None:
            # A code presented twice leaked somewhere: revoke what the first use issued.
            issued = await self.codes.issued_for(code)
            if issued:
                await self.codes.revoke_token(issued, ttl=token_ttl)
            raise OAuthError("invalid_grant", "the code is invalid, expired or already used")
        await self.codes.remember_issued(code, jti, ttl=token_ttl)
        grant = CodeGrant.loads(raw)
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
        user = await self.accounts.account(tenant, grant.user_id)
        if user is None or user.disabled or user.must_change_password:
            raise OAuthError("invalid_grant", "the account is no longer active")
        if not client.admits(tenant.id, guest=user.is_guest):
            raise OAuthError("invalid_grant", "this platform is not open to the user's account")

        access_ttl = self.settings.oidc_access_token_ttl_seconds
        access = self.tokens.sign(
            {
                "sub": user.id,
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
        token = self.tokens.sign(service_token_claims(client, scopes), ttl=ttl)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(scopes),
        }

    def _sign_id_token(self, claims: dict[str, Any], client: Client) -> str:
        """An ID token for `client`, signed with the algorithm it registered (and that
        key's kid). Not through `TokenIssuer`, which signs ES256 access tokens only."""
        key = self.keys.for_alg(client.id_token_alg)
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
                key=self.keys.es256.public_key(),
                algorithms=[ES256],
                issuer=self.issuer,
                options={
                    "verify_aud": False,  # checked below: it is the client the token is for
                    "require": ["exp", "iat", "sub", "tid", "jti", "aud", "client_id"],
                },
            )
        except jwt.PyJWTError as exc:
            raise invalid_token(f"the access token is invalid: {exc}") from exc
        if claims.get("typ") != ACCESS_TOKEN_TYPE or claims["aud"] != claims["client_id"]:
            raise invalid_token("not an access token from the token endpoint")
        if not is_tenant(claims["tid"]):
            raise invalid_token("the access token names no known tenant")
        if await self.codes.token_revoked(claims["jti"]):
            raise invalid_token("the access token was revoked")
        if await self.client(claims["client_id"]) is None:
            raise invalid_token("the client is no longer registered")
        tenant = Tenant(claims["tid"])
        user = await self.accounts.account(tenant, claims["sub"])
        if user is None or user.disabled or user.must_change_password:
            raise invalid_token("the account is no longer active")
        scope = tuple(s for s in str(claims.get("scope", "")).split() if s in SCOPES)
        return await self._user_claims(tenant, user, scope)

    async def _user_claims(
        self, tenant: Tenant, user: User, scope: Sequence[str]
    ) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": user.id, "tid": tenant.id}
        if "profile" in scope:
            claims["name"] = user.name
            claims["preferred_username"] = user.username
        if "school" in scope:
            school_id = user.school_id
            school = await self.roster.school(tenant, school_id) if school_id else None
            claims["tenant_name"] = tenant.name
            claims["roles"] = list(user.roles)
            claims["school"] = school_id
            claims["school_name"] = school.name if school else None
        return claims


def _require_city_admin(caller: Caller) -> None:
    if not caller.principal.is_city_admin:
        raise Forbidden("only a city administrator manages linked platforms")


def _auth_time(principal: Principal) -> int:
    """When the user proved their password for this session: the access token's
    `auth_time` (kept across refreshes), else its issue time."""
    return int(principal.claims.get("auth_time") or principal.claims.get("iat") or time.time())
