"""The hot path: `/api/<service>/v<n>/<path>` forwarded to `<upstream>/v<n>/<path>`.

A pure ASGI middleware in front of FastAPI's router: no routing table, no dependency
injection, no Request objects. Per request, in order:

1. route: unknown service -> 404; dot segments -> 400; a declared body over the limit -> 413
2. auth: a Bearer token is verified locally (cached until `exp`) -> 401 if not valid
3. edge rules: another tenant named (header `X-Xbt-Tenant` or query `tenant`) -> 403 unless
   city admin; a guest writing -> 403 `guest-read-only`
4. rate limits: one Lua call charging the user's and the tenant's buckets (login: the
   username's and the address's) -> 429 with Retry-After
5. edge cache: a GET to a service in `edge_cache_services` is answered from the gateway's
   copy of a shared read when it is current (edge_cache.py); a miss is forwarded without
   `If-None-Match`, so a keepable answer comes back whole, is kept, and the 304 is decided here
6. load shedding: too many requests in flight to that service -> 503 with Retry-After
7. forward over the shared aiohttp session, streaming both bodies; connection refused ->
   503, no answer in time -> 504, a body that grows past the limit -> 413
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

import aiohttp
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from yarl import URL

from xbt_gateway.edge_cache import Copy, EdgeCache, etag_matches
from xbt_gateway.limits import anonymous_buckets, login_buckets, user_buckets
from xbt_gateway.metrics import AUTH_REJECTED, SHED, UPSTREAM_INFLIGHT, UPSTREAM_LATENCY
from xbt_gateway.policy import SAFE_METHODS, check_access, client_address
from xbt_gateway.problems import (
    BadGateway,
    Overloaded,
    UnknownService,
    UpstreamTimeout,
    UpstreamUnavailable,
    send_problem,
)
from xbt_gateway.runtime import GatewayRuntime, ProxyRoute, Upstream
from xbt_shared.auth import Principal
from xbt_shared.cache import EDGE_CACHE_HEADER
from xbt_shared.context import request_id_var, tenant_var, user_var
from xbt_shared.errors import (
    BadRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    Unauthorized,
)
from xbt_shared.observability import inject_trace_headers
from xbt_shared.ratelimit import Decision, Limit

log = logging.getLogger("xbt.gateway.proxy")

# Bodies up to this size are read whole and sent with a Content-Length; larger ones stream.
BUFFER_BYTES = 64 * 1024

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request headers not forwarded as the client sent them: hop-by-hop ones, the ones the
# gateway sets itself, and the identity headers only the gateway may write.
DROP_REQUEST = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-xbt-user",
    b"x-xbt-roles",
    b"x-xbt-school",
    b"x-request-id",
    b"traceparent",
    b"tracestate",
    b"forwarded",
    b"x-real-ip",
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
    b"x-forwarded-prefix",
}
# Response headers not passed back: hop-by-hop ones and those our own server layers set.
DROP_RESPONSE = HOP_BY_HOP | {b"server", b"date", b"x-request-id"}
NO_BODY_STATUS = frozenset({204, 304})
EDGE_DIRECTIVE = EDGE_CACHE_HEADER.encode()
# `/api/gateway/...` is answered by the gateway itself.
OWN_SERVICE = "gateway"
OWN_ROUTE = ProxyRoute("/api/gateway/{path}")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class _BodyTooLarge(PayloadTooLarge):
    """A body that grew past the limit while being read."""


class _ClientGone(Exception):
    pass


class _BodyStream:
    """The client's body as an async iterator for aiohttp, counted against the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive = receive
        self.limit = limit
        self.too_large = False
        self.client_gone = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                self.client_gone = True
                raise _ClientGone()
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                self.too_large = True
                raise _BodyTooLarge(f"the body may be at most {self.limit} bytes")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone()
        chunk: bytes = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge(f"the body may be at most {limit} bytes")
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class _Request:
    """What the checks learn about one request while scanning its headers once."""

    __slots__ = (
        "authorization",
        "chunked",
        "content_length",
        "content_type",
        "forwarded_for",
        "forwarded_host",
        "forwarded_proto",
        "headers",
        "host",
        "if_none_match",
        "named_tenants",
    )

    def __init__(self, raw_headers: list[tuple[bytes, bytes]]) -> None:
        self.authorization: bytes | None = None
        self.chunked = False
        self.content_length: int | None = None
        self.content_type = b""
        self.forwarded_for: str | None = None
        self.forwarded_host: str | None = None
        self.forwarded_proto: str | None = None
        self.host: str | None = None
        self.if_none_match: str | None = None
        self.named_tenants: list[str] = []
        headers: list[tuple[str, str]] = []
        connection_tokens: bytes | None = None
        for name, value in raw_headers:
            if name in DROP_REQUEST:
                if name == b"content-length":
                    try:
                        self.content_length = int(value)
                    except ValueError:
                        raise BadRequest("invalid Content-Length") from None
                elif name == b"transfer-encoding":
                    self.chunked = b"chunked" in value.lower()
                elif name == b"host":
                    self.host = value.decode("latin-1")
                elif name == b"x-forwarded-for":  # several headers are one list
                    hop = value.decode("latin-1")
                    seen: str | None = self.forwarded_for
                    self.forwarded_for = f"{seen}, {hop}" if seen else hop
                elif name == b"x-forwarded-host":
                    self.forwarded_host = value.decode("latin-1")
                elif name == b"x-forwarded-proto":
                    self.forwarded_proto = value.decode("latin-1")
                elif name == b"connection":
                    connection_tokens = value
                continue
            if name == b"authorization":
                if self.authorization is not None:
                    # Which one would a service read? Refuse rather than guess.
                    raise BadRequest("more than one Authorization header")
                self.authorization = value
            elif name == b"x-xbt-tenant":
                self.named_tenants.append(value.decode("latin-1").strip())
            elif name == b"content-type":
                self.content_type = value
            elif name == b"if-none-match":
                self.if_none_match = value.decode("latin-1")
            headers.append((name.decode("latin-1"), value.decode("latin-1")))
        if connection_tokens:
            listed = {t.strip().lower().decode("latin-1") for t in connection_tokens.split(b",")}
            headers = [(k, v) for k, v in headers if k not in listed]
        self.headers = headers


class ProxyMiddleware:
    def __init__(self, app: ASGIApp, *, runtime: GatewayRuntime, own_paths: frozenset[str]) -> None:
        self.app = app
        self.runtime = runtime
        self.settings = runtime.settings
        self.own_paths = own_paths
        self.bearer_exempt = frozenset(self.settings.bearer_exempt_paths)
        self.login_paths = frozenset(self.settings.login_paths)
        self.edge_services = frozenset(self.settings.edge_cache_services)
        self._failure_logged: dict[str, float] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith("/api/")
            or scope["path"] in self.own_paths
        ):
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._handle(scope, receive, tracked_send)
        except Problem as problem:
            if problem.status == 401:
                AUTH_REJECTED.labels("token").inc()
            elif problem.status == 403:
                AUTH_REJECTED.labels(problem.slug).inc()
            if not started:
                await send_problem(tracked_send, problem, instance=scope["path"])
        except _ClientGone:
            pass
        except Exception:
            log.exception("proxy error on %s %s", scope["method"], scope["path"])
            if not started:
                await send_problem(
                    tracked_send,
                    Problem(status=500, slug="internal-error", title="Internal error"),
                    instance=scope["path"],
                )

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        service, _, rest = path[5:].partition("/")
        upstream = self.runtime.upstreams.get(service)
        own = service == OWN_SERVICE
        if upstream is None and not own:
            raise UnknownService(f"no service named {service!r}")
        version = rest.partition("/")[0]
        if len(version) < 2 or version[0] != "v" or not version[1:].isdigit():
            raise NotFound("public routes are /api/<service>/v<n>/...")
        if "/." in path and any(seg in (".", "..") for seg in rest.split("/")):
            raise BadRequest("dot segments are not allowed in paths")
        # request metrics get "/api/<service>/{path}"
        scope["route"] = OWN_ROUTE if upstream is None else upstream.route

        request = _Request(scope["headers"])
        limit = self.settings.max_body_bytes_of(service)
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLarge(f"the body may be at most {limit} bytes")

        # 2. who is calling
        principal: Principal | None = None
        auth = request.authorization
        if auth is not None and path not in self.bearer_exempt:
            scheme, _, token = auth.partition(b" ")
            if scheme.lower() == b"bearer":
                token = token.strip()
                if not token:
                    raise Unauthorized("empty bearer token")
                verifier = self.runtime.verifier
                if verifier is None:
                    raise UpstreamUnavailable("the gateway is starting")
                principal = await verifier.verify(token.decode("latin-1"))
                user_var.set(principal.user_id)
                tenant_var.set(principal.tenant)

        if own and principal is None:
            raise Unauthorized("a bearer token is required")

        # 3. edge rules
        if principal is not None:
            named = [t for t in request.named_tenants if t]
            query_string: bytes = scope.get("query_string", b"")
            if b"tenant=" in query_string:
                named.extend(
                    v for k, v in parse_qsl(query_string.decode("latin-1")) if k == "tenant"
                )
            check_access(principal, method=method, path=path, named_tenants=named)

        # 4. rate limits
        peer = scope.get("client")
        ip = client_address(
            peer[0] if peer else None, request.forwarded_for, self.settings.trusted_proxy_hops
        )
        body: bytes | _BodyStream | None = None
        limiter = self.runtime.limiter
        if limiter is None:
            raise UpstreamUnavailable("the gateway is starting")
        # A shared read the edge may keep is looked up in the rate limiter's own call.
        edge_cache = self.runtime.edge_cache
        edge_key: str | None = None
        found: list[Copy] = []
        charge_and_look: Callable[[dict[str, Limit]], Awaitable[Decision]] | None = None
        if edge_cache is not None and method == "GET" and service in self.edge_services:
            raw_path: bytes = scope.get("raw_path") or path.encode()
            query: bytes = scope.get("query_string", b"")
            edge_key = edge_cache.key(service, raw_path, query, principal, request.named_tenants)

            async def charge_and_look(buckets: dict[str, Limit]) -> Decision:
                assert edge_cache is not None and edge_key is not None
                decision, copy = await edge_cache.charge_and_lookup(service, edge_key, buckets)
                if copy is not None:
                    found.append(copy)
                return decision

        if method == "POST" and path in self.login_paths:
            login_limit = self.settings.login_max_body_bytes
            if request.content_length is not None and request.content_length > login_limit:
                raise PayloadTooLarge(f"a login body may be at most {login_limit} bytes")
            try:
                body = await _read_body(receive, login_limit)
            except _BodyTooLarge:
                raise PayloadTooLarge(f"a login body may be at most {login_limit} bytes") from None
            header_tenant = request.named_tenants[0] if request.named_tenants else None
            tenant, username = _login_fields(body, request.content_type, header_tenant)
            await limiter.charge(
                login_buckets(tenant, username, ip, self.settings), kind="login", fail_open=False
            )
        elif principal is not None:
            await limiter.charge(
                user_buckets(principal, self.settings),
                kind="user",
                fail_open=True,
                via=charge_and_look,
            )
        else:
            await limiter.charge(
                anonymous_buckets(ip, self.settings),
                kind="anonymous",
                fail_open=method in SAFE_METHODS,
                via=charge_and_look,
            )

        if upstream is None:  # the gateway's own routes
            await _answer_own(rest, method, principal, send)
            return

        # 5. shared reads kept at the edge
        edge: _EdgeRead | None = None
        if edge_cache is not None and edge_key is not None:
            if found:
                await _send_copy(send, found[0], request.if_none_match)
                return
            edge = _EdgeRead(edge_cache, service, edge_key, request.if_none_match)
            if request.if_none_match is not None:
                request.headers = [(k, v) for k, v in request.headers if k != "if-none-match"]

        # 6. load shedding
        if upstream.inflight >= self.settings.max_inflight_per_upstream:
            SHED.labels(upstream.name).inc()
            raise Overloaded(
                f"{upstream.name} is busy, retry shortly", headers={"Retry-After": "1"}
            )

        # 7. forward
        session = self.runtime.session
        if session is None:
            raise UpstreamUnavailable("the gateway is starting")
        headers = request.headers
        if body is None:
            cl = request.content_length
            if cl is not None and cl <= BUFFER_BYTES:
                body = await _read_body(receive, limit) if cl else None
            elif cl is not None or request.chunked:
                body = _BodyStream(receive, limit)
                if cl is not None:
                    headers.append(("content-length", str(cl)))
        self._add_forwarding_headers(headers, scope, request, upstream, ip, principal)
        url = self._upstream_url(scope, upstream, rest)

        upstream.inflight += 1
        UPSTREAM_INFLIGHT.labels(upstream.name).inc()
        try:
            await self._exchange(session, upstream, method, url, headers, body, send, edge)
        finally:
            upstream.inflight -= 1
            UPSTREAM_INFLIGHT.labels(upstream.name).dec()

    def _add_forwarding_headers(
        self,
        headers: list[tuple[str, str]],
        scope: Scope,
        request: _Request,
        upstream: Upstream,
        ip: str,
        principal: Principal | None,
    ) -> None:
        trusted = self.settings.trusted_proxy_hops > 0
        peer = scope.get("client")
        peer_ip = peer[0] if peer else ip
        if trusted and request.forwarded_for:
            headers.append(("x-forwarded-for", f"{request.forwarded_for}, {peer_ip}"))
        else:
            headers.append(("x-forwarded-for", peer_ip))
        proto = (request.forwarded_proto if trusted else None) or scope.get("scheme", "http")
        headers.append(("x-forwarded-proto", proto))
        host = (request.forwarded_host if trusted else None) or request.host
        if host:
            headers.append(("x-forwarded-host", host))
        headers.append(("x-forwarded-prefix", upstream.public_prefix))
        rid = request_id_var.get()
        if rid:
            headers.append(("x-request-id", rid))
        trace: dict[str, str] = {}
        inject_trace_headers(trace)
        headers.extend(trace.items())
        if principal is not None:
            headers.append(("x-xbt-user", principal.user_id))
            headers.append(("x-xbt-roles", ",".join(sorted(principal.roles))))
            if principal.school:
                headers.append(("x-xbt-school", principal.school))

    @staticmethod
    def _upstream_url(scope: Scope, upstream: Upstream, rest: str) -> URL:
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

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        upstream: Upstream,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: bytes | _BodyStream | None,
        send: Send,
        edge: _EdgeRead | None,
    ) -> None:
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
            await self._relay(resp, upstream, method, send, edge)
        finally:
            resp.release()

    def _failure(
        self, upstream: Upstream, body: bytes | _BodyStream | None, exc: Exception
    ) -> tuple[Exception, str]:
        """The answer for a request that got no response, and its metrics outcome."""
        name = upstream.name
        if isinstance(body, _BodyStream):
            if body.too_large:
                limit = body.limit
                return PayloadTooLarge(f"the body may be at most {limit} bytes"), "rejected"
            if body.client_gone:
                return _ClientGone(), "client_gone"
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

    async def _relay(
        self,
        resp: aiohttp.ClientResponse,
        upstream: Upstream,
        method: str,
        send: Send,
        edge: _EdgeRead | None,
    ) -> None:
        status = resp.status
        headers, directive = self._response_headers(resp, upstream)
        no_body = method == "HEAD" or status in NO_BODY_STATUS or status < 200
        length = resp.content_length
        buffered = length is not None and length <= BUFFER_BYTES
        if edge is not None and status == 200 and length is not None:
            keep = edge.cache.keepable(directive, headers) if directive is not None else None
            if keep is not None and length <= edge.cache.max_bytes:
                copy = Copy(headers, await self._read_whole(resp, upstream))
                await _send_copy(send, copy, edge.if_none_match)
                # Kept after the answer has gone, outside this request: the client's next
                # request on the connection does not wait for Redis.
                edge.cache.store_soon(edge.service, edge.key, keep, copy)
                return
            if buffered and etag_matches(edge.if_none_match, Copy(headers, b"").etag):
                # The client's If-None-Match was held back: answer it as the service would.
                await _send_copy(send, Copy(headers, b""), edge.if_none_match)
                return
        if no_body or buffered:
            data = b"" if no_body else await self._read_whole(resp, upstream)
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": data})
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        try:
            async for chunk in resp.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (TimeoutError, aiohttp.ClientError) as exc:
            # Headers are out: all we can do is cut the connection so the client sees a
            # truncated response rather than a complete-looking one.
            resp.close()
            log.warning("upstream %s broke off a response: %r", upstream.name, exc)
            raise _ClientGone() from exc
        except OSError as exc:  # the client went away mid-download
            resp.close()
            raise _ClientGone() from exc
        await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _read_whole(resp: aiohttp.ClientResponse, upstream: Upstream) -> bytes:
        try:
            return await resp.read()
        except TimeoutError as exc:
            raise UpstreamTimeout(f"{upstream.name} did not finish in time") from exc
        except aiohttp.ClientError as exc:
            raise BadGateway(f"{upstream.name} failed: {type(exc).__name__}") from exc

    @staticmethod
    def _response_headers(
        resp: aiohttp.ClientResponse, upstream: Upstream
    ) -> tuple[list[tuple[bytes, bytes]], bytes | None]:
        """The headers passed back, and the edge-cache directive (never passed back)."""
        headers: list[tuple[bytes, bytes]] = []
        directive: bytes | None = None
        for name, value in resp.raw_headers:
            key = name.lower()
            if key in DROP_RESPONSE:
                continue
            if key == EDGE_DIRECTIVE:
                directive = value
                continue
            if key == b"location":
                value = _public_location(value, upstream)
            headers.append((key, value))
        return headers, directive


@dataclass(frozen=True, slots=True)
class _EdgeRead:
    """A GET the edge cache missed: where its answer goes, and the client's validator."""

    cache: EdgeCache
    service: str
    key: str
    if_none_match: str | None


async def _answer_own(rest: str, method: str, principal: Principal | None, send: Send) -> None:
    """`GET /api/gateway/v1/whoami`: the caller as the token says, answered after the same
    edge checks (token, tenant rules, rate limits) as every proxied request, with no hop.
    A client checks its session with it; the bench uses it as the cheapest authenticated
    answer the gateway gives."""
    if rest != "v1/whoami":
        raise NotFound("the gateway's own route is /api/gateway/v1/whoami")
    if method not in ("GET", "HEAD"):
        raise MethodNotAllowed("whoami is read with GET", headers={"Allow": "GET, HEAD"})
    assert principal is not None  # checked right after the token
    body = json.dumps(
        {
            "user_id": principal.user_id,
            "tenant": principal.tenant,
            "roles": sorted(principal.roles),
            "school": principal.school,
            "classes": list(principal.classes),
            "name": principal.name,
            "guest": principal.is_guest,
            "must_change_password": principal.must_change_password,
            "expires_at": principal.expires_at,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})


async def _send_copy(send: Send, copy: Copy, if_none_match: str | None) -> None:
    if etag_matches(if_none_match, copy.etag):
        headers = copy.not_modified_headers()
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": copy.headers})
    await send({"type": "http.response.body", "body": copy.body})


def _public_location(value: bytes, upstream: Upstream) -> bytes:
    """Rewrite a redirect into the service's own API to its public gateway path."""
    base = upstream.base.encode()
    if value.startswith(base + b"/"):
        value = value[len(base) :]
    elif upstream.base_path and value.startswith(upstream.base_path.encode() + b"/v"):
        value = value[len(upstream.base_path) :]
    if len(value) > 2 and value.startswith(b"/v") and value[2:3].isdigit():
        return upstream.public_prefix.encode() + value
    return value


def _login_fields(
    body: bytes, content_type: bytes, header_tenant: str | None
) -> tuple[str | None, str | None]:
    """(tenant, username) from a login body (JSON or a form), for the limiter only."""
    data: object = None
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        data = dict(parse_qsl(body.decode("utf-8", "replace")))
    else:
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
