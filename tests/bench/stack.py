"""The suite under test, started as `make run` starts it, on isolated names.

A Mongo-wire server of its own (in memory, free port), identity, catalog, tasks and the
gateway (plus a second gateway with its per-user and per-tenant limiter off, for context) as
uvicorn subprocesses (one worker each, `--no-access-log`, as `make run`) on free ports,
with their own database prefix, Redis key prefix, exchange and queues
(`xbt_shared.testing.make_isolated_env`), so a running `make run` is not disturbed.
`prepare` runs once the Mongo-wire server is up and before any service starts (catalog
builds its search indexes from what is in MongoDB when it starts).
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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xbt_gateway.server import UVICORN_ARGS
from xbt_shared.testing import (
    as_environment,
    cleanup_env,
    free_port,
    make_isolated_env,
    mongo_uri_for,
    secantus_binary,
    wait_for_port,
)

BIN = Path(sys.executable).parent
BIG = "1000000"
# The gateway's limits that would otherwise be what the bench measures. Raised, not
# switched off (a rate of 0 would skip the Redis call every real request pays).
GATEWAY_LIMITS = {
    "XBT_GATEWAY_LOGIN_IP_RATE": BIG,
    "XBT_GATEWAY_LOGIN_IP_BURST": BIG,
    "XBT_GATEWAY_USER_RATE": BIG,
    "XBT_GATEWAY_USER_BURST": BIG,
    "XBT_GATEWAY_TENANT_RATE": BIG,
    "XBT_GATEWAY_TENANT_BURST": BIG,
}
# The second gateway: authenticated requests make no Redis call at all (rate 0 = off).
NO_LIMITER = {"XBT_GATEWAY_USER_RATE": "0", "XBT_GATEWAY_TENANT_RATE": "0"}
# catalog builds its in-memory search indexes before it answers /readyz.
CATALOG_READY_TIMEOUT = 240.0


@dataclass
class Stack:
    env: dict[str, Any]
    logs: Path
    gateway: str = ""
    gateway_no_limiter: str = ""
    identity: str = ""
    catalog: str = ""
    tasks: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.gateway}/api/identity/v1"

    def pids(self) -> dict[str, int]:
        return {name: proc.pid for name, proc in self.processes.items()}

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes.items() if proc.poll() is not None]

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def start_stack(
    extra_env: dict[str, str] | None = None,
    prepare: Callable[[dict[str, Any]], Awaitable[object]] | None = None,
) -> Stack:
    """Start everything; on failure stop what was started and re-raise."""
    logs = Path(tempfile.mkdtemp(prefix="xbt-bench-"))
    mongo_port = free_port()
    stack = Stack(
        env=make_isolated_env(mongo_uri_for(mongo_port), f"bench{uuid.uuid4().hex[:8]}"), logs=logs
    )
    try:
        _start(stack, "mongo", _mongo_argv(mongo_port), dict(os.environ))
        wait_for_port(mongo_port)
        if prepare is not None:
            asyncio.run(prepare(stack.env))
        identity_port, gateway_port, second_port = free_port(), free_port(), free_port()
        catalog_port, tasks_port = free_port(), free_port()
        stack.identity = f"http://127.0.0.1:{identity_port}"
        stack.catalog = f"http://127.0.0.1:{catalog_port}"
        stack.tasks = f"http://127.0.0.1:{tasks_port}"
        stack.gateway = f"http://127.0.0.1:{gateway_port}"
        stack.gateway_no_limiter = f"http://127.0.0.1:{second_port}"
        env = {**_service_env(stack), **(extra_env or {})}
        for name, module, port, overrides in (
            ("identity", "xbt_identity.main:app", identity_port, {}),
            ("catalog", "xbt_catalog.main:app", catalog_port, {}),
            # Its outbox relay runs in this process (XBT_RUN_WORKERS defaults to true).
            ("tasks", "xbt_tasks.main:app", tasks_port, {}),
            # Each gateway serves /metrics on a port of its own (the default 9464 is a
            # running `make run`'s, and two gateways cannot share one).
            ("gateway", "xbt_gateway.main:app", gateway_port, _metrics_port()),
            ("gateway-nolimit", "xbt_gateway.main:app", second_port, NO_LIMITER | _metrics_port()),
        ):
            argv = _uvicorn_argv(module, port, gateway=module == "xbt_gateway.main:app")
            _start(stack, name, argv, {**env, **overrides})
            timeout = CATALOG_READY_TIMEOUT if name == "catalog" else 60.0
            _wait_ready(stack, name, f"http://127.0.0.1:{port}/readyz", timeout)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def _metrics_port() -> dict[str, str]:
    return {"XBT_GATEWAY_METRICS_PORT": str(free_port()), "XBT_GATEWAY_METRICS_HOST": "127.0.0.1"}


def stop_stack(stack: Stack) -> None:
    """Stop the services, remove the isolated names, then stop the Mongo-wire server."""
    services = {k: v for k, v in stack.processes.items() if k != "mongo"}
    _terminate(services)
    try:
        asyncio.run(cleanup_env(stack.env))
    finally:
        _terminate({k: v for k, v in stack.processes.items() if k == "mongo"})


def _service_env(stack: Stack) -> dict[str, str]:
    return {
        **os.environ,
        **as_environment(stack.env),
        # As `make run`: JSON logs at INFO (the services log no line per request).
        "XBT_LOG_JSON": "true",
        "XBT_LOG_LEVEL": "INFO",
        "XBT_IDENTITY_ISSUER": stack.issuer,
        "XBT_JWT_ISSUER": stack.issuer,
        "XBT_JWKS_URL": f"{stack.identity}/v1/.well-known/jwks.json",
        "XBT_GATEWAY_UPSTREAMS": json.dumps(
            {"identity": stack.identity, "catalog": stack.catalog, "tasks": stack.tasks}
        ),
        # tasks calls the catalog and identity directly, as in the cluster.
        "XBT_TASKS_CATALOG_URL": stack.catalog,
        "XBT_TASKS_TOKEN_URL": f"{stack.identity}/v1/oidc/token",
        "XBT_TASKS_IDENTITY_URL": stack.identity,
        "PYTHONUNBUFFERED": "1",
        **GATEWAY_LIMITS,
    }


def _mongo_argv(port: int) -> list[str]:
    return [
        secantus_binary(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        ":memory:",
        "--log-level",
        "WARNING",
    ]


def _uvicorn_argv(module: str, port: int, *, gateway: bool = False) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        module,
        # The gateway with its own HTTP protocol (header and body timeouts), as in `make run`.
        *(UVICORN_ARGS if gateway else ()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]


def _start(stack: Stack, name: str, argv: list[str], env: dict[str, str]) -> None:
    with (stack.logs / f"{name}.log").open("wb") as log:
        stack.processes[name] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _wait_ready(stack: Stack, name: str, url: str, timeout: float = 60.0) -> None:
    proc = stack.processes[name]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{stack.log_tail(name)}")
        if _ready(url):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{name} not ready after {timeout:.0f}s:\n{stack.log_tail(name)}")


def _terminate(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in processes.values():
        if proc.poll() is None:
            proc.terminate()
    for proc in processes.values():
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
