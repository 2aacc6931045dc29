"""OpenID Connect routes: discovery, client registration, the portal's platform list,
authorize (with a login form for browsers), token and userinfo.

Routes translate HTTP to `OidcProvider` and back. Registration and the platform list
speak problem+json like every other route; the token and userinfo endpoints answer in
OAuth's own error format (RFC 6749 5.2, RFC 6750 3.1), which OIDC client libraries expect.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import FormData, QueryParams

from xbt_identity.http import ClientAddress, documented_router
from xbt_identity.http import OidcDep as Oidc
from xbt_identity.oidc.domain import (
    Client,
    OAuthError,
    Params,
    Redirect,
    RegisterClient,
    ShowLogin,
)
from xbt_identity.oidc.schemas import (
    ClientInfo,
    Discovery,
    OAuthErrorBody,
    OidcTokenResponse,
    Platform,
    RegisterClientRequest,
    RegisteredClient,
    UserInfo,
)
from xbt_identity.oidc.service import OidcProvider
from xbt_shared.auth import Principal
from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import SECURITY_SCHEME, problem_response
from xbt_shared.routing import NO_STORE_HEADERS
from xbt_shared.tenancy import ALL_TENANTS

router = documented_router()

CREDENTIAL_FIELDS = ("tenant", "username", "password")
_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "OAuth error (RFC 6749 5.2)"},
    401: {"model": OAuthErrorBody, "description": "Client or token not accepted"},
}
_LOGIN_PAGE = {"text/html": {"schema": {"type": "string"}}}
_AUTHORIZE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": _LOGIN_PAGE, "description": "The login form"},
    302: {
        "description": "Back to the platform's redirect_uri with a code or an error",
        "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
    },
    400: problem_response(400, "No client, or a redirect_uri it did not register: no redirect"),
    # A refused bearer token is a problem; a refused login is the form again, with why.
    401: {
        "description": "The bearer token is refused, or the login form again: wrong password",
        "content": {**problem_response(401)["content"], **_LOGIN_PAGE},
    },
    403: {"content": _LOGIN_PAGE, "description": "The login form: account disabled, ..."},
    423: {"content": _LOGIN_PAGE, "description": "The login form: the account is locked"},
    # The form's own delays are the page; a rate limit on the way (the gateway's) a problem.
    429: {
        "content": {**problem_response(429)["content"], **_LOGIN_PAGE},
        "description": "The login form: too many failed logins from this client, wait",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}
# The portal sends its user's access token; a browser without one gets the login form.
_OPTIONAL_TOKEN: dict[str, Any] = {"security": [{}, {SECURITY_SCHEME: []}]}
_TOKEN: dict[str, Any] = {"security": [{SECURITY_SCHEME: []}]}

# discovery, registration, platforms ----------------------------------------------------------


@router.get("/.well-known/openid-configuration", response_model=Discovery, tags=["oidc"])
async def openid_configuration(oidc: Oidc, response: Response) -> Discovery:
    """The OpenID Connect discovery document."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return Discovery.model_validate(oidc.discovery())


@router.post("/oidc/clients", response_model=RegisteredClient, status_code=201, tags=["oidc"])
async def register_client(
    body: RegisterClientRequest, caller: CurrentCaller, oidc: Oidc, response: Response
) -> RegisteredClient:
    """Register a linked resource platform (city administrators)."""
    client, secret = await oidc.register_client(
        caller,
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
    response.headers.update(NO_STORE_HEADERS)
    return RegisteredClient.model_validate({**_client_info(client), "client_secret": secret})


@router.get("/oidc/clients", response_model=list[ClientInfo], tags=["oidc"])
async def list_clients(caller: CurrentCaller, oidc: Oidc) -> list[ClientInfo]:
    """The registered platforms (city administrators)."""
    return [ClientInfo.model_validate(_client_info(c)) for c in await oidc.list_clients(caller)]


@router.delete("/oidc/clients/{client_id}", status_code=204, tags=["oidc"])
async def delete_client(client_id: str, caller: CurrentCaller, oidc: Oidc) -> Response:
    """Remove a registered platform (city administrators)."""
    await oidc.delete_client(caller, client_id)
    return Response(status_code=204)


@router.get("/platforms", response_model=list[Platform], tags=["oidc"])
async def platforms(caller: CurrentCaller, oidc: Oidc) -> list[Platform]:
    """The linked resource platforms this user may sign in to (一次登录访问所有资源)."""
    return [
        Platform(
            client_id=c.id, name=c.name, description=c.description, homepage_url=c.homepage_url
        )
        for c in await oidc.platforms_for(caller)
    ]


def _client_info(client: Client) -> dict[str, object]:
    """A registered client as `ClientInfo` reads it (never its secret's digest)."""
    return {
        "client_id": client.id,
        "name": client.name,
        "description": client.description,
        "homepage_url": client.homepage_url,
        "redirect_uris": list(client.redirect_uris),
        "client_type": client.client_type,
        "token_endpoint_auth_method": client.auth_method,
        "allowed_tenants": None if client.allowed_tenants is None else list(client.allowed_tenants),
        "guest_visible": client.guest_visible,
        "id_token_signed_response_alg": client.id_token_alg,
        "created_at": client.created_at,
    }


# authorization endpoint ----------------------------------------------------------------------


@router.get(
    "/oidc/authorize",
    tags=["oidc"],
    response_model=None,
    response_class=HTMLResponse,
    responses=_AUTHORIZE_ANSWERS,
    openapi_extra=_OPTIONAL_TOKEN,
)
async def authorize(request: Request, oidc: Oidc) -> Response:
    """Start an OIDC sign-in: a code for the platform, or the login form.

    Send `Authorization: Bearer <xbt access token>` to be signed in as that user (the
    portal does); without it a browser gets the login form.
    """
    principal = await _optional_principal(request)
    return _respond(oidc, await oidc.authorize(_params(request.query_params), principal))


@router.post(
    "/oidc/authorize",
    tags=["oidc"],
    response_model=None,
    response_class=HTMLResponse,
    responses=_AUTHORIZE_ANSWERS,
    openapi_extra=_OPTIONAL_TOKEN,
)
async def authorize_post(request: Request, oidc: Oidc, client: ClientAddress) -> Response:
    """Submit the login form, or an authorization request sent as a form.

    The form carries the district (its id or its Chinese name), username, password and the
    original request (OIDC Core 3.1.2.1). Failed logins count per account and client
    address, as on `POST /auth/login`.
    """
    form = await request.form()
    params = _params(form, skip=CREDENTIAL_FIELDS)
    if "username" in form or "password" in form:
        credentials = _params(form)
        outcome = await oidc.authorize_with_password(
            params,
            tenant=_first(credentials, "tenant"),
            username=_first(credentials, "username"),
            password=_first(credentials, "password"),
            client=client,
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
        return RedirectResponse(outcome.location, status_code=302, headers=NO_STORE_HEADERS)
    return _login_page(oidc, outcome)


# token and userinfo --------------------------------------------------------------------------


@router.post(
    "/oidc/token",
    tags=["oidc"],
    response_model=None,
    responses={200: {"model": OidcTokenResponse}, **_OAUTH_ERRORS},
)
async def token(request: Request, oidc: Oidc) -> JSONResponse:
    """Get tokens: an authorization code exchanged, or a service's client credentials.

    Form-encoded (RFC 6749 4.1.3 and 4.4); errors in OAuth's format (RFC 6749 5.2).
    """
    form = await request.form()
    try:
        answer = await oidc.exchange(
            _params(form), authorization=request.headers.get("authorization")
        )
    except OAuthError as exc:
        return _oauth_error(exc)
    body = OidcTokenResponse.model_validate(answer)
    return JSONResponse(body.model_dump(exclude_unset=True), headers=NO_STORE_HEADERS)


# OIDC Core 5.3.1: userinfo answers GET and POST alike; one operation id each in OpenAPI.
@router.get(
    "/oidc/userinfo",
    operation_id="oidc_userinfo_get",
    tags=["oidc"],
    response_model=None,
    responses={200: {"model": UserInfo}, **_OAUTH_ERRORS},
    openapi_extra=_TOKEN,
)
@router.post(
    "/oidc/userinfo",
    operation_id="oidc_userinfo_post",
    tags=["oidc"],
    response_model=None,
    responses={200: {"model": UserInfo}, **_OAUTH_ERRORS},
    openapi_extra=_TOKEN,
)
async def userinfo(request: Request, oidc: Oidc) -> JSONResponse:
    """The signed-in user's claims the token's scope grants (OIDC Core 5.3)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    bearer = value.strip() if scheme.lower() == "bearer" else None
    try:
        claims = await oidc.userinfo(bearer)
    except OAuthError as exc:
        return _oauth_error(exc)
    # Only the claims the scope grants: a claim left out is not sent as null.
    body = UserInfo.model_validate(claims)
    return JSONResponse(body.model_dump(exclude_unset=True), headers=NO_STORE_HEADERS)


def _oauth_error(exc: OAuthError) -> JSONResponse:
    return JSONResponse(
        exc.body(), status_code=exc.status, headers={**NO_STORE_HEADERS, **exc.headers}
    )


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
    "login-throttled": "登录失败次数过多，请稍后再试。",
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
    **NO_STORE_HEADERS,
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
        elif problem.slug == "login-throttled" and retry:
            message = f"登录失败次数过多，请 {int(retry)} 秒后再试。"
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
