"""OpenID Connect routes: discovery, client registration, the portal's platform list,
authorize (with a login form for browsers), token and userinfo.

Routes translate HTTP to `xbt_identity.oidc` and back. Registration and the platform list
speak problem+json like every other route; the token and userinfo endpoints answer in
OAuth's own error format (RFC 6749 5.2, RFC 6750 3.1), which OIDC client libraries expect.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.datastructures import FormData, QueryParams

from xbt_identity.oidc import (
    OAuthError,
    OidcProvider,
    Params,
    Redirect,
    RegisterClient,
    ShowLogin,
)
from xbt_identity.service import Identity
from xbt_shared.auth import CurrentUser, Principal
from xbt_shared.tenancy import ALL_TENANTS

router = APIRouter(prefix="/v1")

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CREDENTIAL_FIELDS = ("tenant", "username", "password")


async def get_oidc(request: Request) -> OidcProvider:
    identity: Identity = request.app.state.identity
    return OidcProvider(identity)


Oidc = Annotated[OidcProvider, Depends(get_oidc)]


# contract ------------------------------------------------------------------------------------

ClientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class RegisterClientRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ClientName = Field(examples=["国家中小学智慧教育平台"])
    description: str = Field(default="", max_length=500)
    homepage_url: str | None = Field(default=None, max_length=2048)
    redirect_uris: list[Annotated[str, StringConstraints(max_length=2048)]] = Field(
        min_length=1,
        max_length=10,
        description="Matched exactly. https, or http://127.0.0.1 / localhost outside prod.",
    )
    client_type: Literal["confidential", "public"] = Field(
        default="confidential",
        description="public: a browser or native app, authenticated by PKCE only, no secret.",
    )
    allowed_tenants: list[str] | None = Field(
        default=None, description="Tenants whose users may sign in; null for all."
    )
    guest_visible: bool = Field(
        default=False, description="Whether districts' guest accounts see and may use it."
    )
    id_token_signed_response_alg: Literal["RS256", "ES256"] = Field(
        default="RS256",
        description="How its ID tokens are signed (OIDC Dynamic Client Registration 2). "
        "RS256 is the default most OIDC libraries expect; access tokens are ES256 either way.",
    )


class ClientInfo(BaseModel):
    client_id: str
    name: str
    description: str
    homepage_url: str | None
    redirect_uris: list[str]
    client_type: Literal["confidential", "public"]
    token_endpoint_auth_method: str
    allowed_tenants: list[str] | None
    guest_visible: bool
    id_token_signed_response_alg: Literal["RS256", "ES256"]
    created_at: datetime


class RegisteredClient(ClientInfo):
    client_secret: str | None = Field(
        description="Shown once, for confidential clients; only its hash is stored."
    )


class Platform(BaseModel):
    client_id: str
    name: str
    description: str
    homepage_url: str | None


# discovery, registration, platforms ----------------------------------------------------------


@router.get("/.well-known/openid-configuration", tags=["oidc"])
async def openid_configuration(oidc: Oidc, response: Response) -> dict[str, object]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return oidc.discovery()


@router.post("/oidc/clients", response_model=RegisteredClient, status_code=201, tags=["oidc"])
async def register_client(
    body: RegisterClientRequest, principal: CurrentUser, oidc: Oidc, response: Response
) -> dict[str, object]:
    """Register a linked resource platform (city administrators)."""
    client, secret = await oidc.register_client(
        principal,
        RegisterClient(
            name=body.name,
            redirect_uris=body.redirect_uris,
            public=body.client_type == "public",
            allowed_tenants=body.allowed_tenants,
            guest_visible=body.guest_visible,
            description=body.description,
            homepage_url=body.homepage_url,
            id_token_signed_response_alg=body.id_token_signed_response_alg,
        ),
    )
    response.headers.update(NO_STORE)
    return {**client, "client_secret": secret}


@router.get("/oidc/clients", response_model=list[ClientInfo], tags=["oidc"])
async def list_clients(principal: CurrentUser, oidc: Oidc) -> list[dict[str, object]]:
    return await oidc.list_clients(principal)


@router.delete("/oidc/clients/{client_id}", status_code=204, tags=["oidc"])
async def delete_client(client_id: str, principal: CurrentUser, oidc: Oidc) -> Response:
    await oidc.delete_client(principal, client_id)
    return Response(status_code=204)


@router.get("/platforms", response_model=list[Platform], tags=["oidc"])
async def platforms(principal: CurrentUser, oidc: Oidc) -> list[dict[str, object]]:
    """The linked resource platforms this user may sign in to (一次登录访问所有资源)."""
    return await oidc.platforms_for(principal)


# authorization endpoint ----------------------------------------------------------------------


@router.get("/oidc/authorize", tags=["oidc"], response_model=None)
async def authorize(request: Request, oidc: Oidc) -> Response:
    """Send `Authorization: Bearer <xbt access token>` to be signed in as that user (the
    portal does); without it a browser gets the login form."""
    principal = await _optional_principal(request)
    return _respond(oidc, await oidc.authorize(_params(request.query_params), principal))


@router.post("/oidc/authorize", tags=["oidc"], response_model=None)
async def authorize_post(request: Request, oidc: Oidc) -> Response:
    """The login form's submission (tenant, username, password and the original request),
    or an authorization request sent as a form (OIDC Core 3.1.2.1)."""
    form = await request.form()
    params = _params(form, skip=CREDENTIAL_FIELDS)
    if "username" in form or "password" in form:
        credentials = _params(form)
        outcome = await oidc.authorize_with_password(
            params,
            tenant=_first(credentials, "tenant"),
            username=_first(credentials, "username"),
            password=_first(credentials, "password"),
        )
    else:
        outcome = await oidc.authorize(params, await _optional_principal(request))
    return _respond(oidc, outcome)


async def _optional_principal(request: Request) -> Principal | None:
    """The caller of a bearer token, or None without one. A bad token is a 401 problem:
    the portal that sent it should refresh it, not have the user sent back with an error."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    principal: Principal = await request.app.state.verifier.verify(token.strip())
    return principal


def _respond(oidc: OidcProvider, outcome: Redirect | ShowLogin) -> Response:
    if isinstance(outcome, Redirect):
        return RedirectResponse(outcome.location, status_code=302, headers=NO_STORE)
    return _login_page(oidc, outcome)


# token and userinfo --------------------------------------------------------------------------


@router.post("/oidc/token", tags=["oidc"], response_model=None)
async def token(request: Request, oidc: Oidc) -> JSONResponse:
    """Exchange an authorization code (form-encoded, RFC 6749 4.1.3)."""
    form = await request.form()
    try:
        body = await oidc.exchange(
            _params(form), authorization=request.headers.get("authorization")
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(body, headers=NO_STORE)


@router.api_route("/oidc/userinfo", methods=["GET", "POST"], tags=["oidc"], response_model=None)
async def userinfo(request: Request, oidc: Oidc) -> JSONResponse:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    bearer = value.strip() if scheme.lower() == "bearer" else None
    try:
        claims = await oidc.userinfo(bearer)
    except OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(claims, headers=NO_STORE)


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers={**NO_STORE, **exc.headers})


def _params(source: QueryParams | FormData, *, skip: tuple[str, ...] = ()) -> Params:
    """Every value of every parameter (repeats are an error the protocol layer reports).
    File uploads are not parameters and are dropped."""
    params: dict[str, list[str]] = {}
    for key, value in source.multi_items():
        if key not in skip and isinstance(value, str):
            params.setdefault(key, []).append(value)
    return params


def _first(params: Params, name: str) -> str | None:
    values = params.get(name) or []
    return values[0] if values else None


# the login page ------------------------------------------------------------------------------

_MESSAGES = {
    "invalid-credentials": "区、用户名或密码不正确。",
    "account-locked": "登录失败次数过多，账号已暂时锁定，请稍后再试。",
    "account-disabled": "该账号已停用，请联系学校或区管理员。",
    "guest-access-closed": "公用账号当前未开放。",
    "password-change-required": "请先登录学不停门户修改初始密码，再访问该平台。",
}

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>学不停 · 统一身份认证</title>
<style>
body{{margin:0;background:#f3f5f7;font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;
color:#1f2328}}
main{{max-width:22rem;margin:8vh auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}}
h1{{font-size:1.3rem;margin:0 0 .5rem}}
p{{margin:.3rem 0 1rem;color:#57606a}}
label{{display:block;margin:.9rem 0 .3rem}}
input,select{{width:100%;padding:.55rem;box-sizing:border-box;font-size:1rem}}
button{{margin-top:1.4rem;width:100%;padding:.65rem;font-size:1rem;color:#fff;background:#1a7f37;
border:0;border-radius:6px;cursor:pointer}}
.error{{color:#b42318;background:#fef3f2;padding:.6rem;border-radius:6px}}
</style>
</head>
<body>
<main>
<h1>学不停 · 统一身份认证</h1>
<p>登录后继续访问：<strong>{client}</strong></p>
{error}
<form method="post" action="{action}">
{hidden}
<label for="tenant">所属区</label>
<select id="tenant" name="tenant" required>
{options}
</select>
<label for="username">用户名</label>
<input id="username" name="username" autocomplete="username" required maxlength="64"
 value="{username}">
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
 maxlength="256">
<button type="submit">登录</button>
</form>
</main>
</body>
</html>
"""

# No scripts, no external assets, not framable (clickjacking), nothing cached.
_PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _login_page(oidc: OidcProvider, outcome: ShowLogin) -> HTMLResponse:
    esc = html.escape
    problem = outcome.problem
    error = ""
    if problem is not None:
        message = _MESSAGES.get(problem.slug, "登录失败，请重试。")
        retry = problem.extra.get("retry_after")
        if problem.slug == "account-locked" and retry:
            message = f"登录失败次数过多，账号已暂时锁定，请 {int(retry)} 秒后再试。"
        error = f'<p class="error" role="alert">{esc(message)}</p>'
    allowed = outcome.request.client.allowed_tenants  # offer only districts it admits
    hidden = "\n".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">'
        for k, v in outcome.request.form_params().items()
    )
    options = "\n".join(
        f'<option value="{t.id}"{" selected" if t.id == outcome.tenant else ""}>'
        f"{esc(t.name)}</option>"
        for t in ALL_TENANTS
        if allowed is None or t.id in allowed
    )
    page = _PAGE.format(
        client=esc(outcome.request.client.name),
        error=error,
        action=esc(f"{oidc.base}/oidc/authorize"),
        hidden=hidden,
        options=options,
        username=esc(outcome.username or ""),
    )
    status = problem.status if problem is not None else 200
    headers = dict(_PAGE_HEADERS)
    if problem is not None and "Retry-After" in problem.headers:
        headers["Retry-After"] = problem.headers["Retry-After"]
    return HTMLResponse(page, status_code=status, headers=headers)
