"""Token-bucket rate limiting in Redis: one Lua script, atomic across several buckets.

A request may be charged to several buckets at once (per user and per tenant, say); it is
allowed only if every bucket has a token, and then each loses one. Redis' own clock is used
so that many gateway replicas agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

from xbt_shared.redis_batch import ScriptBatch

# The token bucket as a Lua function, so that another script can charge buckets and go on
# in the same atomic call (the gateway's edge cache does). keys: bucket keys; argv: per
# bucket a (rate per second, burst) pair. Returns {allowed (0/1), retry_after_ms}.
TOKEN_BUCKET_FUNCTION = """
local function charge(keys, argv)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local n = #keys
  local states = {}
  local wait = 0
  for i = 1, n do
    local rate = tonumber(argv[2 * i - 1])
    local burst = tonumber(argv[2 * i])
    local s = redis.call('HMGET', keys[i], 'tokens', 'ts')
    local tokens = tonumber(s[1])
    local ts = tonumber(s[2])
    if tokens == nil then tokens = burst; ts = now end
    tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
    states[i] = tokens
    if tokens < 1 then
      local need = math.ceil((1 - tokens) * 1000 / rate)
      if need > wait then wait = need end
    end
  end
  for i = 1, n do
    local rate = tonumber(argv[2 * i - 1])
    local burst = tonumber(argv[2 * i])
    local tokens = states[i]
    if wait == 0 then tokens = tokens - 1 end
    redis.call('HSET', keys[i], 'tokens', tokens, 'ts', now)
    redis.call('PEXPIRE', keys[i], math.ceil(burst * 1000 / rate) + 1000)
  end
  if wait == 0 then return {1, 0} end
  return {0, wait}
end
"""
_TOKEN_BUCKET = TOKEN_BUCKET_FUNCTION + "return charge(KEYS, ARGV)\n"


@dataclass(frozen=True, slots=True)
class Limit:
    """`rate` tokens per second refill, at most `burst` saved up."""

    rate: float
    burst: int


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after_ms: int

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after_ms / 1000))


class RateLimiter:
    """Charges buckets in Redis; concurrent calls share one Redis command per loop turn
    (`ScriptBatch`)."""

    def __init__(self, redis: Redis, *, prefix: str = "") -> None:
        self._prefix = prefix
        self._script = ScriptBatch(redis, _TOKEN_BUCKET)

    def script_args(self, buckets: dict[str, Limit]) -> tuple[list[str], list[float | int]]:
        """KEYS and ARGV for `TOKEN_BUCKET_FUNCTION`'s `charge`."""
        keys = [f"{self._prefix}rl:{name}" for name in buckets]
        args: list[float | int] = []
        for limit in buckets.values():
            args.extend((limit.rate, limit.burst))
        return keys, args

    async def hit(self, buckets: dict[str, Limit]) -> Decision:
        keys, args = self.script_args(buckets)
        allowed, wait = await self._script(keys, args)
        return Decision(bool(allowed), int(wait))
