"""OIDC's storage: registered platforms (`identity_platform.oidc_clients`: they span
tenants) and, in Redis, authorization codes (single use), which token each code gave, and
revoked access tokens."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from xbt_identity.keys.domain import ES256, RS256, Alg
from xbt_identity.oidc.domain import LEGACY_ID_TOKEN_ALG, Client
from xbt_shared.mongo import Doc, Mongo
from xbt_shared.runtime import platform_key

CLIENTS = "oidc_clients"


def stored_id_token_alg(doc: Doc) -> Alg:
    """The ID token algorithm of a stored client; a missing field means ES256 (see
    LEGACY_ID_TOKEN_ALG), not the RS256 default of new registrations."""
    alg = doc.get("id_token_signed_response_alg", LEGACY_ID_TOKEN_ALG)
    return RS256 if alg == RS256 else ES256


def client_from_doc(doc: Doc) -> Client:
    tenants = doc.get("allowed_tenants")
    created_by = doc.get("created_by") or {}
    return Client(
        id=doc["_id"],
        name=doc["name"],
        description=doc.get("description", ""),
        homepage_url=doc.get("homepage_url"),
        redirect_uris=tuple(doc.get("redirect_uris", ())),
        public=doc.get("client_type") == "public",
        allowed_tenants=tuple(tenants) if tenants is not None else None,
        guest_visible=bool(doc.get("guest_visible")),
        secret_hash=doc.get("secret_hash"),
        id_token_alg=stored_id_token_alg(doc),
        created_at=doc.get("created_at"),
        created_by=created_by.get("user_id"),
        created_in=created_by.get("tenant"),
    )


def client_to_doc(client: Client) -> Doc:
    return {
        "_id": client.id,
        "name": client.name,
        "description": client.description,
        "homepage_url": client.homepage_url,
        "redirect_uris": list(client.redirect_uris),
        "client_type": client.client_type,
        "allowed_tenants": None if client.allowed_tenants is None else list(client.allowed_tenants),
        "guest_visible": client.guest_visible,
        "id_token_signed_response_alg": client.id_token_alg,
        "secret_hash": client.secret_hash,
        "created_at": client.created_at,
        "created_by": {"user_id": client.created_by, "tenant": client.created_in},
    }


class ClientStore:
    """The registered platforms, one collection for the whole city."""

    def __init__(self, mongo: Mongo) -> None:
        self.clients = mongo.platform_db()[CLIENTS]

    async def insert(self, client: Client) -> None:
        await self.clients.insert_one(client_to_doc(client))

    async def get(self, client_id: str) -> Client | None:
        doc: Doc | None = await self.clients.find_one({"_id": client_id})
        return client_from_doc(doc) if doc else None

    async def all(self, *, sort: str) -> list[Client]:
        """Every client, ordered by a stored field (`name`, `created_at`)."""
        cursor = self.clients.find({}).sort(sort, 1)
        return [client_from_doc(d) async for d in cursor]

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
        return platform_key(self.prefix, "oidc", *parts)

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
