"""`python -m tests.bench.lighthouse [--gateway URL]`: see tests/bench/lighthouse/__init__.py."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tests.bench.cpu import CpuMeter, wait_for_quiet
from tests.bench.stack import (
    CATALOG_READY_TIMEOUT,
    Stack,
    _mongo_argv,
    _service_env,
    _start,
    _uvicorn_argv,
    _wait_ready,
    stop_stack,
)
from xbt_shared.testing import free_port, make_isolated_env, mongo_uri_for, wait_for_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DEFAULT_GATEWAY = "http://127.0.0.1:8000"
QUIET_CORES = 0.3
QUIET_PATIENCE = 60.0


def answers(gateway: str) -> bool:
    try:
        with urllib.request.urlopen(f"{gateway}/login", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def ensure_lighthouse() -> None:
    """npm ci from the lock file when the packages are missing (`make bench-portal` does
    it too, and again whenever the lock changes)."""
    if (HERE / "node_modules" / ".package-lock.json").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm (Node.js 20+) is needed for Lighthouse: apt-get install nodejs npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def lighthouse(gateway: str) -> int:
    # Lighthouse simulates a slow phone from the CPU time it observes: another process busy
    # on the 2 cores costs the scores points (total blocking time first). Wait for a quiet
    # machine for a while, and say how busy it was.
    others = asyncio.run(
        wait_for_quiet(CpuMeter({}), max_others=QUIET_CORES, patience=QUIET_PATIENCE)
    )
    busy = f"{others:.2f} cores used by other processes just before the run"
    if others > QUIET_CORES:
        busy += f": BUSY (over {QUIET_CORES} after {QUIET_PATIENCE:.0f} s), the scores may be low"
    print(f"lighthouse: {busy}", flush=True)
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH") or chromium()}
    argv = [shutil.which("node") or "node", str(HERE / "run.mjs"), "--gateway", gateway]
    code = subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode
    # Something that started during the run shows here (the CPU index above is taken once,
    # at the start of each page).
    after = asyncio.run(wait_for_quiet(CpuMeter({}), max_others=QUIET_CORES, patience=0.0))
    if after > QUIET_CORES:
        print(f"lighthouse: BUSY after the run ({after:.2f} cores used by other processes):")
        print("  the scores above may be low; run `make bench-portal` again on a quiet machine")
    return code


def chromium() -> str:
    found = os.environ.get("XBT_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise SystemExit("Debian's chromium is needed: `make browser` installs it")
    return found


async def seed_demo(env: dict[str, Any]) -> None:
    """The demo data `make run` loads: identity, the catalog with its files, tasks."""
    from xbt_catalog.seed import seed as seed_catalog
    from xbt_catalog.seed.media import seed_media
    from xbt_identity.accounts.service import Passwords
    from xbt_identity.seed import seed as seed_identity
    from xbt_shared.mongo import Mongo
    from xbt_shared.testing import as_environment

    identity = Mongo(env["mongodb_uri"], service="identity", db_prefix=env["db_prefix"])
    try:
        passwords = Passwords(memory_kib=19 * 1024, time_cost=2, parallelism=1, threads=1)
        await seed_identity(identity, passwords)
        passwords.shutdown()
    finally:
        await identity.close()
    catalog = Mongo(env["mongodb_uri"], service="catalog", db_prefix=env["db_prefix"])
    try:
        await seed_catalog(catalog)
        await seed_media(catalog)
    finally:
        await catalog.close()
    tasks = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "xbt_tasks.seed", env={**os.environ, **as_environment(env)}, cwd=ROOT
    )
    if await tasks.wait() != 0:
        raise RuntimeError("the tasks demo data failed to load (python -m xbt_tasks.seed)")


def start_suite() -> Stack:
    """As `tests.bench.stack.start_stack`, with one gateway (its metrics on a free port of
    its own, so a running `make run` keeps 9464) and the demo data; on failure stop what
    was started and re-raise."""
    logs = Path(tempfile.mkdtemp(prefix="xbt-lighthouse-"))
    mongo_port = free_port()
    env = make_isolated_env(mongo_uri_for(mongo_port), f"lh{uuid.uuid4().hex[:8]}")
    stack = Stack(env=env, logs=logs)
    try:
        _start(stack, "mongo", _mongo_argv(mongo_port), dict(os.environ))
        wait_for_port(mongo_port)
        asyncio.run(seed_demo(stack.env))
        ports = {name: free_port() for name in ("identity", "catalog", "tasks", "gateway")}
        stack.identity = f"http://127.0.0.1:{ports['identity']}"
        stack.catalog = f"http://127.0.0.1:{ports['catalog']}"
        stack.tasks = f"http://127.0.0.1:{ports['tasks']}"
        stack.gateway = f"http://127.0.0.1:{ports['gateway']}"
        service_env = {
            **_service_env(stack),
            "XBT_GATEWAY_METRICS_PORT": str(free_port()),
            "XBT_GATEWAY_METRICS_HOST": "127.0.0.1",
        }
        for name in ("identity", "catalog", "tasks", "gateway"):
            module = f"xbt_{name}.main:app"
            argv = _uvicorn_argv(module, ports[name], gateway=name == "gateway")
            _start(stack, name, argv, service_env)
            timeout = CATALOG_READY_TIMEOUT if name == "catalog" else 60.0
            _wait_ready(stack, name, f"http://127.0.0.1:{ports[name]}/readyz", timeout)
    except BaseException:
        stop_stack(stack)
        raise
    return stack


def with_own_suite() -> int:
    print("lighthouse: starting a suite of its own with the demo data…", flush=True)
    stack = start_suite()
    try:
        print(f"  suite up, gateway {stack.gateway}; logs in {stack.logs}", flush=True)
        return lighthouse(stack.gateway)
    finally:
        stop_stack(stack)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.lighthouse", description=__doc__)
    parser.add_argument(
        "--gateway",
        help=f"measure this running gateway (default {DEFAULT_GATEWAY} if it answers, "
        "else a suite of its own)",
    )
    parser.add_argument(
        "--own-suite",
        action="store_true",
        help="start a suite of its own even when a gateway answers",
    )
    args = parser.parse_args(argv)
    ensure_lighthouse()
    if args.own_suite:
        return with_own_suite()
    if args.gateway:
        return lighthouse(args.gateway.rstrip("/"))
    if answers(DEFAULT_GATEWAY):
        print(f"lighthouse: measuring the running gateway at {DEFAULT_GATEWAY}", flush=True)
        return lighthouse(DEFAULT_GATEWAY)
    return with_own_suite()


if __name__ == "__main__":
    sys.exit(main())
