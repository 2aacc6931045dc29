"""Gateway settings: env prefix XBT_GATEWAY_, and the common XBT_ ones.

The connection settings every process shares (`XBT_REDIS_URL`, `XBT_JWKS_URL`, ...) are
also read from their common `XBT_` names, so one ConfigMap serves every Deployment; an
`XBT_GATEWAY_` variable wins over the common one.

A rate of 0 switches that bucket off (load tests with a handful of users do that).
"""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import (
    SettingsConfigDict,
)

from xbt_shared.ratelimit import Limit
from xbt_shared.settings import CommonSettings

MiB = 1024 * 1024
SERVICE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
# The public paths where an Authorization header is not checked at the edge: a client
# calls them precisely when its access token has expired, and they take the refresh
# token in the body.
DEFAULT_BEARER_EXEMPT = (
    "/api/identity/v1/auth/login",
    "/api/identity/v1/auth/refresh",
    "/api/identity/v1/auth/logout",
    # OIDC relying parties present access tokens issued to them (aud = their client id);
    # identity checks those itself and answers in OAuth's error format.
    "/api/identity/v1/oidc/userinfo",
)
# POSTs that carry a password (JSON or a form): charged to the login buckets.
DEFAULT_LOGIN_PATHS = (
    "/api/identity/v1/auth/login",
    "/api/identity/v1/oidc/authorize",
)


class GatewaySettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="XBT_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    # The gateway has no database and no event bus: without these, the common prod check
    # (no development defaults) would refuse to start it in a cluster that gives it neither.
    mongodb_uri: str = ""
    amqp_url: str = ""
    run_workers: bool = False

    # Service name -> base URL; `/api/<name>/v1/x` goes to `<base>/v1/x`.
    upstreams: dict[str, str] = Field(default_factory=lambda: {"identity": "http://127.0.0.1:8101"})
    # Idle time allowed for an upstream: after the request body is sent until the response
    # headers arrive, and between two reads of the response body.
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    # Getting a connection: from the pool or a new TCP connect.
    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    # Requests in flight to one upstream (per gateway process); beyond it: 503 + Retry-After.
    max_inflight_per_upstream: int = Field(default=256, ge=1)
    # Rosters (xlsx/csv) are uploaded through the gateway.
    max_body_bytes: int = Field(default=12 * MiB, ge=0)
    # Services that take larger bodies: pupils' attachments go to tasks (whose own limit per
    # file is 20 MiB; the margin covers nothing else, since uploads are raw bodies).
    max_body_bytes_by_service: dict[str, int] = Field(
        default_factory=lambda: {"tasks": 20 * MiB + 64 * 1024}
    )
    login_max_body_bytes: int = Field(default=16 * 1024, ge=256)

    # Origins whose browser pages may call the API (CORS); none by default.
    cors_origins: list[str] = Field(default_factory=list)

    # The connection itself, enforced by the server protocol (server.py) before the app
    # sees a request: the whole request head (request line and headers) within
    # `header_timeout_seconds` of its first byte; at most `max_header_bytes` and
    # `max_header_count` headers (431); a body that pauses longer than
    # `body_idle_timeout_seconds`, or averages under `body_min_bytes_per_second` once it
    # has had that long, is a 408 and the connection is closed.
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=8)
    body_idle_timeout_seconds: float = Field(default=15.0, gt=0)
    body_min_bytes_per_second: float = Field(default=240.0, ge=0)

    # Prometheus scrapes the gateway here, not on its public port (None: no metrics server).
    metrics_port: int | None = Field(default=9464, ge=1, le=65535)
    metrics_host: str = "0.0.0.0"

    # Token buckets (rate per second, burst). Per verified user and per tenant together.
    user_rate: float = Field(default=20.0, ge=0)
    user_burst: int = Field(default=60, ge=1)
    tenant_rate: float = Field(default=3000.0, ge=0)
    tenant_burst: int = Field(default=6000, ge=1)
    # Login: per (tenant, username), and per client address (a school shares one address).
    login_user_rate: float = Field(default=0.2, ge=0)
    login_user_burst: int = Field(default=10, ge=1)
    login_ip_rate: float = Field(default=20.0, ge=0)
    login_ip_burst: int = Field(default=200, ge=1)
    # Requests without a token (refresh, JWKS, OIDC), per client address.
    anon_ip_rate: float = Field(default=100.0, ge=0)
    anon_ip_burst: int = Field(default=1000, ge=1)

    # Redis for the rate limiter: short timeouts, and after a failure the limiter is
    # skipped for this long (fail open/closed without waiting on a dead server).
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    redis_max_connections: int = Field(default=256, ge=1)
    redis_retry_after_failure_seconds: float = Field(default=1.0, ge=0)

    # How many reverse proxies in front of the gateway append to X-Forwarded-For
    # (the cluster ingress: 1). 0 trusts no header and uses the socket peer.
    trusted_proxy_hops: int = Field(default=0, ge=0)
    # TLS terminates at the ingress in front of us: send Strict-Transport-Security.
    tls_terminated_upstream: bool = False
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)

    bearer_exempt_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_BEARER_EXEMPT))
    login_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_LOGIN_PATHS))

    # Services whose GETs are looked up in the edge cache (their marked answers are kept
    # there, see edge_cache.py); the largest body kept; the longest a copy is kept.
    edge_cache_services: list[str] = Field(default_factory=lambda: ["catalog"])
    edge_cache_max_bytes: int = Field(default=256 * 1024, ge=0)
    edge_cache_max_ttl_seconds: int = Field(default=600, ge=1)
    # Responses each process keeps in memory (by revision; Redis still decides per request
    # whether a copy is current).
    edge_cache_memory_bytes: int = Field(default=64 * MiB, ge=0)

    openapi_cache_seconds: float = Field(default=60.0, ge=0)
    openapi_fetch_timeout_seconds: float = Field(default=3.0, gt=0)
    docs_enabled: bool = True
    # The built web portal (`npm run build` in gateway/portal), served at `/`; unset:
    # gateway/portal/dist beside the source tree.
    portal_dir: str | None = None
    # /readyz also requires every upstream's /livez (one down service makes the gateway
    # unready: right for `make run`; in a cluster consider false, see README).
    readyz_requires_upstreams: bool = True

    @field_validator("upstreams")
    @classmethod
    def _check_upstreams(cls, value: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for name, url in value.items():
            if not SERVICE_NAME.fullmatch(name):
                raise ValueError(f"bad upstream name {name!r}")
            if name == "gateway":
                raise ValueError("/api/gateway/ is the gateway's own; no upstream may take it")
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"upstream {name!r} needs an http(s) URL, got {url!r}")
            checked[name] = url.rstrip("/")
        return checked

    def max_body_bytes_of(self, service: str) -> int:
        return self.max_body_bytes_by_service.get(service, self.max_body_bytes)

    # Built once: they are read on every request, and settings do not change after start.
    @cached_property
    def user_limit(self) -> Limit:
        return Limit(self.user_rate, self.user_burst)

    @cached_property
    def tenant_limit(self) -> Limit:
        return Limit(self.tenant_rate, self.tenant_burst)

    @cached_property
    def login_user_limit(self) -> Limit:
        return Limit(self.login_user_rate, self.login_user_burst)

    @cached_property
    def login_ip_limit(self) -> Limit:
        return Limit(self.login_ip_rate, self.login_ip_burst)

    @cached_property
    def anon_ip_limit(self) -> Limit:
        return Limit(self.anon_ip_rate, self.anon_ip_burst)
