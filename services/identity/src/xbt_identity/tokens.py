"""Access tokens (ES256 JWTs) and rotating refresh tokens kept in Redis.

A refresh token is opaque; Redis holds its SHA-256 under the tenant's key space. Each login
starts a *family*; refreshing rotates the token within the family. Presenting a token that
was already rotated means it leaked: the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from redis.asyncio import Redis

from xbt_identity.keys import SigningKey


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int

    def as_response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }


def access_claims(user: dict[str, Any], *, tenant: str) -> dict[str, Any]:
    """The claims an access token carries about a user document."""
    classes = list(user.get("class_ids", []))
    for teaching in user.get("teaching", []):
        if teaching["class_id"] not in classes:
            classes.append(teaching["class_id"])
    return {
        "sub": user["_id"],
        "tid": tenant,
        "roles": list(user.get("roles", [])),
        "school": user.get("school_id"),
        "classes": classes,
        "name": user.get("name"),
        "preferred_username": user.get("username"),
        "pwd_change": bool(user.get("must_change_password", False)),
    }


class TokenIssuer:
    def __init__(
        self,
        *,
        key: SigningKey,
        issuer: str,
        audience: str,
        access_ttl: int,
    ) -> None:
        self.key = key
        self.issuer = issuer
        self.audience = audience
        self.access_ttl = access_ttl

    def sign(self, claims: dict[str, Any], *, ttl: int, audience: str | None = None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(
            payload, self.key.private_key, algorithm="ES256", headers={"kid": self.key.kid}
        )

    def access_token(self, claims: dict[str, Any]) -> str:
        return self.sign({**claims, "typ": "access"}, ttl=self.access_ttl)


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


@dataclass(frozen=True)
class RefreshRecord:
    user_id: str
    family: str
    # When the user last proved their password in this session (OIDC `auth_time`).
    auth_time: int = 0


class RefreshTokens:
    """Refresh token families in Redis under `<prefix>t:<tenant>:rt...`."""

    def __init__(self, redis: Redis, *, prefix: str, ttl: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.ttl = ttl
        self._rotate = redis.register_script(_ROTATE)

    def _token_key(self, tenant: str, token: str) -> str:
        return f"{self.prefix}t:{tenant}:rt:{_digest(token)}"

    def _family_key(self, tenant: str, family: str) -> str:
        return f"{self.prefix}t:{tenant}:rtf:{family}"

    def _user_key(self, tenant: str, user_id: str) -> str:
        return f"{self.prefix}t:{tenant}:rtu:{user_id}"

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


class RefreshRejected(Exception):
    pass
