"""Accounts without I/O: the user aggregate, who may manage or grant whom, the guest
window, what a chosen password must be, and what an access token says about a user."""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from xbt_shared.tenancy import Tenant

GUEST_USERNAME = "guest"
GUEST_NAME = "公用账号"

# Roles each administrator may grant when creating an account.
GRANTABLE_ROLES: dict[str, frozenset[str]] = {
    "school_admin": frozenset({"student", "teacher"}),
    "district_admin": frozenset(
        {"student", "teacher", "school_admin", "researcher", "support_agent"}
    ),
    "city_admin": frozenset(
        {
            "student",
            "teacher",
            "school_admin",
            "district_admin",
            "researcher",
            "support_agent",
            "city_admin",
        }
    ),
}
ADMIN_ROLES = frozenset(GRANTABLE_ROLES)


@dataclass(frozen=True)
class Teaching:
    """A class a teacher teaches, and the subjects."""

    class_id: str
    subjects: list[str]


@dataclass
class User:
    """An account of one tenant: a pupil, a teacher, an administrator or the guest."""

    id: str
    username: str
    name: str
    roles: list[str]
    school_id: str | None = None
    class_ids: list[str] = field(default_factory=list)
    teaching: list[Teaching] = field(default_factory=list)
    student_no: str | None = None
    password_hash: str | None = None
    must_change_password: bool = False
    disabled: bool = False
    created_at: datetime | None = None
    created_by: str | None = None
    # The roster import that created the account, if one did.
    roster_import_id: str | None = None

    @property
    def is_guest(self) -> bool:
        return "guest" in self.roles

    @property
    def is_student(self) -> bool:
        return "student" in self.roles

    def all_class_ids(self) -> list[str]:
        """The classes the user is in or teaches, in that order, each once."""
        return list(dict.fromkeys([*self.class_ids, *(t.class_id for t in self.teaching)]))

    def subjects_by_class(self) -> dict[str, list[str]]:
        return {t.class_id: t.subjects for t in self.teaching}


def new_user_id() -> str:
    return f"u_{uuid.uuid4().hex}"


# Cells starting with these are run as formulas by Excel and WPS when an export (a class
# list, a credentials sheet) is opened; tab and CR start them too, like other control
# characters that have no place in a name.
FORMULA_START = ("=", "+", "-", "@")


def unsafe_name(name: str) -> bool:
    """Whether a person's name would be a formula in a spreadsheet export, or holds control
    characters: refused wherever a name is set (an admin's form, a roster import)."""
    return name.startswith(FORMULA_START) or any(unicodedata.category(c) == "Cc" for c in name)


@dataclass(frozen=True)
class Actor:
    """The administrator acting, as far as the rules care."""

    roles: frozenset[str]
    tenant: str
    school: str | None


def can_manage_user(actor: Actor, *, user_school: str | None, user_roles: set[str]) -> bool:
    """Password resets and disabling: school admins for their school's pupils and teachers,
    district admins for their district, city admins everywhere."""
    if "city_admin" in actor.roles:
        return True
    if "city_admin" in user_roles:
        return False
    if "district_admin" in actor.roles:
        return "district_admin" not in user_roles
    if "school_admin" in actor.roles:
        return (
            actor.school is not None
            and user_school == actor.school
            and user_roles <= {"student", "teacher"}
        )
    return False


def can_grant(actor_roles: frozenset[str], roles: set[str]) -> bool:
    allowed: set[str] = set()
    for role in actor_roles & ADMIN_ROLES:
        allowed |= GRANTABLE_ROLES[role]
    return bool(roles) and roles <= allowed


# the guest account -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GuestWindow:
    """When a district's public guest account (公用账号) may sign in."""

    enabled: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def open_at(self, now: datetime) -> bool:
        return guest_window_open(
            enabled=self.enabled, valid_from=self.valid_from, valid_until=self.valid_until, now=now
        )


def guest_window_open(
    *, enabled: bool, valid_from: datetime | None, valid_until: datetime | None, now: datetime
) -> bool:
    if not enabled:
        return False
    if valid_from and now < valid_from:
        return False
    return not (valid_until and now >= valid_until)


def guest_window_problem(window: GuestWindow) -> tuple[str, str] | None:
    """Why a window can't be set (the detail, and the message for `valid_until`), or None."""
    if window.valid_from and window.valid_until and window.valid_until <= window.valid_from:
        return "valid_until must be after valid_from", "before valid_from"
    if window.enabled and window.valid_until is None:
        return "a guest window needs an end (valid_until)", "required when enabled"
    return None


# passwords -------------------------------------------------------------------------------------

# Unambiguous characters for one-time passwords read off a printed sheet (no 0/O, 1/l/I).
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"

WEAK_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "password",
        "11111111",
        "88888888",
        "00000000",
        "abc12345",
        "qwertyui",
        "1234567890",
        "a1234567",
        "xbt-demo-2020",
    }
)


def one_time_password(length: int = 10) -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _ in range(length))


def password_problems(new_password: str, *, username: str) -> list[str]:
    """Why a chosen password is not acceptable (empty list: it is)."""
    problems = []
    if len(new_password) < 8:
        problems.append("at least 8 characters")
    if len(new_password) > 128:
        problems.append("at most 128 characters")
    if new_password.lower() in WEAK_PASSWORDS or new_password.lower() == username.lower():
        problems.append("too easy to guess")
    if new_password.isdigit() and len(set(new_password)) < 4:
        problems.append("too easy to guess")
    return problems


# tokens ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class RefreshRecord:
    user_id: str
    family: str
    # When the user last proved their password in this session (OIDC `auth_time`).
    auth_time: int = 0


def access_claims(user: User, *, tenant: str) -> dict[str, Any]:
    """The claims an access token carries about a user."""
    return {
        "sub": user.id,
        "tid": tenant,
        "roles": list(user.roles),
        "school": user.school_id,
        "classes": user.all_class_ids(),
        "name": user.name,
        "preferred_username": user.username,
        "pwd_change": user.must_change_password,
    }


def refresh_token(tenant: Tenant, secret: str) -> str:
    """Refresh tokens name their tenant: `<tenant>.<secret>`."""
    return f"{tenant.id}.{secret}"
