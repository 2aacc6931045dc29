"""The hot path: `/api/<service>/v<n>/<path>` forwarded to `<upstream>/v<n>/<path>`.

A pure ASGI middleware in front of FastAPI's router: no routing table, no dependency
injection, no Request objects. Per request, in order (`ProxyMiddleware._handle`):

1. route (routing.py): unknown service -> 404; dot segments -> 400; a declared body over the
   service's limit -> 413
2. authenticate: a Bearer token is verified locally (cached until `exp`) -> 401 if not valid
3. check the tenant and access (policy.py): another tenant named (header `X-Xbt-Tenant` or
   query `tenant`) -> 403 unless the caller may act in it; a guest writing -> 403
   `guest-read-only`; the gateway's own route without a token -> 401
4. rate-limit (limits.py): one Lua call charging the user's and the tenant's buckets (login:
   the username's and the address's, read from the body) -> 429 with Retry-After. A GET to
   a service in `edge_cache_services` looks its edge copy up in that same call
   (edge_cache.py) and is answered from it when it is current
5. read the body within the service's limit (bodies.py): whole when small, else streamed;
   too many requests in flight to that service first -> 503 with Retry-After
6. forward over the shared aiohttp session (forward.py): connection refused -> 503, no
   answer in time -> 504, a body that grows past the limit -> 413
7. relay the answer (relay.py), streaming it; an edge miss is forwarded without
   `If-None-Match`, so a keepable answer comes back whole, is kept, and the 304 is decided here
"""

from __future__ import annotations

import logging

import aiohttp
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xbt_gateway.bodies import (
    ClientGone,
    check_declared_length,
    read_login_body,
    upstream_body,
)
from xbt_gateway.edge_cache import EdgeLookup, send_copy
from xbt_gateway.forward import Forwarder
from xbt_gateway.headers import RequestHead
from xbt_gateway.limits import anonymous_buckets, login_buckets, login_fields, user_buckets
from xbt_gateway.metrics import AUTH_REJECTED, SHED
from xbt_gateway.policy import SAFE_METHODS, check_access, client_address, named_tenants
from xbt_gateway.problems import Overloaded, UpstreamUnavailable, send_problem
from xbt_gateway.routing import Route, route_of
from xbt_gateway.runtime import GatewayRuntime, Upstream
from xbt_gateway.whoami import answer_whoami
from xbt_shared.auth import Principal
from xbt_shared.context import tenant_var, user_var
from xbt_shared.errors import Problem, Unauthorized

log = logging.getLogger("xbt.gateway.proxy")


class ProxyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        runtime: GatewayRuntime,
        own_paths: frozenset[str],
        own_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.settings = runtime.settings
        self.own_paths = own_paths
        self.own_prefixes = own_prefixes
        self.bearer_exempt = frozenset(self.settings.bearer_exempt_paths)
        self.login_paths = frozenset(self.settings.login_paths)
        self.edge_services = frozenset(self.settings.edge_cache_services)
        self.forwarder = Forwarder(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith("/api/")
            or scope["path"] in self.own_paths
            or (self.own_prefixes and scope["path"].startswith(self.own_prefixes))
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
                await send_problem(
                    tracked_send,
                    problem,
                    instance=scope["path"],
                    request_headers=scope["headers"],
                )
        except ClientGone:
            pass
        except Exception:
            log.exception("proxy error on %s %s", scope["method"], scope["path"])
            if not started:
                await send_problem(
                    tracked_send,
                    Problem(status=500, slug="internal-error", title="Internal error"),
                    instance=scope["path"],
                    request_headers=scope["headers"],
                )

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The steps of the module docstring, in order; a refusal raises its `Problem`."""
        # 1. route, and the one scan of the headers
        route = route_of(scope["path"], self.runtime.upstreams, self.settings)
        scope["route"] = route.label  # request metrics get "/api/<service>/{path}"
        head = RequestHead(scope["headers"])
        check_declared_length(head, route.body_limit)
        # 2. authenticate, 3. check the tenant and access
        principal = await self._authenticate(scope["path"], head)
        self._check_tenant_and_access(scope, route, head, principal)
        # 4. rate-limit, looking the edge copy up in the same Redis call
        peer = scope.get("client")
        client_ip = client_address(
            peer[0] if peer else None, head.forwarded_for, self.settings.trusted_proxy_hops
        )
        edge = self._edge_lookup(scope, route, head, principal)
        login_body = await self._rate_limit(scope, receive, head, principal, client_ip, edge)

        upstream = route.upstream
        if upstream is None:
            await answer_whoami(route.rest, scope["method"], principal, send)
            return
        if edge is not None:
            if edge.copy is not None:
                await send_copy(send, edge.copy, head.if_none_match)
                return
            head.hold_back_if_none_match()

        # 5. read the body within the service's limit (after load shedding)
        session = self._admit(upstream)
        body = (
            login_body
            if login_body is not None
            else await upstream_body(receive, head, route.body_limit)
        )
        # 6. forward, 7. relay the answer (and keep an edge copy)
        await self.forwarder.forward(
            session,
            scope,
            head=head,
            upstream=upstream,
            rest=route.rest,
            body=body,
            client_ip=client_ip,
            edge=edge,
            send=send,
        )

    async def _authenticate(self, path: str, head: RequestHead) -> Principal | None:
        """The verified caller of a request with a Bearer token; None without one (or with
        another scheme: `Basic` for the OIDC token endpoint passes untouched)."""
        auth = head.authorization
        if auth is None or path in self.bearer_exempt:
            return None
        scheme, _, token = auth.partition(b" ")
        if scheme.lower() != b"bearer":
            return None
        token = token.strip()
        if not token:
            raise Unauthorized("empty bearer token")
        verifier = self.runtime.verifier
        if verifier is None:
            raise UpstreamUnavailable("the gateway is starting")
        text = token.decode("latin-1")
        # A token seen before is answered from the cache without awaiting `verify`.
        principal = verifier.cached(text) or await verifier.verify(text)
        user_var.set(principal.user_id)
        tenant_var.set(principal.tenant)
        return principal

    def _check_tenant_and_access(
        self, scope: Scope, route: Route, head: RequestHead, principal: Principal | None
    ) -> None:
        if principal is None:
            if route.upstream is None:
                raise Unauthorized("a bearer token is required")
            return  # the service decides whether it needs a caller
        check_access(
            principal,
            method=scope["method"],
            path=scope["path"],
            named_tenants=named_tenants(head.named_tenants, scope.get("query_string", b"")),
        )

    def _edge_lookup(
        self, scope: Scope, route: Route, head: RequestHead, principal: Principal | None
    ) -> EdgeLookup | None:
        """The edge-cache lookup of a GET to a service whose shared reads the edge keeps."""
        edge_cache = self.runtime.edge_cache
        if edge_cache is None or scope["method"] != "GET":
            return None
        if route.service not in self.edge_services:
            return None
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        return edge_cache.lookup(
            route.service, raw_path, query, principal, head.named_tenants, head.if_none_match
        )

    async def _rate_limit(
        self,
        scope: Scope,
        receive: Receive,
        head: RequestHead,
        principal: Principal | None,
        client_ip: str,
        edge: EdgeLookup | None,
    ) -> bytes | None:
        """Charge the request's buckets (and look its edge copy up in the same call).
        Returns a login's body: it is read to learn whose login it is."""
        limiter = self.runtime.limiter
        if limiter is None:
            raise UpstreamUnavailable("the gateway is starting")
        method: str = scope["method"]
        if method == "POST" and scope["path"] in self.login_paths:
            body = await read_login_body(receive, head, self.settings.login_max_body_bytes)
            header_tenant = head.named_tenants[0] if head.named_tenants else None
            tenant, username = login_fields(body, head.content_type, header_tenant)
            await limiter.charge(
                login_buckets(tenant, username, client_ip, self.settings),
                kind="login",
                fail_open=False,
            )
            return body
        via = edge.charge if edge is not None else None
        if principal is not None:
            await limiter.charge(
                user_buckets(principal, self.settings), kind="user", fail_open=True, via=via
            )
        else:
            await limiter.charge(
                anonymous_buckets(client_ip, self.settings),
                kind="anonymous",
                fail_open=method in SAFE_METHODS,
                via=via,
            )
        return None

    def _admit(self, upstream: Upstream) -> aiohttp.ClientSession:
        """Load shedding: too many requests in flight to the service -> 503, before its
        body is read. Returns the session to forward over."""
        if upstream.inflight >= self.settings.max_inflight_per_upstream:
            SHED.labels(upstream.name).inc()
            raise Overloaded(
                f"{upstream.name} is busy, retry shortly", headers={"Retry-After": "1"}
            )
        session = self.runtime.session
        if session is None:
            raise UpstreamUnavailable("the gateway is starting")
        return session
