"""The exchange with the upstream: the request as the service sees it, over the shared aiohttp
session, and the gateway's answer when none comes (connection refused -> 503, no answer in
time -> 504, a body that grew past the limit -> 413)."""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

import aiohttp
from starlette.types import Scope, Send
from yarl import URL

from xbt_gateway.bodies import Body, BodyStream, ClientGone
from xbt_gateway.edge_cache import EdgeLookup
from xbt_gateway.headers import RequestHead
from xbt_gateway.metrics import UPSTREAM_INFLIGHT, UPSTREAM_LATENCY
from xbt_gateway.problems import BadGateway, UpstreamTimeout, UpstreamUnavailable
from xbt_gateway.relay import relay
from xbt_gateway.runtime import Upstream
from xbt_gateway.settings import GatewaySettings
from xbt_shared.context import request_id_var
from xbt_shared.errors import PayloadTooLarge
from xbt_shared.observability import inject_trace_headers

log = logging.getLogger("xbt.gateway.proxy")

_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class Forwarder:
    def __init__(self, settings: GatewaySettings) -> None:
        self._trusted_proxies = settings.trusted_proxy_hops > 0
        self._failure_logged: dict[str, float] = {}

    async def forward(
        self,
        session: aiohttp.ClientSession,
        scope: Scope,
        *,
        head: RequestHead,
        upstream: Upstream,
        rest: str,
        body: Body,
        client_ip: str,
        edge: EdgeLookup | None,
        send: Send,
    ) -> None:
        """Send the request to `upstream` and relay its answer (`relay.py`)."""
        headers = head.headers
        if isinstance(body, BodyStream) and body.length is not None:
            headers.append(("content-length", str(body.length)))
        self._add_forwarding_headers(headers, scope, head, upstream, client_ip)
        url = upstream_url(scope, upstream, rest)
        method: str = scope["method"]

        upstream.inflight += 1
        UPSTREAM_INFLIGHT.labels(upstream.name).inc()
        try:
            started_at = time.perf_counter()
            try:
                resp = await session.request(
                    method, url, headers=headers, data=body, allow_redirects=False
                )
            except Exception as exc:
                failure, outcome = self._failure(upstream, body, exc)
                UPSTREAM_LATENCY.labels(upstream.name, outcome).observe(
                    time.perf_counter() - started_at
                )
                if failure is exc:
                    raise
                raise failure from exc
            # headers arrived
            UPSTREAM_LATENCY.labels(upstream.name, f"{resp.status // 100}xx").observe(
                time.perf_counter() - started_at
            )
            try:
                await relay(resp, upstream, method, send, edge)
            finally:
                resp.release()
        finally:
            upstream.inflight -= 1
            UPSTREAM_INFLIGHT.labels(upstream.name).dec()

    def _add_forwarding_headers(
        self,
        headers: list[tuple[str, str]],
        scope: Scope,
        head: RequestHead,
        upstream: Upstream,
        client_ip: str,
    ) -> None:
        """Where the request came from (RFC 7239's de-facto headers), its request id and
        trace. Who the caller is the services read from the token itself."""
        trusted = self._trusted_proxies
        peer = scope.get("client")
        peer_ip = peer[0] if peer else client_ip
        if trusted and head.forwarded_for:
            headers.append(("x-forwarded-for", f"{head.forwarded_for}, {peer_ip}"))
        else:
            headers.append(("x-forwarded-for", peer_ip))
        proto = (head.forwarded_proto if trusted else None) or scope.get("scheme", "http")
        headers.append(("x-forwarded-proto", proto))
        host = (head.forwarded_host if trusted else None) or head.host
        if host:
            headers.append(("x-forwarded-host", host))
        headers.append(("x-forwarded-prefix", upstream.public_prefix))
        rid = request_id_var.get()
        if rid:
            headers.append(("x-request-id", rid))
        trace: dict[str, str] = {}
        inject_trace_headers(trace)
        headers.extend(trace.items())

    def _failure(self, upstream: Upstream, body: Body, exc: Exception) -> tuple[Exception, str]:
        """The answer for a request that got no response, and its metrics outcome."""
        name = upstream.name
        if isinstance(body, BodyStream):
            if body.too_large:
                limit = body.limit
                return PayloadTooLarge(f"the body may be at most {limit} bytes"), "rejected"
            if body.client_gone:
                return ClientGone(), "client_gone"
        self._log_failure(name, exc)
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            detail = f"{name} did not accept a connection in time"
            return UpstreamUnavailable(detail, headers={"Retry-After": "2"}), "unavailable"
        if isinstance(exc, aiohttp.ClientConnectorError):
            detail = f"{name} is not reachable"
            return UpstreamUnavailable(detail, headers={"Retry-After": "2"}), "unavailable"
        if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors
            return UpstreamTimeout(f"{name} did not answer in time"), "timeout"
        if isinstance(exc, aiohttp.ClientError):
            return BadGateway(f"{name} failed: {type(exc).__name__}"), "error"
        return exc, "error"

    def _log_failure(self, name: str, exc: Exception, *, every: float = 5.0) -> None:
        """At most one line per upstream every few seconds: an outage must not flood logs."""
        now = time.monotonic()
        if now - self._failure_logged.get(name, 0.0) >= every:
            self._failure_logged[name] = now
            log.warning("upstream %s failed: %s: %s", name, type(exc).__name__, exc)


def upstream_url(scope: Scope, upstream: Upstream, rest: str) -> URL:
    """The upstream URL: the client's path after `/api/<service>/` as it was sent (still
    percent-encoded, so `a%2Fb` stays one segment), non-ASCII bytes encoded."""
    raw_path: bytes | None = scope.get("raw_path")
    prefix = f"/api/{upstream.name}/".encode()
    if raw_path is not None and raw_path.startswith(prefix):
        tail = raw_path[len(prefix) :]
        if not tail.isascii():
            tail = quote(tail, safe=_PATH_SAFE).encode()
        path = tail.decode("ascii")
    else:
        path = quote(rest, safe=_PATH_SAFE)
    target = f"{upstream.base}/{path}"
    query: bytes = scope.get("query_string", b"")
    if query:
        if not query.isascii():
            query = quote(query, safe=_QUERY_SAFE).encode()
        target = f"{target}?{query.decode('ascii')}"
    return URL(target, encoded=True)
