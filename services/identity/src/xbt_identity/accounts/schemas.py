"""Accounts' public contract: login and tokens, accounts, the user's own view, the guest
account."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

from xbt_identity.accounts.domain import as_utc
from xbt_shared.auth import PersonRole
from xbt_shared.bounds import EARLIEST, LATEST

Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$"
    ),
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _bounded(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError(
            f"时间须在 {EARLIEST.year} 年至 {LATEST.year - 1} 年之间 "
            f"(a time between {EARLIEST.year} and {LATEST.year - 1})"
        )
    return value


# A time a person gives: with an offset (`2026-03-09T15:00:00+08:00`, `...Z`) or without one,
# which is Beijing time (`2026-03-09T15:00:00` is 07:00 UTC); taken as UTC, between 2000 and
# 2099 (like `xbt_shared.bounds.Instant`, which refuses a time without an offset).
LocalInstant = Annotated[
    datetime,
    AfterValidator(as_utc),
    AfterValidator(_bounded),
    Field(
        description="Without an offset, Beijing time (Asia/Shanghai).",
        json_schema_extra={"x-earliest": EARLIEST.isoformat(), "x-latest": LATEST.isoformat()},
    ),
]


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant: str = Field(
        max_length=32,
        examples=["heping", "和平区"],
        description=(
            "The district (or the city) by its id (`heping`) or its Chinese name (`和平区`, "
            "`和平`); an unknown one is answered like a wrong password."
        ),
    )
    username: str = Field(min_length=1, max_length=64, examples=["student1"])
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=512)


class Session(BaseModel):
    user_id: str
    tenant: str
    roles: list[str]
    name: str | None = None
    school: str | None = None
    classes: list[str] = []
    must_change_password: bool
    expires_at: int


class ChangePasswordRequest(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class Teaching(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    class_id: str
    subjects: list[str]


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(validation_alias=AliasChoices("_id", "id"))
    username: str
    name: str
    roles: list[str]
    school_id: str | None = None
    class_ids: list[str] = []
    teaching: list[Teaching] = []
    student_no: str | None = None
    must_change_password: bool = False
    disabled: bool = False


class Me(User):
    tenant: str
    tenant_name: str
    school_name: str | None = None


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    name: PersonName
    roles: list[PersonRole] = Field(min_length=1)
    school_id: str | None = None
    class_ids: list[str] = []
    student_no: str | None = Field(default=None, max_length=32)


class CreatedUser(BaseModel):
    user: User
    one_time_password: str


class LoginState(BaseModel):
    """An account's recent failed logins (and wrong current passwords)."""

    recent_failures: int = Field(
        description="From every client, since the account last had a quiet window."
    )
    last_failure_at: datetime
    locked_until: datetime | None = Field(
        default=None,
        description=(
            "Until when the clients that failed are kept out (a client's lock or the "
            "account's delay); others still sign in with the right password."
        ),
    )


class ListedUser(User):
    last_login_at: datetime | None = Field(
        default=None, description="Last password login (kept in Redis: a hint, not a record)."
    )
    login: LoginState | None = Field(
        default=None,
        description="Recent failed logins; null when there are none (an unlock clears them).",
    )


class UserPage(BaseModel):
    items: list[ListedUser]
    total: int
    page: int
    size: int


class Colleague(BaseModel):
    """A staff account of your district as the colleague directory shows it (no username,
    学号 or login data)."""

    model_config = ConfigDict(from_attributes=True)

    user_id: str = Field(examples=["u-hp-teacher1"])
    name: str = Field(examples=["张老师"])
    roles: list[str] = Field(
        examples=[["teacher"]],
        description="Its staff roles: teacher, researcher, school_admin, district_admin.",
    )
    school_id: str | None = Field(default=None, examples=["hp-sy-zx"])
    school_name: str | None = Field(default=None, examples=["和平区实验中学"])


class ColleaguePage(BaseModel):
    items: list[Colleague]
    total: int
    page: int
    size: int


class GuestAccess(BaseModel):
    enabled: bool
    valid_from: datetime | None = Field(default=None, description="Beijing time (+08:00).")
    valid_until: datetime | None = Field(default=None, description="Beijing time (+08:00).")
    username: str
    open_now: bool
    password: str | None = Field(
        default=None, description="Only returned when a new guest password was set."
    )


class GuestAccessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool
    valid_from: LocalInstant | None = None
    valid_until: LocalInstant | None = None
    password: str | None = Field(default=None, min_length=8, max_length=64)


class TenantInfo(BaseModel):
    id: str = Field(examples=["heping"])
    name: str = Field(examples=["和平区"])
    guest_open: bool = Field(
        description="Whether the district's guest account (公用账号, 游客入口) may sign in now."
    )
    guest_open_until: datetime | None = Field(
        default=None,
        description="When the open guest window closes, Beijing time (+08:00); null when closed.",
    )
