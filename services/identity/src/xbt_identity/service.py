"""Identity use cases: login and tokens, passwords, accounts, schools, classes, guests.

Each function takes the acting tenant explicitly; stores are built for that tenant only.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError
from redis.asyncio import Redis

from xbt_identity import domain
from xbt_identity.events import UserRegistered
from xbt_identity.keys import KeySet
from xbt_identity.passwords import OneTimePasswords, Passwords, one_time_password, password_problems
from xbt_identity.settings import IdentitySettings
from xbt_identity.store import IdentityStore
from xbt_identity.tokens import (
    RefreshRejected,
    RefreshTokens,
    TokenIssuer,
    TokenPair,
    access_claims,
)
from xbt_shared.auth import Principal
from xbt_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    Unauthorized,
    Unprocessable,
)
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.tenancy import Tenant, is_tenant

GUEST_USERNAME = "guest"
GUEST_SETTING = "guest_access"


class AccountLocked(Problem):
    status, slug, title = 423, "account-locked", "Account locked"


@dataclass
class Identity:
    """Everything the use cases need, built once in the lifespan."""

    settings: IdentitySettings
    mongo: Mongo
    redis: Redis
    redis_prefix: str
    passwords: Passwords
    one_time: OneTimePasswords
    # ES256 (access tokens, ES256 ID tokens) and RS256 (RS256 ID tokens); see keys.py.
    keys: KeySet
    issuer: TokenIssuer
    refresh: RefreshTokens

    def store(self, tenant: Tenant) -> IdentityStore:
        return IdentityStore(self.mongo.for_tenant(tenant))

    def _key(self, tenant: Tenant, *parts: str) -> str:
        return f"{self.redis_prefix}t:{tenant.id}:{':'.join(parts)}"

    # login -----------------------------------------------------------------------------------

    async def login(self, tenant_id: str, username: str, password: str) -> TokenPair:
        if not is_tenant(tenant_id):
            raise Unauthorized("wrong tenant, username or password", slug="invalid-credentials")
        tenant = Tenant(tenant_id)
        username = username.strip()
        lock_key = self._key(tenant, "lock", username)
        locked_ms = await self.redis.pttl(lock_key)
        if locked_ms > 0:
            raise _locked(locked_ms)
        store = self.store(tenant)
        user = await store.user_by_username(username)
        if not await self.passwords.verify(user.get("password_hash") if user else None, password):
            await self._record_failure(tenant, username)
            raise Unauthorized("wrong tenant, username or password", slug="invalid-credentials")
        assert user is not None
        if user.get("disabled"):
            raise Forbidden("this account is disabled", slug="account-disabled")
        if "guest" in user.get("roles", []):
            await self._check_guest_window(store)
        if not user.get("must_change_password") and self.passwords.needs_rehash(
            user["password_hash"]
        ):
            new_hash = await self.passwords.hash(password)
            await store.set_user_fields(user["_id"], {"password_hash": new_hash})
        # Bookkeeping in one Redis round trip; no database write on the login path.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._key(tenant, "fail", username))
            pipe.hset(self._key(tenant, "last_login"), user["_id"], int(time.time()))
            await pipe.execute()
        return await self.issue_tokens(tenant, user)

    async def _record_failure(self, tenant: Tenant, username: str) -> None:
        fail_key = self._key(tenant, "fail", username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(fail_key)
            pipe.expire(fail_key, self.settings.failed_login_window_seconds, nx=True)
            failures, _ = await pipe.execute()
        if int(failures) >= self.settings.max_failed_logins:
            ms = self.settings.lock_seconds * 1000
            await self.redis.set(self._key(tenant, "lock", username), "1", px=ms)
            await self.redis.delete(fail_key)
            raise _locked(ms)

    async def issue_tokens(self, tenant: Tenant, user: Doc) -> TokenPair:
        """A new session: the user has just proved their password."""
        auth_time = int(time.time())
        claims = {**access_claims(user, tenant=tenant.id), "auth_time": auth_time}
        access = self.issuer.access_token(claims)
        secret = await self.refresh.start_family(tenant.id, user["_id"], auth_time=auth_time)
        return TokenPair(access, f"{tenant.id}.{secret}", self.issuer.access_ttl)

    async def refresh_tokens(self, refresh_token: str) -> TokenPair:
        tenant, secret = _split_refresh(refresh_token)
        try:
            successor, record = await self.refresh.rotate(tenant.id, secret)
        except RefreshRejected as exc:
            raise Unauthorized(str(exc), slug="invalid-refresh-token") from exc
        user = await self.store(tenant).user_by_id(record.user_id)
        if user is None or user.get("disabled"):
            await self.refresh.revoke_family(tenant.id, record.family)
            raise Unauthorized("the account is no longer active", slug="invalid-refresh-token")
        if "guest" in user.get("roles", []):
            await self._check_guest_window(self.store(tenant))
        claims = {**access_claims(user, tenant=tenant.id), "auth_time": record.auth_time}
        access = self.issuer.access_token(claims)
        return TokenPair(access, f"{tenant.id}.{successor}", self.issuer.access_ttl)

    async def logout(self, refresh_token: str) -> None:
        tenant, secret = _split_refresh(refresh_token)
        record = await self.refresh.lookup(tenant.id, secret)
        if record is not None:
            await self.refresh.revoke_family(tenant.id, record.family)

    # passwords -------------------------------------------------------------------------------

    async def change_password(
        self, principal: Principal, *, current_password: str, new_password: str
    ) -> TokenPair:
        if principal.is_guest:
            raise Forbidden(
                "the guest account's password is set by the district", slug="guest-read-only"
            )
        tenant = Tenant(principal.tenant)
        store = self.store(tenant)
        user = await store.user_by_id(principal.user_id)
        if user is None or user.get("disabled"):
            raise Unauthorized("the account is no longer active")
        if not await self.passwords.verify(user.get("password_hash"), current_password):
            raise Forbidden("the current password is wrong", slug="wrong-password")
        problems = password_problems(new_password, username=user["username"])
        if new_password == current_password:
            problems.append("must differ from the current password")
        if problems:
            raise Unprocessable(
                "the new password is not acceptable: " + "; ".join(problems),
                errors=[{"field": "body.new_password", "message": p} for p in problems],
            )
        updated = await store.update_user(
            user["_id"],
            {
                "password_hash": await self.passwords.hash(new_password),
                "must_change_password": False,
                "password_changed_at": datetime.now(UTC),
            },
        )
        assert updated is not None
        await self.refresh.revoke_user(tenant.id, user["_id"])
        return await self.issue_tokens(tenant, updated)

    # accounts --------------------------------------------------------------------------------

    async def create_user(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        username: str,
        name: str,
        roles: list[str],
        school_id: str | None,
        class_ids: list[str],
        student_no: str | None,
    ) -> tuple[Doc, str]:
        if not domain.can_grant(actor.roles, set(roles)):
            raise Forbidden(f"you may not create accounts with the roles {roles}")
        if "school_admin" in actor.roles and not actor.has_role("district_admin", "city_admin"):
            if school_id not in (None, actor.school):
                raise Forbidden("a school administrator creates accounts for their own school")
            school_id = actor.school
        store = self.store(tenant)
        if school_id is not None and await store.school(school_id) is None:
            raise Unprocessable(
                f"unknown school {school_id!r}",
                errors=[{"field": "body.school_id", "message": "unknown school"}],
            )
        if class_ids:
            found = await store.classes_by_ids(class_ids)
            if len(found) != len(set(class_ids)) or any(c["school_id"] != school_id for c in found):
                raise Unprocessable(
                    "every class must exist and belong to the account's school",
                    errors=[{"field": "body.class_ids", "message": "unknown class"}],
                )
        password = one_time_password()
        user: Doc = {
            "_id": new_user_id(),
            "username": username,
            "name": name,
            "roles": roles,
            "school_id": school_id,
            "class_ids": class_ids if "student" in roles else [],
            "teaching": [],
            "student_no": student_no,
            "password_hash": self.one_time.hash(password),
            "must_change_password": True,
            "disabled": False,
            "created_at": datetime.now(UTC),
            "created_by": actor.user_id,
        }
        try:
            async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
                await IdentityStore.within(uow).insert_user(user)
                uow.record(_registered(user, via="admin"), subject=user["_id"])
        except DuplicateKeyError as exc:
            raise Conflict(f"the username {username!r} is taken", slug="username-taken") from exc
        return _public(user), password

    async def _managed_user(self, actor: Principal, tenant: Tenant, user_id: str) -> Doc:
        user = await self.store(tenant).user_by_id(user_id)
        if user is None:
            raise NotFound("no such user")
        act = domain.Actor(roles=actor.roles, tenant=actor.tenant, school=actor.school)
        if not domain.can_manage_user(
            act, user_school=user.get("school_id"), user_roles=set(user.get("roles", []))
        ):
            # Outside the admin's reach looks the same as missing.
            raise NotFound("no such user")
        return user

    async def reset_password(
        self, actor: Principal, tenant: Tenant, user_id: str
    ) -> tuple[Doc, str]:
        user = await self._managed_user(actor, tenant, user_id)
        password = one_time_password()
        updated = await self.store(tenant).update_user(
            user["_id"],
            {
                "password_hash": self.one_time.hash(password),
                "must_change_password": True,
                "password_reset_at": datetime.now(UTC),
                "password_reset_by": actor.user_id,
            },
        )
        assert updated is not None
        await self.refresh.revoke_user(tenant.id, user["_id"])
        await self.redis.delete(self._key(tenant, "lock", user["username"]))
        return _public(updated), password

    async def set_disabled(
        self, actor: Principal, tenant: Tenant, user_id: str, *, disabled: bool
    ) -> Doc:
        user = await self._managed_user(actor, tenant, user_id)
        if user["_id"] == actor.user_id:
            raise Conflict("you cannot disable your own account")
        updated = await self.store(tenant).update_user(user["_id"], {"disabled": disabled})
        assert updated is not None
        if disabled:
            await self.refresh.revoke_user(tenant.id, user["_id"])
        return updated

    async def list_users(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        school_id: str | None,
        role: str | None,
        page: int,
        size: int,
    ) -> tuple[list[Doc], int]:
        if actor.has_role("district_admin", "city_admin"):
            scope: Doc = {}
        else:
            scope = {"school_id": actor.school}
        query: Doc = dict(scope)
        if school_id:
            if scope and scope["school_id"] != school_id:
                return [], 0
            query["school_id"] = school_id
        if role:
            query["roles"] = role
        store = self.store(tenant)
        total = await store.count_users(query)
        cursor = (
            store.tdb["users"]
            .find(query, {"password_hash": 0})
            .sort([("school_id", 1), ("username", 1)])
            .skip((page - 1) * size)
            .limit(size)
        )
        users = [u async for u in cursor]
        if users:
            seen = await self.redis.hmget(
                self._key(tenant, "last_login"), [u["_id"] for u in users]
            )
            for user, ts in zip(users, seen, strict=True):
                user["last_login_at"] = datetime.fromtimestamp(int(ts), UTC) if ts else None
        return users, total

    # me and classes -------------------------------------------------------------------------

    async def me(self, principal: Principal) -> Doc:
        store = self.store(Tenant(principal.tenant))
        user = await store.user_by_id(principal.user_id)
        if user is None:
            raise NotFound("your account no longer exists")
        school = await store.school(user["school_id"]) if user.get("school_id") else None
        return {
            **_public(user),
            "tenant": principal.tenant,
            "tenant_name": Tenant(principal.tenant).name,
            "school_name": school["name"] if school else None,
        }

    async def my_classes(self, principal: Principal) -> list[Doc]:
        store = self.store(Tenant(principal.tenant))
        user = await store.user_by_id(principal.user_id)
        if user is None:
            return []
        subjects_by_class = {t["class_id"]: t["subjects"] for t in user.get("teaching", [])}
        ids = list(dict.fromkeys([*user.get("class_ids", []), *subjects_by_class]))
        classes = await store.classes_by_ids(ids)
        return [
            {
                **c,
                "my_role": "teacher" if c["_id"] in subjects_by_class else "student",
                "my_subjects": subjects_by_class.get(c["_id"], []),
            }
            for c in classes
        ]

    async def class_roster(self, principal: Principal, tenant: Tenant, class_id: str) -> Doc:
        store = self.store(tenant)
        klass = await store.class_(class_id)
        if klass is None or not _may_read_roster(principal, klass):
            raise NotFound("no such class")
        pupils = await store.students_of_class(class_id)
        teacher_ids = [t["user_id"] for t in klass.get("teachers", [])]
        teachers = {u["_id"]: u for u in await store.users_by_ids(teacher_ids)}
        return {
            "class": klass,
            "teachers": [
                {
                    "id": t["user_id"],
                    "name": teachers.get(t["user_id"], {}).get("name"),
                    "subjects": t["subjects"],
                }
                for t in klass.get("teachers", [])
            ],
            "students": [
                {
                    "id": p["_id"],
                    "name": p["name"],
                    "username": p["username"],
                    "student_no": p.get("student_no"),
                }
                for p in pupils
            ],
        }

    # schools and classes --------------------------------------------------------------------

    async def list_schools(self, principal: Principal, tenant: Tenant) -> list[Doc]:
        if principal.is_guest:
            raise Forbidden("not available to the guest account")
        return await self.store(tenant).schools()

    async def school_classes(
        self, principal: Principal, tenant: Tenant, school_id: str
    ) -> list[Doc]:
        _require_school_scope(principal, school_id)
        return await self.store(tenant).classes_of_school(school_id)

    async def create_school(
        self, tenant: Tenant, *, name: str, grades: tuple[int, int], code: str | None
    ) -> Doc:
        low, high = grades
        if not (1 <= low <= high <= 12):
            raise Unprocessable(
                "grades must be a range within 1-12",
                errors=[{"field": "body.grades", "message": "range within 1-12"}],
            )
        school = {
            "_id": code or f"s_{uuid.uuid4().hex[:10]}",
            "name": name.strip(),
            "grades": [low, high],
            "tenant": tenant.id,
            "created_at": datetime.now(UTC),
        }
        try:
            await self.store(tenant).insert_school(school)
        except DuplicateKeyError as exc:
            raise Conflict(f"a school named {name!r} or with that code exists") from exc
        return school

    async def create_class(
        self, actor: Principal, tenant: Tenant, *, school_id: str, grade: int, number: int
    ) -> Doc:
        _require_school_scope(actor, school_id)
        store = self.store(tenant)
        school = await store.school(school_id)
        if school is None:
            raise NotFound("no such school")
        if not (school["grades"][0] <= grade <= school["grades"][1]):
            raise Unprocessable(
                f"{school['name']} teaches grades {school['grades'][0]}-{school['grades'][1]}",
                errors=[{"field": "body.grade", "message": "not taught at this school"}],
            )
        klass = new_class(school_id, grade, number)
        try:
            await store.insert_class(klass)
        except DuplicateKeyError as exc:
            raise Conflict(f"{klass['name']} exists at this school") from exc
        return klass

    async def assign_teacher(
        self, actor: Principal, tenant: Tenant, class_id: str, *, user_id: str, subjects: list[str]
    ) -> Doc:
        store = self.store(tenant)
        klass = await store.class_(class_id)
        if klass is None:
            raise NotFound("no such class")
        _require_school_scope(actor, klass["school_id"])
        unknown = [s for s in subjects if s not in domain.SUBJECTS]
        if unknown or not subjects:
            raise Unprocessable(
                f"unknown subjects: {unknown}" if unknown else "name at least one subject",
                errors=[{"field": "body.subjects", "message": "subjects from the curriculum"}],
            )
        teacher = await store.user_by_id(user_id)
        if teacher is None or "teacher" not in teacher.get("roles", []):
            raise Unprocessable(
                "no such teacher", errors=[{"field": "body.user_id", "message": "not a teacher"}]
            )
        if teacher.get("school_id") != klass["school_id"]:
            raise Unprocessable(
                "the teacher belongs to another school",
                errors=[{"field": "body.user_id", "message": "other school"}],
            )
        async with self.mongo.for_tenant(tenant).unit_of_work() as uow:
            tx = IdentityStore.within(uow)
            await tx.set_class_teacher(class_id, user_id, subjects)
            await tx.update_user(user_id, {}, pull={"teaching": {"class_id": class_id}})
            await tx.update_user(
                user_id, {}, push={"teaching": {"class_id": class_id, "subjects": subjects}}
            )
        updated = await store.class_(class_id)
        assert updated is not None
        return updated

    # guest account --------------------------------------------------------------------------

    async def guest_access(self, tenant: Tenant) -> Doc:
        setting = await self.store(tenant).get_setting(GUEST_SETTING) or {}
        return {
            "enabled": bool(setting.get("enabled")),
            "valid_from": setting.get("valid_from"),
            "valid_until": setting.get("valid_until"),
            "username": GUEST_USERNAME,
            "open_now": _window_open(setting),
        }

    async def set_guest_access(
        self,
        actor: Principal,
        tenant: Tenant,
        *,
        enabled: bool,
        valid_from: datetime | None,
        valid_until: datetime | None,
        password: str | None,
    ) -> tuple[Doc, str | None]:
        if valid_from and valid_until and valid_until <= valid_from:
            raise Unprocessable(
                "valid_until must be after valid_from",
                errors=[{"field": "body.valid_until", "message": "before valid_from"}],
            )
        if enabled and valid_until is None:
            raise Unprocessable(
                "a guest window needs an end (valid_until)",
                errors=[{"field": "body.valid_until", "message": "required when enabled"}],
            )
        store = self.store(tenant)
        new_password: str | None = None
        guest = await store.user_by_username(GUEST_USERNAME)
        if enabled and (guest is None or password):
            new_password = password or one_time_password(12)
        if new_password is not None:
            hashed = await self.passwords.hash(new_password)
            if guest is None:
                guest = {
                    "_id": new_user_id(),
                    "username": GUEST_USERNAME,
                    "name": "公用账号",
                    "roles": ["guest"],
                    "school_id": None,
                    "class_ids": [],
                    "teaching": [],
                    "password_hash": hashed,
                    "must_change_password": False,
                    "disabled": False,
                    "created_at": datetime.now(UTC),
                    "created_by": actor.user_id,
                }
                await store.insert_user(guest)
            else:
                await store.update_user(guest["_id"], {"password_hash": hashed})
        await store.put_setting(
            GUEST_SETTING,
            {
                "enabled": enabled,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "updated_by": actor.user_id,
                "updated_at": datetime.now(UTC),
            },
        )
        if not enabled and guest is not None:
            await self.refresh.revoke_user(tenant.id, guest["_id"])
        return await self.guest_access(tenant), new_password

    async def _check_guest_window(self, store: IdentityStore) -> None:
        setting = await store.get_setting(GUEST_SETTING) or {}
        if not _window_open(setting):
            raise Forbidden("the guest account is not open now", slug="guest-access-closed")


def _window_open(setting: Doc) -> bool:
    return domain.guest_window_open(
        enabled=bool(setting.get("enabled")),
        valid_from=setting.get("valid_from"),
        valid_until=setting.get("valid_until"),
        now=datetime.now(UTC),
    )


def _locked(ms: int) -> AccountLocked:
    seconds = max(1, -(-ms // 1000))
    return AccountLocked(
        f"too many failed logins; try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
        retry_after=seconds,
    )


def _split_refresh(refresh_token: str) -> tuple[Tenant, str]:
    tenant_id, _, secret = refresh_token.partition(".")
    if not secret or not is_tenant(tenant_id):
        raise Unauthorized("malformed refresh token", slug="invalid-refresh-token")
    return Tenant(tenant_id), secret


def _require_school_scope(actor: Principal, school_id: str) -> None:
    if actor.has_role("district_admin", "city_admin"):
        return
    if actor.has_role("school_admin") and actor.school == school_id:
        return
    raise Forbidden("you administer another school")


def _may_read_roster(principal: Principal, klass: Doc) -> bool:
    if principal.has_role("district_admin", "city_admin"):
        return True
    if principal.has_role("school_admin") and principal.school == klass["school_id"]:
        return True
    return any(t["user_id"] == principal.user_id for t in klass.get("teachers", []))


def _public(user: Doc) -> Doc:
    return {k: v for k, v in user.items() if k != "password_hash"}


def _registered(user: Doc, *, via: str) -> UserRegistered:
    return UserRegistered(
        user_id=user["_id"],
        username=user["username"],
        name=user["name"],
        roles=user["roles"],
        school_id=user.get("school_id"),
        class_ids=user.get("class_ids", []),
        via=via,
    )


def new_user_id() -> str:
    return f"u_{uuid.uuid4().hex}"


def new_class(school_id: str, grade: int, number: int) -> Doc:
    return {
        "_id": f"c_{uuid.uuid4().hex[:16]}",
        "school_id": school_id,
        "grade": grade,
        "stage": domain.stage_of(grade),
        "number": number,
        "name": domain.class_display_name(grade, number),
        "teachers": [],
        "created_at": datetime.now(UTC),
    }


def registered_event(user: Doc, *, via: str) -> UserRegistered:
    return _registered(user, via=via)
