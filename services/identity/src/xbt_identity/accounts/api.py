"""Accounts routes: login and tokens, passwords, accounts, the user's own view, the guest
account, and the district list. They translate HTTP to use cases and back, nothing more."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query, Response

from xbt_identity.accounts.domain import GUEST_USERNAME, GuestWindow, TokenPair, in_beijing
from xbt_identity.accounts.schemas import (
    ChangePasswordRequest,
    Colleague,
    ColleaguePage,
    CreatedUser,
    CreateUserRequest,
    GuestAccess,
    GuestAccessRequest,
    ListedUser,
    LoginRequest,
    LoginState,
    Me,
    RefreshRequest,
    Session,
    TenantInfo,
    TokenResponse,
    User,
    UserPage,
)
from xbt_identity.accounts.service import GUEST_LIST_CACHE_SECONDS
from xbt_identity.accounts.service import ListedUser as Listed
from xbt_identity.http import AccountsDep, Admin, ClientAddress, DistrictAdmin, documented_router
from xbt_shared.auth import AnyUser
from xbt_shared.bounds import PageNumber
from xbt_shared.caller import AnyCaller, CurrentCaller
from xbt_shared.errors import invalid
from xbt_shared.openapi import problems

router = documented_router()

# How many ids one colleague lookup may name (a plan's authors and commenters, a group).
MAX_COLLEAGUE_IDS = 100


@router.get("/tenants", response_model=list[TenantInfo], tags=["public"])
async def list_tenants(accounts: AccountsDep, response: Response) -> list[TenantInfo]:
    """The city and its districts, each saying whether its guest entry (游客入口) is open now.

    For the login page's district picker, before anyone signs in. A guest window's details
    beyond whether it is open and until when stay with the district's administrators.
    """
    now = datetime.now(UTC)
    response.headers["Cache-Control"] = f"public, max-age={GUEST_LIST_CACHE_SECONDS}"
    return [
        TenantInfo(
            id=tenant.id,
            name=tenant.name,
            guest_open=window.open_at(now),
            guest_open_until=in_beijing(window.open_until(now)),
        )
        for tenant, window in await accounts.guest_windows_of_all()
    ]


@router.post(
    "/auth/login",
    response_model=TokenResponse,
    tags=["auth"],
    responses=problems(401, 403, 423, 429),
)
async def login(body: LoginRequest, accounts: AccountsDep, client: ClientAddress) -> TokenResponse:
    """Sign in with the district, username and password: an access and a refresh token.

    The district is its id (`heping`) or its Chinese name (`和平区`). Failed logins count per
    account and client: a client is locked out of an account after a few (423), the account
    as a whole slows down clients that failed on it (429); the right password from a client
    without failures is always let in.
    """
    return _tokens(await accounts.login(body.tenant, body.username, body.password, client=client))


@router.post("/auth/refresh", response_model=TokenResponse, tags=["auth"], responses=problems(401))
async def refresh(body: RefreshRequest, accounts: AccountsDep) -> TokenResponse:
    """Exchange a refresh token for a new pair (the old one is spent)."""
    return _tokens(await accounts.refresh_tokens(body.refresh_token))


@router.post("/auth/logout", status_code=204, tags=["auth"], responses=problems(401))
async def logout(body: RefreshRequest, accounts: AccountsDep) -> Response:
    """End the refresh token's session."""
    await accounts.logout(body.refresh_token)
    return Response(status_code=204)


@router.get("/auth/session", response_model=Session, tags=["auth"])
async def session(principal: AnyUser) -> Session:
    """What the presented access token says, without a database read (for the portal)."""
    return Session(
        user_id=principal.user_id,
        tenant=principal.tenant,
        roles=sorted(principal.roles),
        name=principal.name,
        school=principal.school,
        classes=list(principal.classes),
        must_change_password=principal.must_change_password,
        expires_at=principal.expires_at,
    )


@router.post(
    "/auth/password",
    response_model=TokenResponse,
    tags=["auth"],
    responses=problems(401, 403, 423, 429),
)
async def change_password(
    body: ChangePasswordRequest, caller: AnyCaller, accounts: AccountsDep, client: ClientAddress
) -> TokenResponse:
    """Set your own password (the one route open while a one-time password is pending).

    A wrong current password counts as a failed login; after a few in one session the
    session ends (401).
    """
    pair = await accounts.change_password(
        caller,
        current_password=body.current_password,
        new_password=body.new_password,
        client=client,
    )
    return _tokens(pair)


@router.get("/me", response_model=Me, tags=["me"], responses=problems(404))
async def me(caller: CurrentCaller, accounts: AccountsDep) -> Me:
    """Your own account, with your district and school names."""
    mine = await accounts.me(caller)
    return Me.model_validate(
        {
            **User.model_validate(mine.user).model_dump(),
            "tenant": mine.tenant.id,
            "tenant_name": mine.tenant.name,
            "school_name": mine.school_name,
        }
    )


@router.get("/users", response_model=UserPage, tags=["users"])
async def list_users(
    caller: Admin,
    accounts: AccountsDep,
    school_id: str | None = None,
    role: str | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=64,
            description="A part of the name (李), or the start of the username or 学号.",
        ),
    ] = None,
    disabled: Annotated[
        bool | None, Query(description="true: disabled accounts only; false: active only.")
    ] = None,
    page: PageNumber = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> UserPage:
    """Find the accounts you administer, a page at a time."""
    listed, total = await accounts.list_users(
        caller,
        school_id=school_id,
        role=role,
        search=q,
        disabled=disabled,
        page=page,
        size=size,
    )
    items = [_listed(x) for x in listed]
    return UserPage(items=items, total=total, page=page, size=size)


@router.get("/colleagues", response_model=ColleaguePage, tags=["users"], responses=problems(403))
async def list_colleagues(
    caller: CurrentCaller,
    accounts: AccountsDep,
    q: Annotated[str | None, Query(max_length=64, description="A part of the name (张).")] = None,
    ids: Annotated[
        str | None,
        Query(
            max_length=MAX_COLLEAGUE_IDS * 65,
            description=(
                f"Comma-separated user ids (at most {MAX_COLLEAGUE_IDS}) to name: only those "
                "of staff of your district are found, others are left out."
            ),
        ),
    ] = None,
    page: PageNumber = 1,
    size: Annotated[int, Query(ge=1, le=MAX_COLLEAGUE_IDS)] = 20,
) -> ColleaguePage:
    """Find colleagues of your district by name, or name them by id.

    Teachers, researchers and administrators see the district's staff (teachers,
    researchers, school and district administrators) with their schools and roles, sorted
    by name; never pupils, the guest account or disabled accounts, nor usernames or login
    data. Pupils and the guest are refused (403).
    """
    wanted = _id_list(ids) if ids is not None else None
    found, total = await accounts.colleagues(caller, search=q, ids=wanted, page=page, size=size)
    return ColleaguePage(
        items=[Colleague.model_validate(c) for c in found], total=total, page=page, size=size
    )


@router.post(
    "/users",
    response_model=CreatedUser,
    status_code=201,
    tags=["users"],
    responses=problems(404, 409),
)
async def create_user(body: CreateUserRequest, caller: Admin, accounts: AccountsDep) -> CreatedUser:
    """Create an account with a one-time password to replace at first login."""
    user, password = await accounts.create_user(
        caller,
        username=body.username,
        name=body.name,
        roles=list(body.roles),
        school_id=body.school_id,
        class_ids=body.class_ids,
        student_no=body.student_no,
    )
    return CreatedUser(user=User.model_validate(user), one_time_password=password)


@router.post(
    "/users/{user_id}/password-reset",
    response_model=CreatedUser,
    tags=["users"],
    responses=problems(404),
)
async def reset_password(user_id: str, caller: Admin, accounts: AccountsDep) -> CreatedUser:
    """Give an account a new one-time password; its sessions end."""
    user, password = await accounts.reset_password(caller, user_id)
    return CreatedUser(user=User.model_validate(user), one_time_password=password)


@router.post(
    "/users/{user_id}/unlock", response_model=ListedUser, tags=["users"], responses=problems(404)
)
async def unlock_user(user_id: str, caller: Admin, accounts: AccountsDep) -> ListedUser:
    """Lift every client's lock on the account and forget its failed logins."""
    return _listed(await accounts.unlock(caller, user_id))


@router.post(
    "/users/{user_id}/disable",
    response_model=ListedUser,
    tags=["users"],
    responses=problems(404, 409),
)
async def disable_user(user_id: str, caller: Admin, accounts: AccountsDep) -> ListedUser:
    """Disable an account: its sessions end and it cannot sign in (not your own: 409)."""
    return _listed(await accounts.set_disabled(caller, user_id, disabled=True))


@router.post(
    "/users/{user_id}/enable", response_model=ListedUser, tags=["users"], responses=problems(404)
)
async def enable_user(user_id: str, caller: Admin, accounts: AccountsDep) -> ListedUser:
    """Enable a disabled account again."""
    return _listed(await accounts.set_disabled(caller, user_id, disabled=False))


@router.get("/guest-access", response_model=GuestAccess, tags=["guest"])
async def get_guest_access(caller: DistrictAdmin, accounts: AccountsDep) -> GuestAccess:
    """The district's guest account window (公用账号)."""
    return _guest_access(await accounts.guest_access(caller), password=None)


@router.put("/guest-access", response_model=GuestAccess, tags=["guest"])
async def put_guest_access(
    body: GuestAccessRequest, caller: DistrictAdmin, accounts: AccountsDep
) -> GuestAccess:
    """Open or close the district's public guest account (公用账号) for a time window."""
    window = GuestWindow(
        enabled=body.enabled, valid_from=body.valid_from, valid_until=body.valid_until
    )
    state, password = await accounts.set_guest_access(caller, window, password=body.password)
    return _guest_access(state, password=password)


def _id_list(ids: str) -> list[str]:
    """The ids of `?ids=a,b`, each once, in their order."""
    found = list(dict.fromkeys(part.strip() for part in ids.split(",") if part.strip()))
    if len(found) > MAX_COLLEAGUE_IDS:
        raise invalid(
            "query.ids",
            f"at most {MAX_COLLEAGUE_IDS} ids",
            zh=f"最多 {MAX_COLLEAGUE_IDS} 个用户编号",
        )
    return found


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in
    )


def _listed(x: Listed) -> ListedUser:
    login = x.login
    return ListedUser.model_validate(
        {
            **User.model_validate(x.user).model_dump(),
            "last_login_at": x.last_login_at,
            "login": LoginState(
                recent_failures=login.failures,
                last_failure_at=login.last_failure_at,
                locked_until=login.locked_until,
            )
            if login
            else None,
        }
    )


def _guest_access(window: GuestWindow, *, password: str | None) -> GuestAccess:
    return GuestAccess(
        enabled=window.enabled,
        valid_from=in_beijing(window.valid_from),
        valid_until=in_beijing(window.valid_until),
        username=GUEST_USERNAME,
        open_now=window.open_at(datetime.now(UTC)),
        password=password,
    )
