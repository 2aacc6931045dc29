"""Accounts use cases: login and tokens, passwords, accounts, the user's own view, the guest
account.

Authenticated use cases take the `Caller`; login, refresh and logout have none and name
their tenant (the login form's district, the refresh token's prefix).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from xbt_identity.accounts import domain
from xbt_identity.accounts.domain import (
    GuestWindow,
    LoginPolicy,
    LoginRecord,
    LoginState,
    Refusal,
    TokenPair,
    User,
)
from xbt_identity.accounts.store import (
    GuestWindowCache,
    LoginAttempts,
    RefreshRejected,
    RefreshTokens,
    UserStore,
)
from xbt_identity.events import AccountLocked as AccountLockedEvent
from xbt_identity.events import UserRegistered
from xbt_identity.keys.service import TokenIssuer
from xbt_identity.roster.domain import School, SchoolClass
from xbt_identity.settings import IdentitySettings
from xbt_shared.caller import Caller
from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, Forbidden, NotFound, Problem, Unauthorized, Unprocessable
from xbt_shared.mongo import Mongo, UnitOfWork
from xbt_shared.tenancy import ALL_TENANTS, Tenant, is_tenant
from xbt_shared.transactions import CONCURRENT_INSERT


class AccountLocked(Problem):
    status, slug, title = 423, "account-locked", "Account locked"


class LoginThrottled(Problem):
    status, slug, title = 429, "login-throttled", "Too many failed logins"


# How long the public district list may show a guest window (in Redis and in HTTP caches):
# setting a window forgets Redis's copy, so only a browser's copy can lag, by this much.
GUEST_LIST_CACHE_SECONDS = 30

# The client a login comes from when the route could not say (see `http.ClientAddress`).
UNKNOWN_CLIENT = "unknown"


class Passwords:
    """argon2id with the OWASP parameters, run off the event loop.

    A hash or verify costs ~31 ms of CPU. It runs in a small thread pool (argon2-cffi releases
    the GIL), so logins use every core while the loop keeps serving other requests.
    """

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int, threads: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        # Verified against when the username is unknown, so timing does not reveal accounts.
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.hasher.hash, password)

    def hash_sync(self, password: str) -> str:
        return self.hasher.hash(password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, self._verify, stored_hash or self._dummy_hash, password, stored_hash is None
        )

    def _verify(self, stored_hash: str, password: str, dummy: bool) -> bool:
        try:
            ok = self.hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and not dummy

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class OneTimePasswords:
    """Hashes for generated one-time passwords.

    They are random (about 57 bits over a 54-character alphabet), so a slow hash adds no
    protection worth its price: argon2id with small parameters (~1 ms) lets a 5,000-pupil
    roster import in seconds. A chosen password always gets the OWASP parameters.
    """

    def __init__(self) -> None:
        self.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)


class Schools(Protocol):
    """What accounts reads of schools and classes (the roster feature's service)."""

    async def school(self, tenant: Tenant, school_id: str) -> School | None: ...

    async def schools_by_ids(self, tenant: Tenant, school_ids: Sequence[str]) -> list[School]: ...

    async def classes_by_ids(
        self, tenant: Tenant, class_ids: Sequence[str]
    ) -> list[SchoolClass]: ...


@dataclass(frozen=True)
class Me:
    user: User
    tenant: Tenant
    school_name: str | None


@dataclass(frozen=True)
class Colleague:
    """A staff account as colleagues see it: who, at which school, in which roles."""

    user_id: str
    name: str
    roles: list[str]
    school_id: str | None
    school_name: str | None


@dataclass(frozen=True)
class ListedUser:
    user: User
    last_login_at: datetime | None
    login: LoginState | None = None


class Accounts:
    """The accounts use cases, built once in the lifespan."""

    def __init__(
        self,
        *,
        settings: IdentitySettings,
        mongo: Mongo,
        passwords: Passwords,
        one_time: OneTimePasswords,
        issuer: TokenIssuer,
        refresh: RefreshTokens,
        attempts: LoginAttempts,
        schools: Schools,
        guest_windows: GuestWindowCache,
    ) -> None:
        self.settings = settings
        self.mongo = mongo
        self.passwords = passwords
        self.one_time = one_time
        self.issuer = issuer
        self.refresh = refresh
        self.attempts = attempts
        self.schools = schools
        self.guest_windows = guest_windows
        self.policy = LoginPolicy(
            client_limit=settings.max_failed_logins,
            window_ms=settings.failed_login_window_seconds * 1000,
            lock_ms=settings.lock_seconds * 1000,
            delay_after=settings.login_delay_after_failures,
            delay_base_ms=int(settings.login_delay_base_seconds * 1000),
            delay_max_ms=int(settings.login_delay_max_seconds * 1000),
        )
        self.grace_ms = int(settings.refresh_reuse_grace_seconds * 1000)

    def users(self, tenant: Tenant) -> UserStore:
        return UserStore(self.mongo.for_tenant(tenant))

    # login -----------------------------------------------------------------------------------

    async def login(
        self, tenant_name: str, username: str, password: str, *, client: str = UNKNOWN_CLIENT
    ) -> TokenPair:
        """Check a password login from `client` (its address, see `domain.client_address`):
        failures count per account and client (`domain.LoginPolicy`). The district is named
        by its id or its Chinese name (`domain.tenant_named`); an unknown one is answered
        like a wrong password."""
        tenant = domain.tenant_named(tenant_name)
        if tenant is None:
            raise _invalid_credentials()
        username = username.strip()
        await self._gate(tenant, username, client)
        users = self.users(tenant)
        user = await users.by_username(username)
        if user is not None and user.is_guest and not await self.guest_open_now(tenant):
            # Before the password is checked: the right and a wrong one answer alike.
            raise _guest_closed()
        if not await self.passwords.verify(user.password_hash if user else None, password):
            refusal = await self._failed(tenant, username, client, user, via="login")
            if refusal is not None:
                raise _refused(refusal)
            raise _invalid_credentials()
        assert user is not None and user.password_hash is not None
        if user.disabled:
            raise Forbidden("this account is disabled", slug="account-disabled")
        if not user.must_change_password and self.passwords.needs_rehash(user.password_hash):
            new_hash = await self.passwords.hash(password)
            await users.set_fields(user.id, {"password_hash": new_hash})
        await self.attempts.succeeded(tenant.id, username, client, user.id)
        return await self.issue_tokens(tenant, user)

    async def _gate(self, tenant: Tenant, username: str, client: str) -> None:
        """Refuse, before the password is checked, a client locked out of the account or
        waiting out the account's delay."""
        now = _clock_ms()
        record = await self.attempts.record(
            tenant.id, username, client, policy=self.policy, now_ms=now
        )
        refusal = self.policy.gate(record, now)
        if refusal is not None:
            raise _refused(refusal)

    async def _failed(
        self, tenant: Tenant, username: str, client: str, user: User | None, *, via: str
    ) -> Refusal | None:
        """Count a wrong password of `client` on the account; how to answer it (None: as a
        plain wrong password). Tells the account's admins once an episode grows alarming."""
        now = _clock_ms()
        record = await self.attempts.failed(
            tenant.id, username, client, policy=self.policy, now_ms=now
        )
        if (
            user is not None
            and self.policy.alarming(record, now)
            and await self.attempts.tell_once(tenant.id, username)
        ):
            await self._tell_admins(tenant, user, record, via=via)
        return self.policy.after_failure(record, now)

    async def _tell_admins(
        self, tenant: Tenant, user: User, record: LoginRecord, *, via: str
    ) -> None:
        until = self.policy.shown_until_ms(record)
        event = AccountLockedEvent(
            user_id=user.id,
            username=user.username,
            name=user.name,
            school_id=user.school_id,
            failed_attempts=record.failures,
            locked_until=datetime.fromtimestamp(until / 1000, UTC),
            via=via,
        )
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            uow.record(event, subject=user.id)

    async def issue_tokens(self, tenant: Tenant, user: User) -> TokenPair:
        """A new session: the user has just proved their password."""
        auth_time = int(time.time())
        family, secret = await self.refresh.start_family(tenant.id, user.id, auth_time=auth_time)
        claims = {
            **domain.access_claims(user, tenant=tenant.id, session=family),
            "auth_time": auth_time,
        }
        access = self.issuer.access_token(claims)
        return TokenPair(access, domain.refresh_token(tenant, secret), self.issuer.access_ttl)

    async def refresh_tokens(self, refresh_token: str) -> TokenPair:
        """Rotate a refresh token. The same token again within the grace window (two tabs
        refreshing at once) gets the pair its first rotation made; later, it was stolen and
        the whole session ends."""
        tenant, secret = _split_refresh(refresh_token)
        now = _clock_ms()
        try:
            rotation = await self.refresh.rotate(tenant.id, secret, now_ms=now)
        except RefreshRejected as exc:
            raise Unauthorized(str(exc), slug="invalid-refresh-token") from exc
        record = rotation.record
        if rotation.successor is None:
            return await self._repeat(tenant, secret, record.family, rotation.rotated_at_ms, now)
        user = await self.users(tenant).by_id(record.user_id)
        if user is None or user.disabled:
            await self.refresh.revoke_family(tenant.id, record.family)
            raise Unauthorized("the account is no longer active", slug="invalid-refresh-token")
        if user.is_guest:
            await self._check_guest_window(tenant)
        claims = {
            **domain.access_claims(user, tenant=tenant.id, session=record.family),
            "auth_time": record.auth_time,
        }
        access = self.issuer.access_token(claims)
        pair = TokenPair(
            access, domain.refresh_token(tenant, rotation.successor), self.issuer.access_ttl
        )
        if self.grace_ms > 0:
            sealed = domain.seal_pair(secret, pair)
            await self.refresh.keep_pair(tenant.id, secret, sealed, ttl_ms=self.grace_ms)
        return pair

    async def _repeat(
        self, tenant: Tenant, secret: str, family: str, rotated_at_ms: int, now: int
    ) -> TokenPair:
        if rotated_at_ms <= 0 or now - rotated_at_ms > self.grace_ms:
            await self.refresh.revoke_family(tenant.id, family)
            raise Unauthorized(
                "refresh token reused; the session was revoked", slug="invalid-refresh-token"
            )
        # The first rotation may still be under way (the other tab's request): wait for it.
        sealed = await self.refresh.kept_pair(tenant.id, secret, wait_seconds=REPEAT_WAIT_SECONDS)
        if sealed is None:
            raise Unauthorized("the session was revoked", slug="invalid-refresh-token")
        return domain.open_pair(secret, sealed)

    async def logout(self, refresh_token: str) -> None:
        tenant, secret = _split_refresh(refresh_token)
        record = await self.refresh.lookup(tenant.id, secret)
        if record is not None:
            await self.refresh.revoke_family(tenant.id, record.family)

    # passwords -------------------------------------------------------------------------------

    async def change_password(
        self,
        caller: Caller,
        *,
        current_password: str,
        new_password: str,
        client: str = UNKNOWN_CLIENT,
    ) -> TokenPair:
        """Set one's own password. A wrong current password counts as a failed login of the
        account from `client`; after `max_password_change_failures` of them in one session
        (the token's `sid`), the session ends."""
        principal = caller.principal
        if principal.is_guest:
            raise Forbidden(
                "the guest account's password is set by the district", slug="guest-read-only"
            )
        # One's own account lives in one's own tenant, whichever tenant the request names.
        tenant = Tenant(principal.tenant)
        session = principal.claims.get("sid")
        if isinstance(session, str) and not await self.refresh.active(tenant.id, session):
            raise _session_ended()
        users = self.users(tenant)
        user = await users.by_id(principal.user_id)
        if user is None or user.disabled:
            raise Unauthorized("the account is no longer active")
        await self._gate(tenant, user.username, client)
        if not await self.passwords.verify(user.password_hash, current_password):
            refusal = await self._failed(tenant, user.username, client, user, via="password_change")
            if isinstance(session, str):
                wrong = await self.refresh.password_failure(tenant.id, session)
                if wrong >= self.settings.max_password_change_failures:
                    await self.refresh.revoke_family(tenant.id, session)
                    raise _session_ended()
            if refusal is not None:
                raise _refused(refusal)
            raise Forbidden("当前密码不正确。", slug="wrong-password")
        problems = domain.password_problems(new_password, username=user.username)
        if new_password == current_password:
            problems.append("must differ from the current password")
        if problems:
            raise Unprocessable(
                "the new password is not acceptable: " + "; ".join(problems),
                errors=[{"field": "body.new_password", "message": p} for p in problems],
            )
        updated = await users.update(
            user.id,
            {
                "password_hash": await self.passwords.hash(new_password),
                "must_change_password": False,
                "password_changed_at": now_ms(),
            },
        )
        assert updated is not None
        await self.refresh.revoke_user(tenant.id, user.id)
        await self.attempts.succeeded(tenant.id, user.username, client, user.id)
        return await self.issue_tokens(tenant, updated)

    # accounts --------------------------------------------------------------------------------

    async def create_user(
        self,
        caller: Caller,
        *,
        username: str,
        name: str,
        roles: list[str],
        school_id: str | None,
        class_ids: list[str],
        student_no: str | None,
    ) -> tuple[User, str]:
        actor = caller.principal
        if domain.unsafe_name(name):
            raise Unprocessable(
                "姓名不能以 = + - @ 开头，也不能含有制表符等控制字符（表格软件会把它当作公式）。",
                errors=[{"field": "body.name", "message": "looks like a spreadsheet formula"}],
            )
        if not domain.can_grant(actor.roles, set(roles)):
            raise Forbidden(f"you may not create accounts with the roles {roles}")
        if "school_admin" in actor.roles and not actor.has_role("district_admin", "city_admin"):
            if school_id not in (None, actor.school):
                raise Forbidden("a school administrator creates accounts for their own school")
            school_id = actor.school
        if school_id is not None and await self.schools.school(caller.tenant, school_id) is None:
            raise Unprocessable(
                f"unknown school {school_id!r}",
                errors=[{"field": "body.school_id", "message": "unknown school"}],
            )
        if class_ids:
            found = await self.schools.classes_by_ids(caller.tenant, class_ids)
            if len(found) != len(set(class_ids)) or any(c.school_id != school_id for c in found):
                raise Unprocessable(
                    "every class must exist and belong to the account's school",
                    errors=[{"field": "body.class_ids", "message": "unknown class"}],
                )
        password = domain.one_time_password()
        user = User(
            id=domain.new_user_id(),
            username=username,
            name=name,
            roles=roles,
            school_id=school_id,
            class_ids=class_ids if "student" in roles else [],
            student_no=student_no,
            password_hash=self.one_time.hash(password),
            must_change_password=True,
            created_at=now_ms(),
            created_by=actor.user_id,
        )
        try:
            async with caller.unit_of_work() as uow:
                await register_accounts(uow, [user], via="admin")
        except CONCURRENT_INSERT as exc:
            raise Conflict(f"the username {username!r} is taken", slug="username-taken") from exc
        return user, password

    async def _managed_user(self, caller: Caller, user_id: str) -> User:
        user = await UserStore(caller.db).by_id(user_id)
        if user is None:
            raise NotFound("no such user")
        actor = caller.principal
        act = domain.Actor(roles=actor.roles, tenant=actor.tenant, school=actor.school)
        if not domain.can_manage_user(act, user_school=user.school_id, user_roles=set(user.roles)):
            # Outside the admin's reach looks the same as missing.
            raise NotFound("no such user")
        return user

    async def reset_password(self, caller: Caller, user_id: str) -> tuple[User, str]:
        """A new one-time password for an account, to be replaced at its next login: its
        sessions end and its failed logins are forgotten."""
        user = await self._managed_user(caller, user_id)
        password = domain.one_time_password()
        updated = await UserStore(caller.db).update(
            user.id,
            {
                "password_hash": self.one_time.hash(password),
                "must_change_password": True,
                "password_reset_at": now_ms(),
                "password_reset_by": caller.user_id,
            },
        )
        assert updated is not None
        await self.refresh.revoke_user(caller.tenant.id, user.id)
        await self.attempts.unlock(caller.tenant.id, user.username)
        return updated, password

    async def unlock(self, caller: Caller, user_id: str) -> ListedUser:
        """Forget an account's failed logins and lift every client's lock on it."""
        user = await self._managed_user(caller, user_id)
        await self.attempts.unlock(caller.tenant.id, user.username)
        (seen,) = await self.attempts.last_logins(caller.tenant.id, [user.id])
        return ListedUser(user, seen, None)

    async def set_disabled(self, caller: Caller, user_id: str, *, disabled: bool) -> ListedUser:
        """Disable an account (its sessions end, it cannot sign in) or enable it again; the
        account as the list shows it after."""
        user = await self._managed_user(caller, user_id)
        if disabled and user.id == caller.user_id:
            raise Conflict("you cannot disable your own account")
        updated = await UserStore(caller.db).update(
            user.id, {"disabled": disabled, "disabled_by": caller.user_id if disabled else None}
        )
        assert updated is not None
        if disabled:
            await self.refresh.revoke_user(caller.tenant.id, user.id)
        (listed,) = await self._listed(caller, [updated])
        return listed

    async def list_users(
        self,
        caller: Caller,
        *,
        school_id: str | None,
        role: str | None,
        page: int,
        size: int,
        search: str | None = None,
        disabled: bool | None = None,
    ) -> tuple[list[ListedUser], int]:
        """One page of the accounts the caller administers (a school administrator: their
        school's), found by school, role, state and a part of the name, username or 学号."""
        if not caller.has_role("district_admin", "city_admin"):
            # A school administrator sees their own school only.
            own = caller.principal.school
            if school_id and school_id != own:
                return [], 0
            school_id = own
        users, total = await UserStore(caller.db).page(
            school_id=school_id,
            role=role,
            page=page,
            size=size,
            search=(search or "").strip() or None,
            disabled=disabled,
        )
        return await self._listed(caller, users), total

    async def _listed(self, caller: Caller, users: Sequence[User]) -> list[ListedUser]:
        """The accounts as an administrator's list shows them: last login, failed logins."""
        tenant = caller.tenant.id
        seen = await self.attempts.last_logins(tenant, [u.id for u in users])
        failed = await self.attempts.accounts(tenant, [u.username for u in users])
        now = _clock_ms()
        return [
            ListedUser(u, at, domain.login_state(self.policy, record, now))
            for u, at, record in zip(users, seen, failed, strict=True)
        ]

    # the colleague directory -----------------------------------------------------------------

    async def colleagues(
        self,
        caller: Caller,
        *,
        search: str | None,
        ids: Sequence[str] | None,
        page: int,
        size: int,
    ) -> tuple[list[Colleague], int]:
        """One page of the staff of the caller's tenant (teachers, researchers, school and
        district administrators; never pupils, the guest or disabled accounts), found by a
        part of the name or by ids. Ids of anyone else, or of another tenant, find nothing."""
        if not caller.has_role(*domain.COLLEAGUE_ROLES) or caller.has_role(*domain.NOT_COLLEAGUES):
            raise Forbidden("the colleague directory is for teachers, researchers and admins")
        if ids is not None and not ids:
            return [], 0
        users, total = await UserStore(caller.db).colleagues(
            roles=domain.COLLEAGUE_ROLES,
            excluded_roles=domain.NOT_COLLEAGUES,
            search=(search or "").strip() or None,
            ids=ids,
            page=page,
            size=size,
        )
        school_ids = sorted({u.school_id for u in users if u.school_id})
        schools = {
            s.id: s.name for s in await self.schools.schools_by_ids(caller.tenant, school_ids)
        }
        return [
            Colleague(
                user_id=u.id,
                name=u.name,
                roles=[r for r in u.roles if r in domain.COLLEAGUE_ROLES],
                school_id=u.school_id,
                school_name=schools.get(u.school_id) if u.school_id else None,
            )
            for u in users
        ], total

    # the user's own view ---------------------------------------------------------------------

    async def me(self, caller: Caller) -> Me:
        tenant = Tenant(caller.principal.tenant)
        user = await self.users(tenant).by_id(caller.user_id)
        if user is None:
            raise NotFound("your account no longer exists")
        school = await self.schools.school(tenant, user.school_id) if user.school_id else None
        return Me(user, tenant, school.name if school else None)

    async def account(self, tenant: Tenant, user_id: str) -> User | None:
        """An account, for a flow that has no caller yet (OIDC codes, userinfo)."""
        return await self.users(tenant).by_id(user_id)

    async def account_named(self, tenant: Tenant, username: str) -> User | None:
        return await self.users(tenant).by_username(username)

    # guest account --------------------------------------------------------------------------

    async def guest_access(self, caller: Caller) -> GuestWindow:
        """The guest window of the district the caller administers."""
        return await UserStore(caller.db).guest_window()

    async def guest_windows_of_all(self) -> list[tuple[Tenant, GuestWindow]]:
        """Every tenant's guest window, for the public district list (no caller: the login
        page asks before anyone signs in). Kept briefly in Redis; the missing ones are read
        at once and kept."""
        tenants = ALL_TENANTS
        kept = await self.guest_windows.windows([t.id for t in tenants])
        missing = [t for t, window in zip(tenants, kept, strict=True) if window is None]
        read: dict[str, GuestWindow] = {}
        if missing:
            found = await asyncio.gather(*(self.users(t).guest_window() for t in missing))
            read = {t.id: window for t, window in zip(missing, found, strict=True)}
            await self.guest_windows.keep(read)
        return [
            (t, window if window is not None else read[t.id])
            for t, window in zip(tenants, kept, strict=True)
        ]

    async def guest_open_now(self, tenant: Tenant) -> bool:
        """Whether the tenant's guest account may sign in now (a login has no caller yet)."""
        return (await self.users(tenant).guest_window()).open_at(datetime.now(UTC))

    async def set_guest_access(
        self, caller: Caller, window: GuestWindow, *, password: str | None
    ) -> tuple[GuestWindow, str | None]:
        """Open or close the guest window; a new password when one is asked for (or the
        account is made). Returns the window and the new password, if any."""
        problem = domain.guest_window_problem(window)
        if problem is not None:
            detail, message = problem
            raise Unprocessable(detail, errors=[{"field": "body.valid_until", "message": message}])
        users = UserStore(caller.db)
        new_password: str | None = None
        guest = await users.by_username(domain.GUEST_USERNAME)
        if window.enabled and (guest is None or password):
            new_password = password or domain.one_time_password(12)
        if new_password is not None:
            hashed = await self.passwords.hash(new_password)
            if guest is None:
                guest = User(
                    id=domain.new_user_id(),
                    username=domain.GUEST_USERNAME,
                    name=domain.GUEST_NAME,
                    roles=["guest"],
                    password_hash=hashed,
                    created_at=now_ms(),
                    created_by=caller.user_id,
                )
                await users.insert(guest)
            else:
                await users.update(guest.id, {"password_hash": hashed})
        await users.put_guest_window(window, by=caller.user_id, at=now_ms())
        await self.guest_windows.forget(caller.tenant.id)  # the public list shows it at once
        if not window.enabled and guest is not None:
            await self.refresh.revoke_user(caller.tenant.id, guest.id)
        return await users.guest_window(), new_password

    async def _check_guest_window(self, tenant: Tenant) -> None:
        if not await self.guest_open_now(tenant):
            raise _guest_closed()


async def register_accounts(uow: UnitOfWork, users: Sequence[User], *, via: str) -> None:
    """Insert new accounts inside `uow`, each with its `identity.user.registered` event (an
    admin's one, a roster's thousand, the demo seed's)."""
    await UserStore.within(uow).insert_many(users)
    for user in users:
        uow.record(registered_event(user, via=via), subject=user.id)


def registered_event(user: User, *, via: str) -> UserRegistered:
    return UserRegistered(
        user_id=user.id,
        username=user.username,
        name=user.name,
        roles=user.roles,
        school_id=user.school_id,
        class_ids=user.class_ids,
        via=via,
    )


# How long a repeated refresh waits for the first one (the other tab's) to keep its pair.
REPEAT_WAIT_SECONDS = 3.0


def _clock_ms() -> int:
    return int(time.time() * 1000)


def _invalid_credentials() -> Unauthorized:
    return Unauthorized("区县、用户名或密码不正确。", slug="invalid-credentials")


def _guest_closed() -> Forbidden:
    return Forbidden("公用账号现在未开放。", slug="guest-access-closed")


def _session_ended() -> Unauthorized:
    return Unauthorized("当前密码输错次数过多，本次登录已结束，请重新登录。", slug="session-ended")


def _refused(refusal: Refusal) -> Problem:
    seconds = refusal.retry_after_seconds
    headers = {"Retry-After": str(seconds)}
    if refusal.kind == "locked":
        return AccountLocked(
            f"登录失败次数过多，此设备暂时不能登录该账号，请 {seconds} 秒后再试，"
            "或请学校管理员解锁。",
            headers=headers,
            retry_after=seconds,
        )
    return LoginThrottled(
        f"该账号近期登录失败次数过多，请 {seconds} 秒后再试。",
        headers=headers,
        retry_after=seconds,
    )


def _split_refresh(refresh_token: str) -> tuple[Tenant, str]:
    tenant_id, _, secret = refresh_token.partition(".")
    if not secret or not is_tenant(tenant_id):
        raise Unauthorized("malformed refresh token", slug="invalid-refresh-token")
    return Tenant(tenant_id), secret
