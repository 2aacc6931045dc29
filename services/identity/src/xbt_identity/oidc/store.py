"""OIDC's storage: registered platforms (`identity_platform.oidc_clients`: they span
tenants) and, in Redis, authorization codes (single use), which token each code gave, and
revoked access tokens."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from xbt_shared.mongo import Doc, Mongo

CLIENTS = "oidc_clients"


class ClientStore:
    def __init__(self, mongo: Mongo) -> None:
        self.clients = mongo.platform_db()[CLIENTS]

    async def insert(self, doc: Doc) -> None:
        await self.clients.insert_one(doc)

    async def get(self, client_id: str) -> Doc | None:
        doc: Doc | None = await self.clients.find_one({"_id": client_id})
        return doc

    async def all(self, *, sort: str) -> list[Doc]:
        """Every client without its secret's digest."""
        cursor = self.clients.find({}, {"secret_hash": 0}).sort(sort, 1)
        return [d async for d in cursor]

    async def delete(self, client_id: str) -> bool:
        result = await self.clients.delete_one({"_id": client_id})
        return result.deleted_count > 0


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AuthorizationCodes:
    """Codes and tokens belong to platform clients, which span tenants: their keys are
    `<prefix>platform:oidc:...`, not a tenant's. Codes are kept by digest only."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, *parts: str) -> str:
        return f"{self.prefix}platform:oidc:{':'.join(parts)}"

    async def put(self, code: str, grant: str, *, ttl: int) -> None:
        await self.redis.set(self._key("code", _digest(code)), grant, ex=ttl)

    async def redeem(self, code: str) -> str | None:
        """The code's grant, once: the code is gone after."""
        raw = await self.redis.getdel(self._key("code", _digest(code)))
        return None if raw is None else str(raw)

    async def remember_issued(self, code: str, jti: str, *, ttl: int) -> None:
        await self.redis.set(self._key("used", _digest(code)), jti, ex=ttl)

    async def issued_for(self, code: str) -> str | None:
        """The access token (jti) a redeemed code gave, while that token lives."""
        jti = await self.redis.get(self._key("used", _digest(code)))
        return None if jti is None else str(jti)

    async def revoke_token(self, jti: str, *, ttl: int) -> None:
        await self.redis.set(self._key("revoked", jti), "1", ex=ttl)

    async def token_revoked(self, jti: str) -> bool:
        return bool(await self.redis.exists(self._key("revoked", jti)))
