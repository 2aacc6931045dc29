"""Identity routes: translate HTTP to use cases and back, nothing more."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from xbt_identity.schemas import (
    AssignTeacherRequest,
    ChangePasswordRequest,
    Class,
    ClassRoster,
    CreateClassRequest,
    CreatedUser,
    CreateSchoolRequest,
    CreateUserRequest,
    GuestAccess,
    GuestAccessRequest,
    LoginRequest,
    Me,
    MyClass,
    RefreshRequest,
    School,
    Session,
    TenantInfo,
    TokenResponse,
    User,
    UserPage,
)
from xbt_identity.service import Identity
from xbt_shared.auth import AnyUser, CurrentTenant, CurrentUser, Principal, require_roles
from xbt_shared.tenancy import ALL_TENANTS

router = APIRouter(prefix="/v1")


async def get_identity(request: Request) -> Identity:
    identity: Identity = request.app.state.identity
    return identity


Ident = Annotated[Identity, Depends(get_identity)]
Admin = Annotated[Principal, require_roles("school_admin", "district_admin", "city_admin")]
DistrictAdmin = Annotated[Principal, require_roles("district_admin", "city_admin")]


@router.get("/tenants", response_model=list[TenantInfo], tags=["public"])
async def list_tenants() -> list[TenantInfo]:
    """The city and its districts, for the login page's district picker."""
    return [TenantInfo(id=t.id, name=t.name) for t in ALL_TENANTS]


@router.get("/.well-known/jwks.json", tags=["public"])
async def jwks(identity: Ident, response: Response) -> dict[str, object]:
    response.headers["Cache-Control"] = "public, max-age=300"
    return identity.keys.jwks()


@router.post("/auth/login", response_model=TokenResponse, tags=["auth"])
async def login(body: LoginRequest, identity: Ident) -> dict[str, object]:
    pair = await identity.login(body.tenant, body.username, body.password)
    return pair.as_response()


@router.post("/auth/refresh", response_model=TokenResponse, tags=["auth"])
async def refresh(body: RefreshRequest, identity: Ident) -> dict[str, object]:
    pair = await identity.refresh_tokens(body.refresh_token)
    return pair.as_response()


@router.post("/auth/logout", status_code=204, tags=["auth"])
async def logout(body: RefreshRequest, identity: Ident) -> Response:
    await identity.logout(body.refresh_token)
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


@router.post("/auth/password", response_model=TokenResponse, tags=["auth"])
async def change_password(
    body: ChangePasswordRequest, principal: AnyUser, identity: Ident
) -> dict[str, object]:
    """Set your own password. The one route open while a one-time password is pending."""
    pair = await identity.change_password(
        principal, current_password=body.current_password, new_password=body.new_password
    )
    return pair.as_response()


@router.get("/me", response_model=Me, tags=["me"])
async def me(principal: CurrentUser, identity: Ident) -> dict[str, object]:
    return await identity.me(principal)


@router.get("/me/classes", response_model=list[MyClass], tags=["me"])
async def my_classes(principal: CurrentUser, identity: Ident) -> list[dict[str, object]]:
    return await identity.my_classes(principal)


@router.get("/classes/{class_id}/roster", response_model=ClassRoster, tags=["classes"])
async def class_roster(
    class_id: str, principal: CurrentUser, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.class_roster(principal, tenant, class_id)


@router.get("/schools", response_model=list[School], tags=["schools"])
async def list_schools(
    principal: CurrentUser, tenant: CurrentTenant, identity: Ident
) -> list[dict[str, object]]:
    return await identity.list_schools(principal, tenant)


@router.post("/schools", response_model=School, status_code=201, tags=["schools"])
async def create_school(
    body: CreateSchoolRequest, _: DistrictAdmin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.create_school(tenant, name=body.name, grades=body.grades, code=body.code)


@router.get("/schools/{school_id}/classes", response_model=list[Class], tags=["classes"])
async def school_classes(
    school_id: str, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> list[dict[str, object]]:
    return await identity.school_classes(principal, tenant, school_id)


@router.post("/classes", response_model=Class, status_code=201, tags=["classes"])
async def create_class(
    body: CreateClassRequest, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.create_class(
        principal, tenant, school_id=body.school_id, grade=body.grade, number=body.number
    )


@router.put("/classes/{class_id}/teachers", response_model=Class, tags=["classes"])
async def assign_teacher(
    class_id: str,
    body: AssignTeacherRequest,
    principal: Admin,
    tenant: CurrentTenant,
    identity: Ident,
) -> dict[str, object]:
    return await identity.assign_teacher(
        principal, tenant, class_id, user_id=body.user_id, subjects=body.subjects
    )


@router.get("/users", response_model=UserPage, tags=["users"])
async def list_users(
    principal: Admin,
    tenant: CurrentTenant,
    identity: Ident,
    school_id: str | None = None,
    role: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, object]:
    items, total = await identity.list_users(
        principal, tenant, school_id=school_id, role=role, page=page, size=size
    )
    return {"items": items, "total": total, "page": page, "size": size}


@router.post("/users", response_model=CreatedUser, status_code=201, tags=["users"])
async def create_user(
    body: CreateUserRequest, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    user, password = await identity.create_user(
        principal,
        tenant,
        username=body.username,
        name=body.name,
        roles=list(body.roles),
        school_id=body.school_id,
        class_ids=body.class_ids,
        student_no=body.student_no,
    )
    return {"user": user, "one_time_password": password}


@router.post("/users/{user_id}/password-reset", response_model=CreatedUser, tags=["users"])
async def reset_password(
    user_id: str, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    user, password = await identity.reset_password(principal, tenant, user_id)
    return {"user": user, "one_time_password": password}


@router.post("/users/{user_id}/disable", response_model=User, tags=["users"])
async def disable_user(
    user_id: str, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.set_disabled(principal, tenant, user_id, disabled=True)


@router.post("/users/{user_id}/enable", response_model=User, tags=["users"])
async def enable_user(
    user_id: str, principal: Admin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.set_disabled(principal, tenant, user_id, disabled=False)


@router.get("/guest-access", response_model=GuestAccess, tags=["guest"])
async def get_guest_access(
    _: DistrictAdmin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    return await identity.guest_access(tenant)


@router.put("/guest-access", response_model=GuestAccess, tags=["guest"])
async def put_guest_access(
    body: GuestAccessRequest, principal: DistrictAdmin, tenant: CurrentTenant, identity: Ident
) -> dict[str, object]:
    """Open or close the district's public guest account (公用账号) for a time window."""
    state, password = await identity.set_guest_access(
        principal,
        tenant,
        enabled=body.enabled,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        password=body.password,
    )
    return {**state, "password": password}
