"""Accounts without I/O: the user aggregate, who may manage or grant whom, the guest
window, what a chosen password must be, and what an access token says about a user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xbt_shared.tenancy import TENANT_NAMES, Tenant

GUEST_USERNAME = "guest"
GUEST_NAME = "公用账号"

# the district a login names ---------------------------------------------------------------------


def _spellings() -> dict[str, str]:
    """Every way a login may name a tenant: its id (`heping`), its Chinese name (`和平区`) and
    that name without 区, 新区 or 市 (`和平`, `滨海`, `天津`); none of them is ambiguous."""
    spellings: dict[str, str] = {}
    for tenant_id, name in TENANT_NAMES.items():
        spellings[tenant_id] = tenant_id
        spellings[name] = tenant_id
        for suffix in ("新区", "区", "市"):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                spellings[name.removesuffix(suffix)] = tenant_id
                break
    return spellings


_TENANT_SPELLINGS = _spellings()


def tenant_named(value: str) -> Tenant | None:
    """The tenant a login form names, by id or by Chinese name (whitespace, letter case and
    full-width forms aside); None for anything else, which a login answers like a wrong
    password."""
    key = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    tenant_id = _TENANT_SPELLINGS.get(key) or _TENANT_SPELLINGS.get(key.lower())
    return Tenant(tenant_id) if tenant_id else None


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

# The staff a colleague directory lists and who may read it (teachers and researchers find
# colleagues for research groups and lesson plans). Never pupils, the guest or 客服: an
# account with any of `NOT_COLLEAGUES` is left out even if it has a staff role too.
COLLEAGUE_ROLES = frozenset(
    {"teacher", "researcher", "school_admin", "district_admin", "city_admin"}
)
NOT_COLLEAGUES = frozenset({"student", "guest"})


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


# times -----------------------------------------------------------------------------------------

# Asia/Shanghai: UTC+8 without daylight saving since 1991, so a fixed offset is exact.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def as_utc(value: datetime) -> datetime:
    """A time a person gave, in UTC: one without an offset is Beijing time."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(UTC)


def in_beijing(value: datetime | None) -> datetime | None:
    """A stored (UTC) time as Beijing time, with its +08:00 offset, for an answer."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored without one: the store keeps UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING)


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

    def open_until(self, now: datetime) -> datetime | None:
        """When the window open at `now` closes (None when it is closed, or has no end)."""
        return self.valid_until if self.open_at(now) else None


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


def access_claims(user: User, *, tenant: str, session: str | None = None) -> dict[str, Any]:
    """The claims an access token carries about a user; `sid` names the session (the
    refresh family), so a use case can end the session the token belongs to."""
    return {
        **({"sid": session} if session else {}),
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


# A rotated refresh token's successor pair is kept for the grace window, to answer the same
# token presented again (two tabs refreshing at once). Redis holds only a hash of a refresh
# token, so the pair is sealed with a key derived from the presented token: whoever reads
# Redis cannot open it, and the token's hash (the Redis key) does not give the key.
_SEAL_INFO = b"xbt refresh grace v1"


def _seal_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _SEAL_INFO, hashlib.sha256).digest()


def seal_pair(secret: str, pair: TokenPair) -> str:
    nonce = secrets.token_bytes(12)
    plain = json.dumps([pair.access_token, pair.refresh_token, pair.expires_in]).encode()
    sealed = AESGCM(_seal_key(secret)).encrypt(nonce, plain, _SEAL_INFO)
    return base64.b64encode(nonce + sealed).decode()


def open_pair(secret: str, sealed: str) -> TokenPair:
    raw = base64.b64decode(sealed)
    plain = AESGCM(_seal_key(secret)).decrypt(raw[:12], raw[12:], _SEAL_INFO)
    access, refresh, expires_in = json.loads(plain)
    return TokenPair(str(access), str(refresh), int(expires_in))


# failed logins ---------------------------------------------------------------------------------


def client_address(forwarded_for: str | None, peer: str | None, *, hops: int) -> str:
    """The client as the gateway saw it: the `hops`-th X-Forwarded-For entry from the right
    (the gateway appends the address it received from; anything further left was written
    by the client or by proxies not trusted), else the socket peer."""
    if forwarded_for:
        chain = [part.strip() for part in forwarded_for.split(",") if part.strip()]
        if chain:
            return chain[-hops] if len(chain) >= hops else chain[0]
    return peer or "unknown"


@dataclass(frozen=True)
class LoginRecord:
    """What is remembered of an account's failed logins, as seen from one client."""

    failures: int = 0  # the account's, from every client
    last_failure_ms: int = 0
    client_failures: int = 0  # this client's, within the window
    client_locked_until_ms: int = 0
    locked_until_ms: int = 0  # the latest lock of any client (what an admin is shown)


@dataclass(frozen=True)
class LoginPolicy:
    """Failures per account *and* client; delays for the account as a whole.

    A stranger guessing from one address locks that address out of the account, not the
    owner; a guesser spread over many addresses meets the account's growing delays, which
    only clients that failed on the account wait out. The owner's right password from a
    client without failures is always let in.
    """

    client_limit: int = 5
    window_ms: int = 900_000
    lock_ms: int = 900_000
    delay_after: int = 5
    delay_base_ms: int = 1_000
    delay_max_ms: int = 300_000

    def delay_ms(self, failures: int) -> int:
        if failures < self.delay_after:
            return 0
        doublings = min(failures - self.delay_after, 40)
        return int(min(self.delay_max_ms, self.delay_base_ms * 2**doublings))

    def throttled_until_ms(self, record: LoginRecord) -> int:
        delay = self.delay_ms(record.failures)
        return record.last_failure_ms + delay if delay else 0

    def gate(self, record: LoginRecord, now_ms: int) -> Refusal | None:
        """Whether this client must wait before its password is even checked."""
        if record.client_locked_until_ms > now_ms:
            return Refusal("locked", record.client_locked_until_ms - now_ms)
        if record.client_failures > 0:
            until = self.throttled_until_ms(record)
            if until > now_ms:
                return Refusal("throttled", until - now_ms)
        return None

    def after_failure(self, record: LoginRecord, now_ms: int) -> Refusal | None:
        """How a wrong password is answered, once counted: a lock, a delay, or None (the
        plain 401)."""
        if record.client_locked_until_ms > now_ms:
            return Refusal("locked", record.client_locked_until_ms - now_ms)
        until = self.throttled_until_ms(record)
        if until > now_ms:
            return Refusal("throttled", until - now_ms)
        return None

    def shown_until_ms(self, record: LoginRecord) -> int:
        """Until when the clients that failed on the account are kept out: the latest
        per-client lock or the account's delay, whichever ends later (what an admin sees)."""
        return max(record.locked_until_ms, self.throttled_until_ms(record))

    def alarming(self, record: LoginRecord, now_ms: int) -> bool:
        """Whether the account's failures are worth telling its admins about (once an
        episode: the store remembers that it told)."""
        return record.failures >= self.delay_after or record.client_locked_until_ms > now_ms


@dataclass(frozen=True)
class Refusal:
    kind: Literal["locked", "throttled"]
    retry_after_ms: int

    @property
    def retry_after_seconds(self) -> int:
        return max(1, -(-self.retry_after_ms // 1000))


@dataclass(frozen=True)
class LoginState:
    """An account's recent failed logins as its administrators see them."""

    failures: int
    last_failure_at: datetime
    locked_until: datetime | None


def login_state(policy: LoginPolicy, record: LoginRecord | None, now_ms: int) -> LoginState | None:
    """None when the account has no recent failures to show."""
    if record is None or record.failures <= 0:
        return None
    until = policy.shown_until_ms(record)
    return LoginState(
        failures=record.failures,
        last_failure_at=_from_ms(record.last_failure_ms),
        locked_until=_from_ms(until) if until > now_ms else None,
    )


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
