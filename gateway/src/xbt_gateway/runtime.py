"""What one gateway process holds: the upstream table, the HTTP client, Redis, the verifier.

Built by `create_app` without touching the network; `start()` (from the lifespan) opens the
aiohttp session and the Redis pool, `stop()` closes them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
import httpx
from redis.asyncio import Redis

from xbt_gateway.edge_cache import EdgeCache
from xbt_gateway.limits import EdgeLimiter
from xbt_gateway.openapi import OpenApiAggregator
from xbt_gateway.settings import GatewaySettings
from xbt_shared.auth import TokenVerifier
from xbt_shared.ratelimit import RateLimiter

log = logging.getLogger("xbt.gateway")

# aiohttp adds these unless told not to; the client's own (or none) must go upstream.
_SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """Stands in for a Starlette route in the scope, so request metrics get a route label."""

    path: str


@dataclass(slots=True)
class Upstream:
    name: str
    base: str  # "http://127.0.0.1:8101" (no trailing slash)
    public_prefix: str = ""  # "/api/identity"
    route: ProxyRoute = field(default_factory=lambda: ProxyRoute(""))
    inflight: int = 0

    def __post_init__(self) -> None:
        self.public_prefix = f"/api/{self.name}"
        self.route = ProxyRoute(f"/api/{self.name}/{{path}}")

    @property
    def base_path(self) -> str:
        return urlsplit(self.base).path.rstrip("/")


class GatewayRuntime:
    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.upstreams = {name: Upstream(name, base) for name, base in settings.upstreams.items()}
        self.session: aiohttp.ClientSession | None = None
        self.redis: Redis | None = None
        self.limiter: EdgeLimiter | None = None
        self.edge_cache: EdgeCache | None = None
        self._jwks_http: httpx.AsyncClient | None = None
        self.verifier: TokenVerifier | None = None
        self.openapi = OpenApiAggregator(
            title="学不停 Xuebuting API",
            cache_seconds=settings.openapi_cache_seconds,
            fetch_timeout=settings.openapi_fetch_timeout_seconds,
        )

    async def start(self) -> None:
        s = self.settings
        connector = aiohttp.TCPConnector(
            # Load shedding admits at most max_inflight_per_upstream per service, so the
            # pool need not bound each host (two services may share one host:port, and
            # must not queue behind each other); the total is a backstop.
            limit=s.max_inflight_per_upstream * max(1, len(self.upstreams)) + 16,
            limit_per_host=0,
            keepalive_timeout=30.0,
            ttl_dns_cache=60,
        )
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=s.connect_timeout_seconds,
                sock_connect=s.connect_timeout_seconds,
                sock_read=s.upstream_timeout_seconds,
            ),
            # Bytes pass through untouched: Content-Encoding and Content-Length stay true.
            auto_decompress=False,
            # Never keep one user's cookies for the next.
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            trust_env=False,
        )
        # A plain pool: a blocking one costs ~40% more per command. It raises when it runs
        # out of connections, so EdgeLimiter lets at most that many calls in at a time.
        self.redis = Redis.from_url(
            s.redis_url,
            decode_responses=False,  # the edge cache keeps bodies as bytes
            max_connections=s.redis_max_connections,
            socket_connect_timeout=s.redis_timeout_seconds,
            socket_timeout=s.redis_timeout_seconds,
        )
        rate_limiter = RateLimiter(self.redis, prefix=s.redis_prefix)
        self.limiter = EdgeLimiter(
            rate_limiter,
            retry_after_failure=s.redis_retry_after_failure_seconds,
            max_concurrency=s.redis_max_connections,
            wait_timeout=s.redis_timeout_seconds,
        )
        self.edge_cache = EdgeCache(
            self.redis,
            rate_limiter,
            prefix=s.redis_prefix,
            max_bytes=s.edge_cache_max_bytes,
            max_ttl=s.edge_cache_max_ttl_seconds,
            memory_bytes=s.edge_cache_memory_bytes,
        )
        # JWKS is fetched on the first token and again only for an unknown key id.
        self._jwks_http = httpx.AsyncClient(
            timeout=httpx.Timeout(3.0, connect=s.connect_timeout_seconds)
        )
        self.verifier = TokenVerifier(
            jwks_url=s.jwks_url,
            issuer=s.jwt_issuer,
            audience=s.jwt_audience,
            http=self._jwks_http,
        )
        log.info("gateway started", extra={"route": ",".join(sorted(self.upstreams))})

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None
        if self._jwks_http is not None:
            await self._jwks_http.aclose()
            self._jwks_http = None
        self.limiter = None
        self.edge_cache = None

    async def readiness(self) -> dict[str, str]:
        """Redis answers and (unless switched off) every upstream's /livez answers."""
        checks: dict[str, str] = {}

        async def redis_check() -> None:
            try:
                if self.redis is None:
                    raise RuntimeError("not started")
                await asyncio.wait_for(self.redis.ping(), 1.0)
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"down: {type(exc).__name__}"

        async def upstream_check(up: Upstream) -> None:
            key = f"upstream:{up.name}"
            try:
                if self.session is None:
                    raise RuntimeError("not started")
                async with self.session.get(
                    f"{up.base}/livez", timeout=aiohttp.ClientTimeout(total=1.5)
                ) as resp:
                    checks[key] = "ok" if resp.status == 200 else f"down: status {resp.status}"
            except Exception as exc:
                checks[key] = f"down: {type(exc).__name__}"

        jobs = [redis_check()]
        if self.settings.readyz_requires_upstreams:
            jobs += [upstream_check(up) for up in self.upstreams.values()]
        await asyncio.gather(*jobs)
        return dict(sorted(checks.items()))
