"""The whole suite as separate processes, as `make run` starts it, on isolated names: the
fixtures of tests/e2e and tests/browser (one suite per test session, shared by both).

A Mongo-wire server of the session, identity, catalog, tasks and
the gateway (with its edge protocol, `xbt_gateway.server.UVICORN_ARGS`) as uvicorn
subprocesses on free ports (tasks calling catalog and identity directly, as in the cluster;
every process runs its outbox relay), with their own database prefix, Redis key prefix,
exchange and queues, so a running `make run` is never disturbed.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from xbt_catalog.seed import seed as seed_catalog
from xbt_catalog.seed.media import seed_media
from xbt_gateway.server import UVICORN_ARGS
from xbt_identity.accounts.service import Passwords
from xbt_identity.seed import DEMO_PASSWORD, seed
from xbt_shared.mongo import Mongo
from xbt_shared.testing import as_environment, cleanup_env, free_port, make_isolated_env

BIN = Path(sys.executable).parent


@dataclass
class Suite:
    gateway: str
    identity: str
    catalog: str
    tasks: str
    metrics: str  # the gateway's /metrics, on its own port as Prometheus scrapes it
    env: dict[str, Any]
    logs: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.gateway}/api/identity/v1"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        if _ready(url):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def suite_env(mongo_uri: str) -> dict[str, Any]:
    return make_isolated_env(mongo_uri, f"e2e{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def suite(suite_env: dict[str, Any]) -> Iterator[Suite]:
    gateway_port, identity_port, catalog_port = free_port(), free_port(), free_port()
    tasks_port, metrics_port = free_port(), free_port()
    logs = Path(tempfile.mkdtemp(prefix="xbt-e2e-"))
    s = Suite(
        gateway=f"http://127.0.0.1:{gateway_port}",
        identity=f"http://127.0.0.1:{identity_port}",
        catalog=f"http://127.0.0.1:{catalog_port}",
        tasks=f"http://127.0.0.1:{tasks_port}",
        metrics=f"http://127.0.0.1:{metrics_port}/metrics",
        env=suite_env,
        logs=logs,
    )
    asyncio.run(_seed(suite_env))
    env = {
        **os.environ,
        **as_environment(suite_env),
        "XBT_LOG_JSON": "true",
        "XBT_LOG_LEVEL": "INFO",
        "XBT_IDENTITY_ISSUER": s.issuer,
        "XBT_JWT_ISSUER": s.issuer,
        "XBT_JWKS_URL": f"{s.identity}/v1/.well-known/jwks.json",
        "XBT_GATEWAY_UPSTREAMS": json.dumps(
            {"identity": s.identity, "catalog": s.catalog, "tasks": s.tasks}
        ),
        # tasks reads the catalog and gets its service token from identity (both sides on
        # the development client secret, as in `make run`).
        "XBT_TASKS_CATALOG_URL": s.catalog,
        "XBT_TASKS_TOKEN_URL": f"{s.identity}/v1/oidc/token",
        # Class rosters (names, 学号, who is missing): this suite's identity, not :8101.
        "XBT_TASKS_IDENTITY_URL": s.identity,
        # The suite signs the same few demo accounts in over and over within minutes (teacher1
        # in some twenty tests, through the API and the browser); the per-account login limit
        # (10, then one per 5 s) refused the browser's sign-in one run in a few. The limit
        # has tests of its own (gateway/tests/test_limits.py).
        "XBT_GATEWAY_LOGIN_USER_BURST": "10000",
        # Off the default port, so a running `make run` keeps its own.
        "XBT_GATEWAY_METRICS_PORT": str(metrics_port),
        "XBT_GATEWAY_METRICS_HOST": "127.0.0.1",
    }
    try:
        for name, module, port in (
            ("identity", "xbt_identity.main:app", identity_port),
            ("catalog", "xbt_catalog.main:app", catalog_port),
            ("tasks", "xbt_tasks.main:app", tasks_port),
            ("gateway", "xbt_gateway.main:app", gateway_port),
        ):
            log = logs / f"{name}.log"
            s.processes[name] = subprocess.Popen(
                [
                    str(BIN / "uvicorn"),
                    module,
                    # The gateway with its edge protocol (header and body timeouts, limits).
                    *(UVICORN_ARGS if name == "gateway" else ()),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--no-access-log",
                ],
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            _wait_ready(f"http://127.0.0.1:{port}/readyz", s.processes[name], log)
        yield s
    finally:
        for proc in s.processes.values():
            proc.terminate()
        for proc in s.processes.values():
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(cleanup_env(suite_env))


async def _seed(env: dict[str, Any]) -> None:
    mongo = Mongo(env["mongodb_uri"], service="identity", db_prefix=env["db_prefix"])
    try:
        passwords = Passwords(memory_kib=19 * 1024, time_cost=2, parallelism=1, threads=1)
        await seed(mongo, passwords)
        passwords.shutdown()
    finally:
        await mongo.close()
    catalog = Mongo(env["mongodb_uri"], service="catalog", db_prefix=env["db_prefix"])
    try:
        await seed_catalog(catalog)
        # The demo files too (videos, PDFs, reading pages): the portal plays and opens them.
        await seed_media(catalog)
    finally:
        await catalog.close()


@pytest.fixture
async def gw(suite: Suite) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=suite.gateway, timeout=30) as client:
        yield client


async def login(
    client: httpx.AsyncClient, tenant: str, username: str, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    resp = await client.post(
        "/api/identity/v1/auth/login",
        json={"tenant": tenant, "username": username, "password": password},
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def first_event(
    queue: aio_pika.abc.AbstractQueue, what: str, matches: Callable[[Any], bool]
) -> Any:
    """The first event on `queue` that `matches` (others are acknowledged and dropped),
    polled for up to 15 s; `what` names it in the failure."""
    deadline = asyncio.get_running_loop().time() + 15
    while asyncio.get_running_loop().time() < deadline:
        message = await queue.get(fail=False)
        if message is None:
            await asyncio.sleep(0.05)
            continue
        await message.ack()
        event = json.loads(message.body)
        if matches(event):
            return event
    raise AssertionError(f"{what} did not arrive")
