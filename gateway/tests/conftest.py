"""Gateway test fixtures: a real upstream (aiohttp.web on a free port), keys, tokens.

The upstream plays two services, `identity` at `<base>/identity` and `catalog` at
`<base>/catalog`; a third, `down`, points at a port where nothing listens. The gateway runs
in-process (httpx ASGITransport, lifespan driven by hand) against the machine's Redis with
a per-test key prefix.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from xbt_gateway.main import create_app
from xbt_gateway.settings import GatewaySettings
from xbt_shared.testing import free_port

ISSUER = "http://127.0.0.1:8000/api/identity/v1"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex[:16], private_key=ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(ECAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": "ES256", "use": "sig"})
        return jwk

    def token(
        self,
        *,
        sub: str = "u-1",
        tid: str = "heping",
        roles: tuple[str, ...] = ("student",),
        expires_in: int = 600,
        kid: str | None = None,
        **extra: Any,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": "xbt",
            "sub": sub,
            "tid": tid,
            "roles": list(roles),
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            "typ": "access",
            **extra,
        }
        return jwt.encode(
            claims, self.private_key, algorithm="ES256", headers={"kid": kid or self.kid}
        )


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


def _openapi(service: str) -> dict[str, Any]:
    """A small document shaped like FastAPI's, with a schema name both services use."""
    own = "Me" if service == "identity" else "Resource"
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{service} service", "version": "1.0.0"},
        "paths": {
            f"/v1/{own.lower()}": {
                "get": {
                    "tags": ["things"],
                    "operationId": f"get_{own.lower()}",
                    "security": [{"HTTPBearer": []}],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": f"#/components/schemas/{own}"}
                                }
                            },
                        },
                        "422": {
                            "description": "invalid",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                                }
                            },
                        },
                    },
                }
            },
            "/livez": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                own: {"type": "object", "properties": {"id": {"type": "string"}}},
                "HTTPValidationError": {
                    "type": "object",
                    "properties": {"service": {"const": service}},
                },
            },
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
        "tags": [{"name": "things", "description": f"{service} things"}],
    }


def _upstream_app(signing_key: SigningKey) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    routes = web.RouteTableDef()

    @routes.get("/{svc}/livez")
    async def livez(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    @routes.get("/{svc}/openapi.json")
    async def openapi(request: web.Request) -> web.Response:
        return web.json_response(_openapi(request.match_info["svc"]))

    @routes.get("/{svc}/metrics")
    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text="internal metrics")

    @routes.get("/identity/v1/.well-known/jwks.json")
    async def jwks(request: web.Request) -> web.Response:
        return web.json_response({"keys": [signing_key.jwk()]})

    @routes.get("/identity/v1/.well-known/openid-configuration")
    async def discovery(request: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{ISSUER}/.well-known/jwks.json"})

    @routes.get("/{svc}/v1/slow")
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("seconds", "2")))
        return web.json_response({"slow": True})

    @routes.get("/{svc}/v1/big")
    async def big(request: web.Request) -> web.StreamResponse:
        size = int(request.query.get("bytes", str(3 * 1024 * 1024)))
        resp = web.StreamResponse()
        resp.content_type = "application/octet-stream"
        await resp.prepare(request)
        chunk = bytes(range(256)) * 256  # 64 KiB
        sent = 0
        while sent < size:
            part = chunk[: size - sent]
            await resp.write(part)
            sent += len(part)
        await resp.write_eof()
        return resp

    @routes.get("/{svc}/v1/redirect")
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=303, headers={"Location": "/v1/echo/there"})

    @routes.get("/{svc}/v1/cookie")
    async def cookie(request: web.Request) -> web.Response:
        resp = web.json_response({"cookie": request.headers.get("Cookie")})
        resp.set_cookie("session", "secret-of-one-user")
        return resp

    @routes.get("/{svc}/v1/gzip")
    async def gzipped(request: web.Request) -> web.Response:
        body = gzip.compress(b'{"compressed": true}')
        return web.Response(
            body=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    calls: dict[str, int] = {}

    @routes.get("/{svc}/v1/shared/{name}")
    async def shared(request: web.Request) -> web.Response:
        """A shared read marked for the edge cache: `X-Test-Versions` is the version stamp
        ("key=version ..."), `X-Test-Count` the view counter ("hash field"), `X-Test-Status`
        and `X-Test-Cookie` make answers that must not be kept. The body counts the calls."""
        name = request.match_info["name"]
        calls[name] = calls.get(name, 0) + 1
        body = json.dumps(
            {
                "name": name,
                "calls": calls[name],
                "if_none_match": request.headers.get("If-None-Match"),
                "pad": "x" * int(request.query.get("pad", "0")),
            }
        )
        directive = f"max-age={request.headers.get('X-Test-Max-Age', '60')}; versions=" + (
            request.headers.get("X-Test-Versions", "")
        )
        if "X-Test-Count" in request.headers:
            directive += f"; count={request.headers['X-Test-Count']}"
        etag = '"' + hashlib.sha256(name.encode()).hexdigest()[:16] + '"'
        resp = web.Response(
            text=body,
            content_type="application/json",
            status=int(request.headers.get("X-Test-Status", "200")),
            headers={
                "X-Xbt-Edge-Cache": directive,
                "ETag": etag,
                "Cache-Control": "private, max-age=30, must-revalidate",
            },
        )
        if "X-Test-Cookie" in request.headers:
            resp.set_cookie("session", "one-user")
        return resp

    @routes.route("*", "/{svc}/v1/{tail:.*}")
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "service": request.match_info["svc"],
                "method": request.method,
                "path": request.raw_path.split("?")[0],
                "query": request.query_string,
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body_len": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
            }
        )

    app.add_routes(routes)
    return app


@pytest.fixture(scope="session")
async def upstream_base(signing_key: SigningKey) -> AsyncIterator[str]:
    runner = web.AppRunner(_upstream_app(signing_key), access_log=None)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture(scope="session")
def down_port() -> int:
    return free_port()


GatewayFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def make_gateway(
    isolated_env: dict[str, Any], upstream_base: str, down_port: int
) -> AsyncIterator[GatewayFactory]:
    """`await make_gateway(**settings)` -> an httpx client talking to a started gateway."""
    async with AsyncExitStack() as stack:

        async def make(*, client_ip: str = "10.0.0.1", **overrides: Any) -> httpx.AsyncClient:
            values: dict[str, Any] = {
                **isolated_env,
                "upstreams": {
                    "identity": f"{upstream_base}/identity",
                    "catalog": f"{upstream_base}/catalog",
                    "down": f"http://127.0.0.1:{down_port}",
                },
                "jwks_url": f"{upstream_base}/identity/v1/.well-known/jwks.json",
                "jwt_issuer": ISSUER,
                "upstream_timeout_seconds": 5.0,
                "connect_timeout_seconds": 1.0,
                # Many gateways run in one test process: none serves metrics unless asked.
                "metrics_port": None,
                **overrides,
            }
            app = create_app(GatewaySettings(**values))
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(client_ip, 40000)),
                base_url="http://gateway.test",
                timeout=30.0,
            )
            await stack.enter_async_context(client)
            client.app = app  # type: ignore[attr-defined]
            return client

        yield make


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> httpx.AsyncClient:
    return await make_gateway()
