"""Accounts' storage: users and the guest window in MongoDB (`identity_<tenant>`), refresh
token families and login bookkeeping in Redis, every key under the tenant's prefix.

The roster feature writes pupils and teachers of classes through its own store; this one
reads and writes accounts one at a time.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError
from redis.asyncio import Redis

from xbt_identity.accounts.domain import GuestWindow, RefreshRecord, Teaching, User
from xbt_shared.mongo import Doc, TenantStore
from xbt_shared.runtime import redis_key

USERS = "users"
DUPLICATE_KEY = 11000  # the server's error code for a taken unique key
SETTINGS = "settings"
GUEST_SETTING = "guest_access"

# Fields never read outside the login and password paths.
PRIVATE_FIELDS = {"password_hash": 0}


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
        self, *, school_id: str | None, role: str | None, page: int, size: int
    ) -> tuple[list[User], int]:
        """One page of accounts by school and username, and how many match in all."""
        query: Doc = {}
        if school_id is not None:
            query["school_id"] = school_id
        if role:
            query["roles"] = role
        users = self.tdb[USERS]
        total = await users.count_documents(query, session=self.session)
        cursor = (
            users.find(query, PRIVATE_FIELDS, session=self.session)
            .sort([("school_id", ASCENDING), ("username", ASCENDING)])
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


# Redis: login bookkeeping ----------------------------------------------------------------------


class LoginAttempts:
    """Failed-login counters and locks per account, and when each account last logged in."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, tenant: str, *parts: str) -> str:
        return redis_key(self.prefix, tenant, *parts)

    async def locked_ms(self, tenant: str, username: str) -> int:
        """How long the account stays locked, in ms (0 or less: not locked)."""
        ms: int = await self.redis.pttl(self._key(tenant, "lock", username))
        return ms

    async def failed(
        self, tenant: str, username: str, *, window_seconds: int, limit: int, lock_seconds: int
    ) -> int | None:
        """Count a failure; when it is the `limit`th within the window, lock the account and
        return the lock's length in ms."""
        fail_key = self._key(tenant, "fail", username)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(fail_key)
            pipe.expire(fail_key, window_seconds, nx=True)
            failures, _ = await pipe.execute()
        if int(failures) < limit:
            return None
        ms = lock_seconds * 1000
        await self.redis.set(self._key(tenant, "lock", username), "1", px=ms)
        await self.redis.delete(fail_key)
        return ms

    async def succeeded(self, tenant: str, username: str, user_id: str) -> None:
        # One round trip; no database write on the login path.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.delete(self._key(tenant, "fail", username))
            pipe.hset(self._key(tenant, "last_login"), user_id, int(time.time()))
            await pipe.execute()

    async def unlock(self, tenant: str, username: str) -> None:
        await self.redis.delete(self._key(tenant, "lock", username))

    async def last_logins(self, tenant: str, user_ids: Sequence[str]) -> list[datetime | None]:
        if not user_ids:
            return []
        seen = await self.redis.hmget(self._key(tenant, "last_login"), list(user_ids))
        return [datetime.fromtimestamp(int(ts), UTC) if ts else None for ts in seen]


# Redis: refresh tokens -------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Rotate atomically: the record is marked rotated only if it was not already.
# KEYS[1] = token record, KEYS[2] = family record. Returns 'ok', 'reused', 'revoked' or 'missing'.
_ROTATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if redis.call('HGET', KEYS[2], 'revoked') == '1' or redis.call('EXISTS', KEYS[2]) == 0 then
  return 'revoked'
end
if redis.call('HSETNX', KEYS[1], 'rotated', '1') == 0 then return 'reused' end
return 'ok'
"""


class RefreshRejected(Exception):
    pass


class RefreshTokens:
    """Rotating refresh tokens, opaque, with only their SHA-256 in Redis (`...t:<tenant>:rt`).

    Each login starts a *family*; refreshing rotates the token within the family. Presenting
    a token that was already rotated means it leaked: the whole family is revoked.
    """

    def __init__(self, redis: Redis, *, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self._rotate = redis.register_script(_ROTATE)

    def _token_key(self, tenant: str, token: str) -> str:
        return redis_key(self.prefix, tenant, "rt", _digest(token))

    def _family_key(self, tenant: str, family: str) -> str:
        return redis_key(self.prefix, tenant, "rtf", family)

    def _user_key(self, tenant: str, user_id: str) -> str:
        return redis_key(self.prefix, tenant, "rtu", user_id)

    async def start_family(self, tenant: str, user_id: str, *, auth_time: int) -> str:
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
        return token

    async def rotate(self, tenant: str, token: str) -> tuple[str, RefreshRecord]:
        """Exchange `token` for its successor. Raises `RefreshRejected` with the reason."""
        token_key = self._token_key(tenant, token)
        record = await self._record(token_key)
        if record is None:
            raise RefreshRejected("unknown or expired refresh token")
        family = record.family
        outcome = await self._rotate(keys=[token_key, self._family_key(tenant, family)])
        if outcome == "reused":
            await self.revoke_family(tenant, family)
            raise RefreshRejected("refresh token reused; the session was revoked")
        if outcome != "ok":
            raise RefreshRejected("the session was revoked")
        successor = secrets.token_urlsafe(32)
        auth_time = await self.redis.hget(self._family_key(tenant, family), "auth_time")
        record = RefreshRecord(record.user_id, family, int(auth_time or 0))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._token_key(tenant, successor),
                mapping={"user": record.user_id, "family": family},
            )
            pipe.expire(self._token_key(tenant, successor), self.ttl)
            pipe.expire(self._family_key(tenant, family), self.ttl)
            await pipe.execute()
        return successor, record

    async def lookup(self, tenant: str, token: str) -> RefreshRecord | None:
        return await self._record(self._token_key(tenant, token))

    async def _record(self, key: str) -> RefreshRecord | None:
        record = await self.redis.hgetall(key)
        if not record:
            return None
        return RefreshRecord(user_id=str(record["user"]), family=str(record["family"]))

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
