"""Shared reads answered at the edge: the gateway keeps a service's cacheable answers in Redis
and serves repeats itself, without the hop to the service.

On the first morning of term a few thousand pupils of one school open the same textbook
tree and the same lesson pages. The catalog already answers those from its Redis cache; what
is left is the hop — a second HTTP exchange and a second Python process per read, which costs
more than everything else on the path together. So a service may mark an answer with
`x-xbt-edge-cache` (`xbt_shared.cache.edge_directive`): keep it for max-age seconds, valid
while each named version key still holds the version it was computed under. Publishing bumps
a version, and the next lookup misses, on every gateway replica at once.

Copies are keyed by what such an answer may depend on: the service, path and query, the
caller's tenant, the tenant it names (`X-Xbt-Tenant`), school, roles and guest status — never
the user. A service marks only answers that depend on nothing else.

Two tiers. Redis holds each copy's *record* (the versions it was computed under, the view
counter, a random revision) and its response; every gateway process keeps the responses it
served recently in memory, by revision. A lookup is part of the request's one Lua call
(batched with the others of the same loop turn): it charges the rate-limit buckets and, if
the request is allowed, compares the record's versions with the current ones, bumps the view
counter and returns the revision — a few bytes. The response comes from memory when this
process holds that revision, else from Redis once. So Redis decides on every request whether a
copy is current (a publish is seen at once by every replica), while a hot page's bytes cross
neither the network nor Redis again. Redis being away is a miss, never an error.
The version keys are read inside the script, so on Redis Cluster they would need to share the
copy's slot; the platform runs Redis with replicas (Sentinel), where that does not arise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import Send

from xbt_gateway.metrics import EDGE_CACHE
from xbt_shared.auth import Principal
from xbt_shared.cache import EdgeDirective
from xbt_shared.ratelimit import TOKEN_BUCKET_FUNCTION, Decision, Limit, RateLimiter
from xbt_shared.redis_batch import ScriptBatch
from xbt_shared.runtime import redis_key

log = logging.getLogger("xbt.gateway.edge")

# A record is "<key=version ...>\n<counter hash> <field>\n<revision>". `lookup` returns the
# revision while every version is current (and counts the view), else false.
_LOOKUP_FUNCTION = """
local function lookup(record_key)
  local record = redis.call('GET', record_key)
  if not record then return false end
  local first = string.find(record, '\\n', 1, true)
  local second = string.find(record, '\\n', first + 1, true)
  for key, version in string.gmatch(string.sub(record, 1, first - 1), '(%S+)=(%S+)') do
    if redis.call('GET', key) ~= version then return false end
  end
  local hash, field = string.match(string.sub(record, first + 1, second - 1), '^(%S+) (%S+)$')
  if hash then redis.call('HINCRBY', hash, field, 1) end
  return string.sub(record, second + 1)
end
"""
# KEYS: the rate-limit buckets, then the copy; ARGV: the buckets' (rate, burst) pairs.
# Returns {allowed, retry_after_ms, copy or false}: a refused request looks nothing up.
_CHARGE_AND_LOOKUP = (
    TOKEN_BUCKET_FUNCTION
    + _LOOKUP_FUNCTION
    + """
local buckets = {}
for i = 1, #KEYS - 1 do buckets[i] = KEYS[i] end
local decision = charge(buckets, ARGV)
if decision[1] == 0 then return {0, decision[2], false} end
return {1, 0, lookup(KEYS[#KEYS])}
"""
)

# Copies being written at once; a burst of misses beyond it is simply not kept.
MAX_STORING = 256

# What a 304 repeats of the stored response (RFC 9110 §15.4.5).
_NOT_MODIFIED_HEADERS = frozenset({b"etag", b"cache-control", b"vary", b"expires"})
# Responses carrying these are never kept: they are about one client, or (an encoding) about
# what one client accepts, which the key does not hold.
_UNKEPT_HEADERS = frozenset({b"set-cookie", b"www-authenticate", b"content-encoding"})

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True, slots=True)
class Copy:
    headers: Headers
    body: bytes

    @property
    def etag(self) -> str | None:
        for name, value in self.headers:
            if name == b"etag":
                return value.decode("latin-1")
        return None

    def not_modified_headers(self) -> Headers:
        return [(k, v) for k, v in self.headers if k in _NOT_MODIFIED_HEADERS]

    def encode(self) -> bytes:
        names = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in self.headers]
        return json.dumps(names, separators=(",", ":")).encode() + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> Copy:
        head, _, body = raw.partition(b"\n")
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(head)]
        return cls(headers, body)


def _body_key(key: str, revision: bytes) -> str:
    return f"{key}:{revision.decode()}"


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    if not if_none_match or not etag:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class LocalCopies:
    """The responses this process served recently, by key and revision, within a byte budget
    (least recently used out first)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, tuple[bytes, Copy]] = OrderedDict()

    def get(self, key: str, revision: bytes) -> Copy | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != revision:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, revision: bytes, copy: Copy) -> None:
        cost = len(copy.body) + 256
        if cost > self.max_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old[1].body) + 256
        self._entries[key] = (revision, copy)
        self.size += cost
        while self.size > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.size -= len(dropped.body) + 256

    def __len__(self) -> int:
        return len(self._entries)


class EdgeCache:
    def __init__(
        self,
        redis: Redis,
        limiter: RateLimiter,
        *,
        prefix: str,
        max_bytes: int,
        max_ttl: int,
        memory_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.redis = redis
        self.limiter = limiter
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.max_ttl = max_ttl
        self.local = LocalCopies(memory_bytes)
        self.charge_and_lookup = ScriptBatch(redis, _CHARGE_AND_LOOKUP)
        self._storing: set[asyncio.Task[None]] = set()
        self._last_failure_log = 0.0

    def lookup(
        self,
        service: str,
        path: bytes,
        query: bytes,
        principal: Principal | None,
        named_tenants: list[str],
        if_none_match: str | None,
    ) -> EdgeLookup:
        """The lookup of one GET's copy, made in the rate limiter's call (`EdgeLookup.charge`)."""
        return EdgeLookup(
            self, service, self.key(service, path, query, principal, named_tenants), if_none_match
        )

    def key(
        self,
        service: str,
        path: bytes,
        query: bytes,
        principal: Principal | None,
        named_tenants: list[str],
    ) -> str:
        if principal is None:
            tenant, audience = "anon", "-"
        else:
            tenant = principal.tenant
            audience = "|".join(
                (
                    principal.school or "-",
                    ",".join(sorted(principal.roles)),
                    ",".join(named_tenants),
                )
            )
        digest = hashlib.blake2b(
            b"\0".join((path, query, audience.encode())), digest_size=16
        ).hexdigest()
        return redis_key(self.prefix, tenant, "edge", service, digest)

    def keepable(self, directive_value: bytes, headers: Headers) -> EdgeDirective | None:
        """The directive of a response that may be kept, else None."""
        directive = EdgeDirective.parse(directive_value.decode("latin-1"))
        if directive is None or any(name in _UNKEPT_HEADERS for name, _ in headers):
            return None
        return directive

    def store_soon(self, service: str, key: str, directive: EdgeDirective, copy: Copy) -> None:
        """`store` in a task of its own; at most `MAX_STORING` at a time (beyond, not kept)."""
        if len(self._storing) >= MAX_STORING:
            EDGE_CACHE.labels(service, "skipped").inc()
            return
        task = asyncio.create_task(self.store(service, key, directive, copy))
        self._storing.add(task)
        task.add_done_callback(self._storing.discard)

    async def settled(self) -> None:
        """Wait for the copies being written (a test's next request expects them)."""
        while self._storing:
            await asyncio.gather(*self._storing, return_exceptions=True)

    async def store(self, service: str, key: str, directive: EdgeDirective, copy: Copy) -> None:
        if len(copy.body) > self.max_bytes:
            EDGE_CACHE.labels(service, "too_large").inc()
            return
        versions = " ".join(f"{k}={v}" for k, v in directive.versions)
        counter = " ".join(directive.count) if directive.count else ""
        revision = secrets.token_hex(8).encode()
        record = f"{versions}\n{counter}\n".encode() + revision
        ttl = min(directive.max_age, self.max_ttl)
        try:
            # The response under its revision first, then the record naming it: a lookup
            # that sees the record finds the response.
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(_body_key(key, revision), copy.encode(), ex=ttl)
                pipe.set(key, record, ex=ttl)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            self._log_failure(exc)
            EDGE_CACHE.labels(service, "error").inc()
            return
        self.local.put(key, revision, copy)
        EDGE_CACHE.labels(service, "stored").inc()

    def _log_failure(self, exc: BaseException, every: float = 10.0) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= every:
            self._last_failure_log = now
            log.warning("edge cache unavailable (%s: %s): forwarding", type(exc).__name__, exc)


# Not frozen: one per cacheable GET, and `charge` records the copy it found.
@dataclass(slots=True)
class EdgeLookup:
    """One GET the edge cache may answer: its copy's key, the copy found (after `charge`),
    and the client's validator (an edge copy or a kept answer is compared with it)."""

    cache: EdgeCache
    service: str
    key: str
    if_none_match: str | None
    copy: Copy | None = None

    async def charge(self, buckets: dict[str, Limit]) -> Decision:
        """Charge the request's buckets and, if it is allowed, look its copy up: one call.
        Redis errors propagate: the limiter's policy for an unreachable Redis decides."""
        cache = self.cache
        keys, args = cache.limiter.script_args(buckets)
        allowed, wait, revision = await cache.charge_and_lookup([*keys, self.key], args)
        decision = Decision(bool(allowed), int(wait))
        if not decision.allowed:
            return decision
        service = self.service
        if revision is None:
            EDGE_CACHE.labels(service, "miss").inc()
            return decision
        copy = cache.local.get(self.key, revision)
        if copy is not None:
            EDGE_CACHE.labels(service, "hit").inc()
            self.copy = copy
            return decision
        raw = await cache.redis.get(_body_key(self.key, revision))
        if raw is None:  # replaced or expired since the lookup: the service answers
            EDGE_CACHE.labels(service, "miss").inc()
            return decision
        copy = Copy.decode(raw if isinstance(raw, bytes) else raw.encode())
        cache.local.put(self.key, revision, copy)
        EDGE_CACHE.labels(service, "hit_fetched").inc()
        self.copy = copy
        return decision

    def keep_soon(self, directive: EdgeDirective, copy: Copy) -> None:
        """Keep the service's answer as this GET's copy, after the answer has gone."""
        self.cache.store_soon(self.service, self.key, directive, copy)


async def send_copy(send: Send, copy: Copy, if_none_match: str | None) -> None:
    """Answer with a copy: 304 when the client's validator matches it, else the copy."""
    if etag_matches(if_none_match, copy.etag):
        headers = copy.not_modified_headers()
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": copy.headers})
    await send({"type": "http.response.body", "body": copy.body})
