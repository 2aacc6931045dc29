"""Shared-read caching in Redis with version-stamped keys, and ETags.

Reads that thousands share (a textbook tree, a category page) are cached under a key that
carries the current *version* of every tenant scope the answer depends on (a district
reader's page depends on the city's content and the district's). Publishing bumps the
scope's version, so every cached answer that could contain the change is bypassed at once,
on every replica, without deleting keys. One Lua call reads the versions and the entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from redis.asyncio import Redis

# KEYS: version keys of the scopes. ARGV[1]: the entry's key prefix, ARGV[2]: its suffix.
# Returns {versions joined by '.', cached value or false}.
_READ = """
local versions = {}
for i = 1, #KEYS do
  versions[i] = redis.call('GET', KEYS[i]) or '0'
end
local stamp = table.concat(versions, '.')
local value = redis.call('GET', ARGV[1] .. stamp .. ':' .. ARGV[2])
return {stamp, value}
"""


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    etag: str

    def matches(self, if_none_match: str | None) -> bool:
        if not if_none_match:
            return False
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or self.etag in tags


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def dump(value: Any) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, separators=(",", ":"), default=_json_default
    ).encode()


class VersionedCache:
    def __init__(self, redis: Redis, *, prefix: str, namespace: str, ttl: int = 300) -> None:
        self.redis = redis
        self.prefix = prefix
        self.namespace = namespace
        self.ttl = ttl
        self._read = redis.register_script(_READ)

    def _version_key(self, scope: str) -> str:
        return f"{self.prefix}t:{scope}:{self.namespace}:version"

    def _entry_prefix(self, scopes: Sequence[str]) -> str:
        return f"{self.prefix}t:{scopes[-1]}:{self.namespace}:cache:{'+'.join(scopes)}:"

    async def get_or_load(
        self,
        scopes: Sequence[str],
        key: str,
        load: Callable[[], Awaitable[Any]],
    ) -> Cached:
        """The cached answer for `key` in these scopes, or `load()`ed, stored and returned.

        The last scope names the tenant whose key space holds the entry."""
        prefix = self._entry_prefix(scopes)
        stamp, value = await self._read(
            keys=[self._version_key(s) for s in scopes], args=[prefix, key]
        )
        if value is not None:
            raw = value.encode() if isinstance(value, str) else value
            etag, _, body = raw.partition(b"\n")
            return Cached(body=body, etag=etag.decode())
        body = dump(await load())
        cached = Cached(body=body, etag=etag_of(body))
        # Stored under the versions read *before* loading: if a publish happened meanwhile,
        # this entry is already stale-keyed and will never be read.
        await self.redis.set(
            f"{prefix}{stamp}:{key}", cached.etag.encode() + b"\n" + body, ex=self.ttl
        )
        return cached

    async def invalidate(self, scope: str) -> int:
        """Bump a scope's version: every entry that depends on it is bypassed from now on."""
        return int(await self.redis.incr(self._version_key(scope)))
