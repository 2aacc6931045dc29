"""Test fixtures shared by every service's tests (a pytest plugin: `-p xbt_shared.testing`).

Tests use the real Mongo-wire server, Redis and RabbitMQ, isolated from a running
`make run`: a Mongo-wire server of their own on a free port (in memory), and per test a
unique database prefix, Redis key prefix, exchange and queue prefix, removed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from xbt_shared.settings import DEV_AMQP_URL, DEV_REDIS_URL
from xbt_shared.tenancy import Tenant

SERVICE_QUEUES = ("identity", "catalog", "tasks", "library", "contests", "support", "gateway")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, *, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def secantus_binary() -> str:
    candidate = Path(sys.executable).parent / "secantusd-py"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("secantusd-py")
    if not found:
        raise RuntimeError("secantusd-py not found: run `make install` (uv sync) first")
    return found


def mongo_uri_for(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?retryWrites=false&directConnection=true"


@pytest.fixture(scope="session")
def mongo_uri() -> Iterator[str]:
    """A Mongo-wire server for this test session (or XBT_TEST_MONGODB_URI if set)."""
    given = os.environ.get("XBT_TEST_MONGODB_URI")
    if given:
        yield given
        return
    port = free_port()
    proc = subprocess.Popen(
        [
            secantus_binary(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            ":memory:",
            "--log-level",
            "WARNING",
            "--enable-test-commands",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield mongo_uri_for(port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def test_id() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
def tenant() -> Tenant:
    return Tenant("heping")


@pytest.fixture
def other_tenant() -> Tenant:
    return Tenant("hexi")


def make_isolated_env(mongo_uri: str, test_id: str) -> dict[str, Any]:
    """Settings values that give a test its own databases, keys, exchange and queues."""
    return {
        "environment": "test",
        "mongodb_uri": mongo_uri,
        "redis_url": os.environ.get("XBT_TEST_REDIS_URL", DEV_REDIS_URL),
        "amqp_url": os.environ.get("XBT_TEST_AMQP_URL", DEV_AMQP_URL),
        "db_prefix": f"t{test_id}_",
        "redis_prefix": f"test:{test_id}:",
        "events_exchange": f"xbt.test.{test_id}",
        "queue_prefix": f"test.{test_id}.",
        "log_json": False,
        "log_level": "WARNING",
    }


def as_environment(env: dict[str, Any]) -> dict[str, str]:
    """The same values as XBT_* environment variables, for a suite run as subprocesses."""
    return {
        f"XBT_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in env.items()
    }


@pytest.fixture
async def isolated_env(mongo_uri: str, test_id: str) -> AsyncIterator[dict[str, Any]]:
    env = make_isolated_env(mongo_uri, test_id)
    yield env
    await cleanup_env(env)


async def cleanup_env(env: dict[str, Any]) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(env["mongodb_uri"])
    try:
        for name in await client.list_database_names():
            if name.startswith(env["db_prefix"]):
                await client.drop_database(name)
    finally:
        await client.close()
    redis = Redis.from_url(env["redis_url"])
    try:
        keys = [k async for k in redis.scan_iter(match=f"{env['redis_prefix']}*", count=1000)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
    await delete_broker_objects(env)


async def delete_broker_objects(env: dict[str, Any], extra_queues: tuple[str, ...] = ()) -> None:
    import aio_pika

    try:
        conn = await aio_pika.connect(env["amqp_url"], timeout=5)
    except Exception:
        return
    async with conn:
        for base in (*SERVICE_QUEUES, *extra_queues):
            for suffix in ("", ".retry", ".dlq"):
                channel = await conn.channel()
                try:
                    await channel.queue_delete(f"{env['queue_prefix']}{base}{suffix}")
                except Exception:
                    pass
                finally:
                    if not channel.is_closed:
                        await channel.close()
        channel = await conn.channel()
        with contextlib.suppress(Exception):
            await channel.exchange_delete(env["events_exchange"])


async def eventually(check: Any, *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll `check` (sync or async callable) until it returns a truthy value, or fail."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


@contextlib.asynccontextmanager
async def running(app: FastAPI, tokens: TokenFactory | None = None) -> AsyncIterator[FastAPI]:
    """`app` with its lifespan run (connections open, background loops going); with
    `tokens`, its verifier trusts the factory's key."""
    async with app.router.lifespan_context(app):
        if tokens is not None:
            tokens.install(app.state.verifier)
        yield app


@contextlib.asynccontextmanager
async def client_of(
    app: FastAPI, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that calls `app` in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client


class TokenFactory:
    """Signs access tokens as identity would, for testing a service on its own.

    `install(verifier)` makes a service's verifier trust this factory's key.
    """

    def __init__(self, *, issuer: str, audience: str = "xbt") -> None:
        import json

        from cryptography.hazmat.primitives.asymmetric import ec
        from jwt.algorithms import ECAlgorithm

        self.issuer = issuer
        self.audience = audience
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.kid = uuid.uuid4().hex
        jwk = json.loads(ECAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "alg": "ES256", "use": "sig"})
        self.jwk = jwk

    def install(self, verifier: Any) -> None:
        verifier.set_keys({"keys": [self.jwk]})

    def token(
        self,
        *,
        tenant: str,
        roles: list[str],
        sub: str | None = None,
        school: str | None = None,
        classes: list[str] | None = None,
        ttl: int = 900,
        **extra: Any,
    ) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub or f"u-{uuid.uuid4().hex[:8]}",
            "tid": tenant,
            "roles": roles,
            "school": school,
            "classes": classes or [],
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "typ": "access",
            **extra,
        }
        return jwt.encode(claims, self._key, algorithm="ES256", headers={"kid": self.kid})

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}

    def service_headers(
        self, *scopes: str, client: str = "tasks", acting_in: str | None = None
    ) -> dict[str, str]:
        """A service token as identity's client-credentials grant issues it (city tenant,
        role `service`, `scope`), naming `acting_in` as the tenant to act in, if given."""
        token = self.token(
            tenant="city", roles=["service"], sub=f"svc:{client}", scope=" ".join(scopes)
        )
        headers = {"Authorization": f"Bearer {token}"}
        if acting_in is not None:
            headers["X-Xbt-Tenant"] = acting_in
        return headers
