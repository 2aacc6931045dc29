"""Accounts' storage: users and the guest window in MongoDB (`identity_<tenant>`), refresh
token families and login bookkeeping in Redis, every key under the tenant's prefix.

The roster feature writes pupils and teachers of classes through its own store; this one
reads and writes accounts one at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from xbt_identity.accounts.domain import (
    GuestWindow,
    LoginPolicy,
    LoginRecord,
    RefreshRecord,
    Teaching,
    User,
)
from xbt_shared.mongo import Doc, TenantStore
from xbt_shared.runtime import redis_key

log = logging.getLogger("xbt.identity.accounts")

USERS = "users"
DUPLICATE_KEY = 11000  # the server's error code for a taken unique key
SETTINGS = "settings"
GUEST_SETTING = "guest_access"

# Fields never read outside the login and password paths.
PRIVATE_FIELDS = {"password_hash": 0}
# What a colleague directory reads of an account (`user_from_doc` needs the username).
COLLEAGUE_FIELDS = {"username": 1, "name": 1, "roles": 1, "school_id": 1, "disabled": 1}


def user_from_doc(doc: Doc) -> User:
    return User(
        id=doc["_id"],
        username=doc["username"],
        name=doc["name"],
        roles=list(doc.get("roles", [])),
        school_id=doc.get("school_id"),
        class_ids=list(doc.get("class_ids", [])),
        teaching=[Teaching(t["class_id"], list(t["subjects"])) for t in doc.get("teaching", [])],
        student_no=doc.get("student_no"),
        password_hash=doc.get("password_hash"),
        must_change_password=bool(doc.get("must_change_password", False)),
        disabled=bool(doc.get("disabled", False)),
        created_at=doc.get("created_at"),
        created_by=doc.get("created_by"),
        roster_import_id=doc.get("roster_import_id"),
    )


def user_to_doc(user: User) -> Doc:
    doc: Doc = {
        "_id": user.id,
        "username": user.username,
        "name": user.name,
        "roles": list(user.roles),
        "school_id": user.school_id,
        "class_ids": list(user.class_ids),
        "teaching": [{"class_id": t.class_id, "subjects": list(t.subjects)} for t in user.teaching],
        "student_no": user.student_no,
        "password_hash": user.password_hash,
        "must_change_password": user.must_change_password,
        "disabled": user.disabled,
        "created_at": user.created_at,
        "created_by": user.created_by,
    }
    if user.roster_import_id is not None:
        doc["roster_import_id"] = user.roster_import_id
    return doc


def _duplicate_key(exc: BulkWriteError) -> DuplicateKeyError | None:
    """The bulk insert's failure as the `DuplicateKeyError` it is, when every error in it is
    a taken unique key; None when something else failed too."""
    errors = exc.details.get("writeErrors", [])
    if not errors or any(e.get("code") != DUPLICATE_KEY for e in errors):
        return None
    first = errors[0]
    return DuplicateKeyError(first.get("errmsg", "duplicate key"), DUPLICATE_KEY, first)


class UserStore(TenantStore):
    """Users and settings of one tenant. Built with a unit of work, it writes inside its
    transaction; without one, directly."""

    async def ensure_indexes(self) -> None:
        users = self.tdb[USERS]
        await users.create_index("username", unique=True)
        await users.create_index([("school_id", ASCENDING), ("student_no", ASCENDING)])
        await users.create_index("class_ids")
        await users.create_index("teaching.class_id")

    async def by_username(self, username: str) -> User | None:
        doc = await self.tdb[USERS].find_one({"username": username}, session=self.session)
        return user_from_doc(doc) if doc else None

    async def by_id(self, user_id: str) -> User | None:
        doc = await self.tdb[USERS].find_one({"_id": user_id}, session=self.session)
        return user_from_doc(doc) if doc else None

    async def insert(self, user: User) -> None:
        await self.tdb[USERS].insert_one(user_to_doc(user), session=self.session)

    async def insert_many(self, users: Sequence[User]) -> None:
        """Insert accounts in order. A username (or id) already taken raises
        `DuplicateKeyError` (`xbt_shared.transactions.CONCURRENT_INSERT`), as one insert
        would, so callers handle a taken username the same way however many they insert."""
        if not users:
            return
        docs = [user_to_doc(u) for u in users]
        try:
            await self.tdb[USERS].insert_many(docs, ordered=True, session=self.session)
        except BulkWriteError as exc:
            duplicate = _duplicate_key(exc)
            if duplicate is None:
                raise
            raise duplicate from exc

    async def update(self, user_id: str, changes: Doc) -> User | None:
        """Set `changes`; the account after, or None if there is no such account."""
        doc = await self.tdb[USERS].find_one_and_update(
            {"_id": user_id},
            {"$set": changes},
            projection=PRIVATE_FIELDS,
            return_document=ReturnDocument.AFTER,
            session=self.session,
        )
        return user_from_doc(doc) if doc else None

    async def set_fields(self, user_id: str, changes: Doc) -> None:
        """A plain update, for writes whose result nobody reads (cheaper than find-and-modify)."""
        await self.tdb[USERS].update_one({"_id": user_id}, {"$set": changes}, session=self.session)

    async def page(
        self,
        *,
        school_id: str | None,
        role: str | None,
        page: int,
        size: int,
        search: str | None = None,
        disabled: bool | None = None,
    ) -> tuple[list[User], int]:
        """One page of accounts by school and username, and how many match in all. `search`
        finds a part of the name, or the start of the username (any case) or 学号."""
        query: Doc = {}
        if school_id is not None:
            query["school_id"] = school_id
        if role:
            query["roles"] = role
        if disabled is not None:
            query["disabled"] = True if disabled else {"$ne": True}
        if search:
            text = re.escape(search)
            query["$or"] = [
                {"name": {"$regex": text}},
                {"username": {"$regex": f"^{text}", "$options": "i"}},
                {"student_no": {"$regex": f"^{text}"}},
            ]
        order = [("school_id", ASCENDING), ("username", ASCENDING)]
        return await self._users_page(query, PRIVATE_FIELDS, order, page=page, size=size)

    async def colleagues(
        self,
        *,
        roles: Collection[str],
        excluded_roles: Collection[str],
        page: int,
        size: int,
        search: str | None = None,
        ids: Sequence[str] | None = None,
    ) -> tuple[list[User], int]:
        """One page of the enabled accounts with one of `roles` and none of `excluded_roles`,
        by name, and how many match in all. `search` finds a part of the name (only the name:
        the directory shows no usernames); `ids` keeps only those accounts."""
        query: Doc = {
            "$and": [
                {"roles": {"$in": sorted(roles)}},
                {"roles": {"$nin": sorted(excluded_roles)}},
            ],
            "disabled": {"$ne": True},
        }
        if ids is not None:
            query["_id"] = {"$in": list(ids)}
        if search:
            query["name"] = {"$regex": re.escape(search)}
        order = [("name", ASCENDING), ("_id", ASCENDING)]
        return await self._users_page(query, COLLEAGUE_FIELDS, order, page=page, size=size)

    async def _users_page(
        self,
        query: Doc,
        fields: Mapping[str, int],
        order: list[tuple[str, int]],
        *,
        page: int,
        size: int,
    ) -> tuple[list[User], int]:
        """One page of the accounts matching `query` in `order`, and how many match in all."""
        users = self.tdb[USERS]
        total = await users.count_documents(query, session=self.session)
        cursor = (
            users.find(query, fields, session=self.session)
            .sort(order)
            .skip((page - 1) * size)
            .limit(size)
        )
        return [user_from_doc(u) async for u in cursor], total

    async def guest_window(self) -> GuestWindow:
        doc = await self.tdb[SETTINGS].find_one({"_id": GUEST_SETTING}, session=self.session)
        if doc is None:
            return GuestWindow()
        return GuestWindow(
            enabled=bool(doc.get("enabled")),
            valid_from=doc.get("valid_from"),
            valid_until=doc.get("valid_until"),
        )

    async def put_guest_window(self, window: GuestWindow, *, by: str, at: datetime) -> None:
        doc = {
            "_id": GUEST_SETTING,
            "enabled": window.enabled,
            "valid_from": window.valid_from,
            "valid_until": window.valid_until,
            "updated_by": by,
            "updated_at": at,
        }
        await self.tdb[SETTINGS].replace_one(
            {"_id": GUEST_SETTING}, doc, upsert=True, session=self.session
        )


# Redis: guest windows for the public district list -----------------------------------------------


class GuestWindowCache:
    """Each tenant's guest window, kept briefly in Redis (`t:<tenant>:guest_window`) for the
    public district list, which every login page asks for: one MGET instead of a database
    read per district. Setting a window forgets its tenant's copy, on every replica."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds

    def _key(self, tenant: str) -> str:
        return redis_key(self.prefix, tenant, "guest_window")

    async def windows(self, tenants: Sequence[str]) -> list[GuestWindow | None]:
        """The kept window of each tenant, None where there is none (or Redis does not
        answer: the login page's list is then read from the databases)."""
        if not tenants:
            return []
        try:
            kept = await self.redis.mget([self._key(t) for t in tenants])
        except RedisError as exc:
            log.warning("guest windows not read from Redis: %s", exc)
            return [None] * len(tenants)
        return [_window_from_json(raw) if raw else None for raw in kept]

    async def keep(self, windows: Mapping[str, GuestWindow]) -> None:
        try:
            async with self.redis.pipeline(transaction=False) as pipe:
                for tenant, window in windows.items():
                    pipe.set(self._key(tenant), _window_to_json(window), ex=self.ttl_seconds)
                await pipe.execute()
        except RedisError as exc:
            log.warning("guest windows not kept in Redis: %s", exc)

    async def forget(self, tenant: str) -> None:
        await self.redis.delete(self._key(tenant))


def _window_to_json(window: GuestWindow) -> str:
    return json.dumps(
        {
            "enabled": window.enabled,
            "valid_from": window.valid_from.isoformat() if window.valid_from else None,
            "valid_until": window.valid_until.isoformat() if window.valid_until else None,
        }
    )


def _window_from_json(raw: str | bytes) -> GuestWindow:
    doc = json.loads(raw)
    return GuestWindow(
        enabled=bool(doc["enabled"]),
        valid_from=_instant(doc.get("valid_from")),
        valid_until=_instant(doc.get("valid_until")),
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# Redis: login bookkeeping ----------------------------------------------------------------------


# One hash per account, `login:<username>`: `f` (failures from every client), `last` (the
# latest failure, ms), `lock` (the latest end of any client's lock), `told` (the admins were
# told of this episode) and per client `c:<address>:f`, `:last`, `:lock`. The hash lives
# until the account has had no failure for the window (or the latest lock ended), so an
# episode ends by itself; an unlock deletes it.
_FAILED = """
local key, client, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local limit, lock_ms, window_ms, ttl_ms =
  tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local cf_field, clast_field, clock_field = 'c:' .. client .. ':f', 'c:' .. client .. ':last',
  'c:' .. client .. ':lock'
local failures = redis.call('HINCRBY', key, 'f', 1)
redis.call('HSET', key, 'last', ARGV[2])
local clast = tonumber(redis.call('HGET', key, clast_field) or '0')
if now - clast > window_ms then redis.call('HSET', key, cf_field, 0) end
local cf = redis.call('HINCRBY', key, cf_field, 1)
redis.call('HSET', key, clast_field, ARGV[2])
local clock = tonumber(redis.call('HGET', key, clock_field) or '0')
local lock = tonumber(redis.call('HGET', key, 'lock') or '0')
if cf >= limit and clock <= now then
  clock = now + lock_ms
  redis.call('HSET', key, clock_field, string.format('%d', clock))
  if clock > lock then
    lock = clock
    redis.call('HSET', key, 'lock', string.format('%d', lock))
  end
end
redis.call('PEXPIRE', key, ttl_ms)
return {failures, cf, clock, lock}
"""


class LoginAttempts:
    """Failed logins per account and client (see `domain.LoginPolicy`), and when each
    account last logged in."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._failed = redis.register_script(_FAILED)

    def _key(self, tenant: str, *parts: str) -> str:
        return redis_key(self.prefix, tenant, *parts)

    def _account(self, tenant: str, username: str) -> str:
        return self._key(tenant, "login", username)

    async def record(
        self, tenant: str, username: str, client: str, *, policy: LoginPolicy, now_ms: int
    ) -> LoginRecord:
        """What the account's failures say about this client, now."""
        f, last, cf, clast, clock, lock = await self.redis.hmget(
            self._account(tenant, username),
            ["f", "last", f"c:{client}:f", f"c:{client}:last", f"c:{client}:lock", "lock"],
        )
        recent = now_ms - _int(clast) <= policy.window_ms
        return LoginRecord(
            failures=_int(f),
            last_failure_ms=_int(last),
            client_failures=_int(cf) if recent else 0,
            client_locked_until_ms=_int(clock),
            locked_until_ms=_int(lock),
        )

    async def failed(
        self, tenant: str, username: str, client: str, *, policy: LoginPolicy, now_ms: int
    ) -> LoginRecord:
        """Count a failure of `client` on the account, locking the client out of it at the
        policy's limit; the record after."""
        ttl_ms = max(policy.window_ms, policy.lock_ms)
        failures, cf, clock, lock = await self._failed(
            keys=[self._account(tenant, username)],
            args=[client, now_ms, policy.client_limit, policy.lock_ms, policy.window_ms, ttl_ms],
        )
        return LoginRecord(
            failures=int(failures),
            last_failure_ms=now_ms,
            client_failures=int(cf),
            client_locked_until_ms=int(clock),
            locked_until_ms=int(lock),
        )

    async def tell_once(self, tenant: str, username: str) -> bool:
        """Whether the admins are yet to be told of this episode (and now are)."""
        told: int = await self.redis.hsetnx(self._account(tenant, username), "told", "1")
        return bool(told)

    async def succeeded(self, tenant: str, username: str, client: str, user_id: str) -> None:
        """The client's failures on the account are forgiven; the account's stay (they show
        the admins what happened) until the window passes. One round trip, no database write
        on the login path."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hdel(
                self._account(tenant, username),
                f"c:{client}:f",
                f"c:{client}:last",
                f"c:{client}:lock",
            )
            pipe.hset(self._key(tenant, "last_login"), user_id, int(time.time()))
            await pipe.execute()

    async def unlock(self, tenant: str, username: str) -> None:
        """Forget the account's failures and lift every client's lock (an admin's unlock, a
        password reset)."""
        await self.redis.delete(self._account(tenant, username))

    async def accounts(self, tenant: str, usernames: Sequence[str]) -> list[LoginRecord | None]:
        """The account-wide part of each account's record (None: no recent failures)."""
        if not usernames:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for username in usernames:
                pipe.hmget(self._account(tenant, username), ["f", "last", "lock"])
            rows = await pipe.execute()
        return [
            LoginRecord(failures=_int(f), last_failure_ms=_int(last), locked_until_ms=_int(lock))
            if f is not None
            else None
            for f, last, lock in rows
        ]

    async def last_logins(self, tenant: str, user_ids: Sequence[str]) -> list[datetime | None]:
        if not user_ids:
            return []
        seen = await self.redis.hmget(self._key(tenant, "last_login"), list(user_ids))
        return [datetime.fromtimestamp(int(ts), UTC) if ts else None for ts in seen]


def _int(value: str | bytes | None) -> int:
    return int(value) if value else 0


# Redis: refresh tokens -------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Rotate atomically: the record is marked rotated (with the time, ms) only if it was not
# already. KEYS[1] = token record, KEYS[2] = family record, ARGV[1] = now (ms). Returns 'ok',
# 'revoked', 'missing' or when the token was rotated before (ms; 0 for records from before
# the time was kept).
_ROTATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[2], 'revoked') == '1' or redis.call('EXISTS', KEYS[2]) == 0 then
  return 'revoked'
end
local rotated = redis.call('HGET', KEYS[1], 'rotated')
if not rotated then
  redis.call('HSET', KEYS[1], 'rotated', ARGV[1])
  return 'ok'
end
if rotated == '1' then return '0' end
return rotated
"""


class RefreshRejected(Exception):
    pass


@dataclass(frozen=True)
class Rotation:
    """A rotated token's record, and its successor; or, when the token had been rotated
    already, when that was (`successor` None)."""

    record: RefreshRecord
    successor: str | None = None
    rotated_at_ms: int = 0


class RefreshTokens:
    """Rotating refresh tokens, opaque, with only their SHA-256 in Redis (`...t:<tenant>:rt`).

    Each login starts a *family* (the session, the access token's `sid`); refreshing rotates
    the token within the family. A token rotated again within the grace window is answered
    with the pair its first rotation made (kept sealed, `rtg`); later, it leaked: the whole
    family is revoked.
    """

    def __init__(self, redis: Redis, *, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self._rotate = redis.register_script(_ROTATE)

    def _token_key(self, tenant: str, token: str) -> str:
        return redis_key(self.prefix, tenant, "rt", _digest(token))

    def _grace_key(self, tenant: str, token: str) -> str:
        return redis_key(self.prefix, tenant, "rtg", _digest(token))

    def _family_key(self, tenant: str, family: str) -> str:
        return redis_key(self.prefix, tenant, "rtf", family)

    def _user_key(self, tenant: str, user_id: str) -> str:
        return redis_key(self.prefix, tenant, "rtu", user_id)

    async def start_family(self, tenant: str, user_id: str, *, auth_time: int) -> tuple[str, str]:
        """A new session: its family id and first token."""
        family = uuid.uuid4().hex
        token = secrets.token_urlsafe(32)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._family_key(tenant, family),
                mapping={"user": user_id, "revoked": "0", "auth_time": str(auth_time)},
            )
            pipe.expire(self._family_key(tenant, family), self.ttl)
            pipe.sadd(self._user_key(tenant, user_id), family)
            pipe.expire(self._user_key(tenant, user_id), self.ttl)
            pipe.hset(self._token_key(tenant, token), mapping={"user": user_id, "family": family})
            pipe.expire(self._token_key(tenant, token), self.ttl)
            await pipe.execute()
        return family, token

    async def rotate(self, tenant: str, token: str, *, now_ms: int) -> Rotation:
        """Exchange `token` for its successor, or say when it was exchanged before. Raises
        `RefreshRejected` with the reason when the token or its family is gone."""
        token_key = self._token_key(tenant, token)
        record = await self._record(token_key)
        if record is None:
            raise RefreshRejected("unknown or expired refresh token")
        family = record.family
        outcome = str(
            await self._rotate(keys=[token_key, self._family_key(tenant, family)], args=[now_ms])
        )
        if outcome in ("missing", "revoked"):
            raise RefreshRejected("the session was revoked")
        auth_time = await self.redis.hget(self._family_key(tenant, family), "auth_time")
        record = RefreshRecord(record.user_id, family, int(auth_time or 0))
        if outcome != "ok":
            return Rotation(record, rotated_at_ms=int(outcome))
        successor = secrets.token_urlsafe(32)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._token_key(tenant, successor),
                mapping={"user": record.user_id, "family": family},
            )
            pipe.expire(self._token_key(tenant, successor), self.ttl)
            pipe.expire(self._family_key(tenant, family), self.ttl)
            await pipe.execute()
        return Rotation(record, successor=successor)

    async def keep_pair(self, tenant: str, token: str, sealed: str, *, ttl_ms: int) -> None:
        """Keep the pair `token`'s rotation made (sealed) for a repeat within `ttl_ms`."""
        await self.redis.set(self._grace_key(tenant, token), sealed, px=max(1, ttl_ms))

    async def kept_pair(self, tenant: str, token: str, *, wait_seconds: float) -> str | None:
        """The sealed pair of `token`'s rotation, waiting up to `wait_seconds` for the
        rotation still under way (the other tab's request) to keep it."""
        key = self._grace_key(tenant, token)
        deadline = time.monotonic() + wait_seconds
        while True:
            sealed = await self.redis.get(key)
            if sealed is not None or time.monotonic() >= deadline:
                return None if sealed is None else str(sealed)
            await asyncio.sleep(0.02)

    async def lookup(self, tenant: str, token: str) -> RefreshRecord | None:
        return await self._record(self._token_key(tenant, token))

    async def _record(self, key: str) -> RefreshRecord | None:
        record = await self.redis.hgetall(key)
        if not record:
            return None
        return RefreshRecord(user_id=str(record["user"]), family=str(record["family"]))

    async def active(self, tenant: str, family: str) -> bool:
        """Whether the session is still on (not revoked, not expired)."""
        revoked = await self.redis.hget(self._family_key(tenant, family), "revoked")
        return revoked == "0"

    async def password_failure(self, tenant: str, family: str) -> int:
        """Count a wrong current password given in the session; how many so far."""
        failures: int = await self.redis.hincrby(self._family_key(tenant, family), "pw_fail", 1)
        return failures

    async def revoke_family(self, tenant: str, family: str) -> None:
        await self.redis.hset(self._family_key(tenant, family), "revoked", "1")

    async def revoke_user(self, tenant: str, user_id: str) -> int:
        """Revoke every session of a user (password reset, account disabled)."""
        families = await self.redis.smembers(self._user_key(tenant, user_id))
        if families:
            async with self.redis.pipeline(transaction=True) as pipe:
                for family in families:
                    pipe.hset(self._family_key(tenant, str(family)), "revoked", "1")
                pipe.delete(self._user_key(tenant, user_id))
                await pipe.execute()
        return len(families)
