"""Rate limits at the edge: which buckets a request is charged to, and what to do without Redis.

Every request costs one Lua call (`xbt_shared.ratelimit.RateLimiter`) charging all its
buckets at once. Bucket keys carry the tenant: `<prefix>rl:t:<tenant>:u:<user>`.

When Redis does not answer, a request is decided without it (and Redis is left alone for
`redis_retry_after_failure_seconds`, so a dead server costs no waiting per request):

- requests with a verified token, and anonymous reads: allowed (fail open). The caller is
  known and load shedding still bounds what reaches each service; refusing every
  submission of a semester start because a cache is down would be worse.
- logins and other anonymous writes: refused with 503 (fail closed). These are the
  requests a limiter exists for (password guessing), and the identity service needs Redis
  for them anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from redis.exceptions import MaxConnectionsError, RedisError

from xbt_gateway.metrics import LIMITER_UNAVAILABLE, RATE_LIMITED
from xbt_gateway.problems import LimiterUnavailable
from xbt_gateway.settings import GatewaySettings
from xbt_shared.auth import Principal
from xbt_shared.errors import BadRequest, TooManyRequests
from xbt_shared.ratelimit import Decision, Limit, RateLimiter
from xbt_shared.runtime import redis_key
from xbt_shared.tenancy import is_tenant

log = logging.getLogger("xbt.gateway.limits")


# Bucket names carry no prefix: `RateLimiter` puts `<prefix>rl:` in front of each.
_NO_PREFIX = ""


def user_buckets(principal: Principal, settings: GatewaySettings) -> dict[str, Limit]:
    tenant = principal.tenant
    return {
        redis_key(_NO_PREFIX, tenant, "u", principal.user_id): settings.user_limit,
        redis_key(_NO_PREFIX, tenant, "all"): settings.tenant_limit,
    }


def login_buckets(
    tenant: str | None, username: str | None, ip: str, settings: GatewaySettings
) -> dict[str, Limit]:
    buckets = {f"ip:{ip}:login": settings.login_ip_limit}
    if username:
        tenant_key = tenant if tenant and is_tenant(tenant) else "unknown"
        # Hashed: usernames are client input; keys stay short and free of odd characters.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:24]
        buckets[redis_key(_NO_PREFIX, tenant_key, "login", digest)] = settings.login_user_limit
    return buckets


def login_fields(
    body: bytes, content_type: bytes, header_tenant: str | None
) -> tuple[str | None, str | None]:
    """(tenant, username) from a login body (JSON or a form), for the limiter only."""
    data: object = None
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        data = dict(parse_qsl(body.decode("utf-8", "replace")))
    else:
        check_json_depth(body)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
    if not isinstance(data, dict):
        return header_tenant, None
    tenant = data.get("tenant")
    username = data.get("username")
    return (
        tenant if isinstance(tenant, str) else header_tenant,
        username[:128] if isinstance(username, str) else None,
    )


# A login body is a flat object; Python's parser recurses once per level and raises
# RecursionError near 1,000 levels, so deeper bodies are refused before it runs.
MAX_JSON_DEPTH = 32


class JsonTooDeep(BadRequest):
    status, slug, title = 400, "json-too-deep", "JSON nested too deeply"


def check_json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise `JsonTooDeep` when `body` nests arrays or objects more than `limit` deep.

    One pass over the bytes, brackets inside strings not counted; a body with fewer
    brackets than the limit (every real login) is let through by one `count`."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                raise JsonTooDeep(f"请求的 JSON 嵌套过深：最多 {limit} 层")
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1


def anonymous_buckets(ip: str, settings: GatewaySettings) -> dict[str, Limit]:
    return {f"ip:{ip}:anon": settings.anon_ip_limit}


class EdgeLimiter:
    """Charges buckets through `RateLimiter`, at most `max_concurrency` calls at a time.

    The slots mirror the Redis pool's size: redis-py's asyncio pool raises at once when it
    runs out of connections, so a burst waits here for a slot (up to `wait_timeout`)
    instead. Taking a free slot costs no more than a counter.
    """

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        retry_after_failure: float,
        max_concurrency: int,
        wait_timeout: float,
        log_every: float = 10.0,
    ) -> None:
        self._limiter = limiter
        self._retry_after_failure = retry_after_failure
        self._slots = asyncio.Semaphore(max_concurrency)
        self._wait_timeout = wait_timeout
        self._down_until = 0.0
        self._log_every = log_every
        self._last_log = 0.0

    async def charge(
        self,
        buckets: dict[str, Limit],
        *,
        kind: str,
        fail_open: bool,
        via: Callable[[dict[str, Limit]], Awaitable[Decision]] | None = None,
    ) -> None:
        """Take a token from every bucket, or raise `TooManyRequests` (429).

        `via`: another call that charges the buckets and does more in the same round trip
        (the edge cache's lookup); it runs even when no bucket is active."""
        active = {name: limit for name, limit in buckets.items() if limit.rate > 0}
        if not active and via is None:
            return
        if self._down_until and time.monotonic() < self._down_until:
            self._decide_without_redis(kind, fail_open)
            return
        if self._slots.locked():
            try:
                async with asyncio.timeout(self._wait_timeout):
                    await self._slots.acquire()
            except TimeoutError:
                # Busy, not broken: decide this one request without Redis.
                self._decide_without_redis(kind, fail_open)
                return
        else:
            await self._slots.acquire()
        try:
            decision = await (via(active) if via is not None else self._limiter.hit(active))
        except MaxConnectionsError:
            self._decide_without_redis(kind, fail_open)
            return
        except (TimeoutError, RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self._retry_after_failure
            self._log_failure(exc)
            self._decide_without_redis(kind, fail_open)
            return
        finally:
            self._slots.release()
        self._down_until = 0.0
        if not decision.allowed:
            RATE_LIMITED.labels(kind).inc()
            raise TooManyRequests(
                "slow down and retry later", retry_after=decision.retry_after_seconds
            )

    def _decide_without_redis(self, kind: str, fail_open: bool) -> None:
        LIMITER_UNAVAILABLE.labels(kind, "allowed" if fail_open else "refused").inc()
        if not fail_open:
            raise LimiterUnavailable(
                "rate limiter unavailable, retry shortly", headers={"Retry-After": "2"}
            )

    def _log_failure(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_log >= self._log_every:
            self._last_log = now
            log.warning(
                "rate limiter cannot reach Redis (%s: %s): allowing reads and verified "
                "callers, refusing logins and anonymous writes",
                type(exc).__name__,
                exc,
            )
