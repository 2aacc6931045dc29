"""The development signing keys, kept in `identity_platform.signing_keys` (not per tenant:
one key signs every district's tokens)."""

from __future__ import annotations

import contextlib

from pymongo.errors import DuplicateKeyError

from xbt_shared.clock import now_ms
from xbt_shared.mongo import Doc, Mongo

SIGNING_KEYS = "signing_keys"


class SigningKeyStore:
    def __init__(self, mongo: Mongo) -> None:
        self.keys = mongo.platform_db()[SIGNING_KEYS]

    async def pem(self, key_id: str) -> str | None:
        row: Doc | None = await self.keys.find_one({"_id": key_id})
        return str(row["pem"]) if row else None

    async def add_unless_present(self, key_id: str, *, alg: str, pem: str) -> None:
        """Keep `pem` as `key_id`, unless another replica stored one first (theirs stays)."""
        with contextlib.suppress(DuplicateKeyError):
            await self.keys.insert_one(
                {"_id": key_id, "alg": alg, "pem": pem, "created_at": now_ms()}
            )
