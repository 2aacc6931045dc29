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

A lookup is part of the request's one Lua call (batched with the others of the same loop
turn): it charges the rate-limit buckets and, if the request is allowed, reads the copy,
compares its versions with the current ones, bumps the view counter the service named, and
returns the stored response. Redis being away is a miss, never an error: the service answers.
The version keys are read inside the script, so on Redis Cluster they would need to share the
copy's slot; the platform runs Redis with replicas (Sentinel), where that does not arise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from xbt_gateway.metrics import EDGE_CACHE
from xbt_shared.auth import Principal
from xbt_shared.cache import EdgeDirective
from xbt_shared.ratelimit import TOKEN_BUCKET_FUNCTION, Decision, Limit, RateLimiter
from xbt_shared.redis_batch import ScriptBatch

log = logging.getLogger("xbt.gateway.edge")

# A copy is "<key=version ...>\n<counter hash> <field>\n<rest>", the rest being the stored
# response. `lookup` returns the rest while every version is current, else false.
_LOOKUP_FUNCTION = """
local function lookup(copy)
  local entry = redis.call('GET', copy)
  if not entry then return false end
  local first = string.find(entry, '\\n', 1, true)
  local second = string.find(entry, '\\n', first + 1, true)
  for key, version in string.gmatch(string.sub(entry, 1, first - 1), '(%S+)=(%S+)') do
    if redis.call('GET', key) ~= version then return false end
  end
  local hash, field = string.match(string.sub(entry, first + 1, second - 1), '^(%S+) (%S+)$')
  if hash then redis.call('HINCRBY', hash, field, 1) end
  return string.sub(entry, second + 1)
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


def etag_matches(if_none_match: str | None, etag: str | None) -> bool:
    if not if_none_match or not etag:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class EdgeCache:
    def __init__(
        self, redis: Redis, limiter: RateLimiter, *, prefix: str, max_bytes: int, max_ttl: int
    ) -> None:
        self.redis = redis
        self.limiter = limiter
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.max_ttl = max_ttl
        self._charge_and_lookup = ScriptBatch(redis, _CHARGE_AND_LOOKUP)
        self._last_failure_log = 0.0

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
        return f"{self.prefix}t:{tenant}:edge:{service}:{digest}"

    async def charge_and_lookup(
        self, service: str, key: str, buckets: dict[str, Limit]
    ) -> tuple[Decision, Copy | None]:
        """Charge the request's buckets and, if it is allowed, look its copy up: one call.
        Redis errors propagate: the limiter's policy for an unreachable Redis decides."""
        keys, args = self.limiter.script_args(buckets)
        allowed, wait, raw = await self._charge_and_lookup([*keys, key], args)
        decision = Decision(bool(allowed), int(wait))
        if not decision.allowed:
            return decision, None
        if raw is None:
            EDGE_CACHE.labels(service, "miss").inc()
            return decision, None
        EDGE_CACHE.labels(service, "hit").inc()
        return decision, Copy.decode(raw)

    def keepable(self, directive_value: bytes, headers: Headers) -> EdgeDirective | None:
        """The directive of a response that may be kept, else None."""
        directive = EdgeDirective.parse(directive_value.decode("latin-1"))
        if directive is None or any(name in _UNKEPT_HEADERS for name, _ in headers):
            return None
        return directive

    async def store(self, service: str, key: str, directive: EdgeDirective, copy: Copy) -> None:
        if len(copy.body) > self.max_bytes:
            EDGE_CACHE.labels(service, "too_large").inc()
            return
        versions = " ".join(f"{k}={v}" for k, v in directive.versions)
        counter = " ".join(directive.count) if directive.count else ""
        entry = f"{versions}\n{counter}\n".encode() + copy.encode()
        try:
            await self.redis.set(key, entry, ex=min(directive.max_age, self.max_ttl))
        except (RedisError, OSError, TimeoutError) as exc:
            self._log_failure(exc)
            EDGE_CACHE.labels(service, "error").inc()
            return
        EDGE_CACHE.labels(service, "stored").inc()

    def _log_failure(self, exc: BaseException, every: float = 10.0) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= every:
            self._last_failure_log = now
            log.warning("edge cache unavailable (%s: %s): forwarding", type(exc).__name__, exc)
