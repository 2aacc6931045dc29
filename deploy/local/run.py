"""Start the whole suite on one machine: `make run`.

Starts the Mongo-wire server (data under ./var/mongo), loads the demo data (idempotent),
starts every service and the gateway as separate processes, waits until they are ready,
prints the URL and the demo logins, and stops every child on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xbt_gateway.server import UVICORN_ARGS

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
BIN = Path(sys.executable).parent

GATEWAY_PORT = int(os.environ.get("XBT_GATEWAY_PORT", "8000"))
MONGO_PORT = int(os.environ.get("XBT_MONGO_PORT", "27017"))
MONGODB_URI = f"mongodb://127.0.0.1:{MONGO_PORT}/?retryWrites=false&directConnection=true"
PUBLIC_URL = f"http://127.0.0.1:{GATEWAY_PORT}"


@dataclass
class Service:
    name: str
    module: str
    port: int
    env: dict[str, str] = field(default_factory=dict)


SERVICES = [
    Service("identity", "xbt_identity.main:app", 8101),
    Service("catalog", "xbt_catalog.main:app", 8102),
    # Reads resources and items from the catalog, and gets its own service token from
    # identity (client credentials; both sides default to the same development secret).
    Service(
        "tasks",
        "xbt_tasks.main:app",
        8103,
        {
            "XBT_TASKS_CATALOG_URL": "http://127.0.0.1:8102",
            "XBT_TASKS_TOKEN_URL": "http://127.0.0.1:8101/v1/oidc/token",
            "XBT_TASKS_IDENTITY_URL": "http://127.0.0.1:8101",
        },
    ),
]
SEEDS = ["xbt_identity.seed", "xbt_catalog.seed", "xbt_tasks.seed"]


def common_env() -> dict[str, str]:
    return {
        **os.environ,
        "XBT_MONGODB_URI": MONGODB_URI,
        "XBT_JWT_ISSUER": f"{PUBLIC_URL}/api/identity/v1",
        "XBT_JWKS_URL": "http://127.0.0.1:8101/v1/.well-known/jwks.json",
        "XBT_IDENTITY_ISSUER": f"{PUBLIC_URL}/api/identity/v1",
        "XBT_GATEWAY_UPSTREAMS": "{"
        + ",".join(f'"{s.name}": "http://127.0.0.1:{s.port}"' for s in SERVICES)
        + "}",
        "PYTHONUNBUFFERED": "1",
    }


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up within {timeout:.0f}s; see var/log/")


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


class Supervisor:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        (VAR / "log").mkdir(parents=True, exist_ok=True)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(VAR / "log" / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        self.children.append((name, proc))
        return proc

    def stop(self) -> None:
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _, proc in reversed(self.children):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def dead(self) -> list[str]:
        return [name for name, proc in self.children if proc.poll() is not None]


def start_mongo(sup: Supervisor) -> None:
    if port_open(MONGO_PORT):
        print(f"  Mongo-wire server already answering on 127.0.0.1:{MONGO_PORT}; using it")
        return
    (VAR / "mongo").mkdir(parents=True, exist_ok=True)
    sup.start(
        "mongo",
        [
            str(BIN / "secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(MONGO_PORT),
            "--storage-path",
            str(VAR / "mongo"),
            "--log-level",
            "WARNING",
        ],
        dict(os.environ),
    )
    wait_until(lambda: port_open(MONGO_PORT), "the Mongo-wire server")


# Each consuming service and the module listing what it consumes (xbt_shared.topology).
CONSUMERS = [f"{s.name}=xbt_{s.name}.events" for s in SERVICES]


def seed(env: dict[str, str]) -> None:
    # The queues first: the demo data's events are relayed as soon as their service starts,
    # maybe before the service consuming them has bound its queue.
    subprocess.run(
        [sys.executable, "-m", "xbt_shared.topology", *CONSUMERS], env=env, check=True, cwd=ROOT
    )
    print("  loading demo data (idempotent)…")
    for module in SEEDS:
        subprocess.run([sys.executable, "-m", module], env=env, check=True, cwd=ROOT)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    sup = Supervisor()
    # Installed explicitly: a shell that starts us in the background ignores SIGINT. SIGHUP:
    # the terminal (or tmux window) closed; the services must not outlive it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    try:
        for port in (GATEWAY_PORT, *(s.port for s in SERVICES)):
            if port_open(port):
                raise SystemExit(f"port {port} is taken: is another `make run` running?")
        print("学不停 Xuebuting — starting the suite")
        start_mongo(sup)
        env = common_env()
        seed(env)
        for svc in SERVICES:
            sup.start(
                svc.name,
                [
                    str(BIN / "uvicorn"),
                    svc.module,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(svc.port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "5",
                ],
                {**env, **svc.env},
            )
        for svc in SERVICES:
            wait_until(lambda p=svc.port: ready(f"http://127.0.0.1:{p}/readyz"), svc.name)
        sup.start(
            "gateway",
            [
                str(BIN / "uvicorn"),
                "xbt_gateway.main:app",
                # Its own HTTP protocol: header and body timeouts, header size and count.
                *UVICORN_ARGS,
                "--host",
                "127.0.0.1",
                "--port",
                str(GATEWAY_PORT),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
            ],
            env,
        )
        wait_until(lambda: ready(f"{PUBLIC_URL}/readyz"), "gateway")
        print_banner()
        while True:
            time.sleep(1)
            dead = sup.dead()
            if dead:
                print(f"stopped unexpectedly: {', '.join(dead)} (see var/log/); shutting down")
                break
    except KeyboardInterrupt:
        print("\nstopping…")
    finally:
        sup.stop()
        print("all processes stopped")


def print_banner() -> None:
    print(
        f"""
  Ready.  Portal: {PUBLIC_URL}/   (open it in a browser and sign in below)
          API docs: {PUBLIC_URL}/api/docs   OpenAPI: {PUBLIC_URL}/api/openapi.json
          OIDC discovery: {PUBLIC_URL}/api/identity/v1/.well-known/openid-configuration
          Tasks: {PUBLIC_URL}/api/tasks/v1/my/tasks (pupils), /api/tasks/v1/tasks (teachers)
          Services, direct (no gateway): identity :8101  catalog :8102  tasks :8103
          Logs: var/log/   Data: var/mongo/

  Demo logins (password xbt-demo-2020):
    和平区 heping : student1 李明, student2 王芳 (八年级1班 pupils)
                    teacher1 张老师 (teaches 八年级1班 and 2班)  researcher1 (教研员)
                    schooladmin1  districtadmin1  support1 (help desk)
    河西区 hexi   : student1  teacher1  districtadmin1
    天津市 city   : cityadmin1

  Demo tasks: teacher1 (heping) set 二元一次方程组 practice with bank items, a 数学日记
    (student1's is marked), an overdue 寒假作业 and each day's 每日一练, 课堂小测 and 预习;
    teacher1 (hexi) set 古诗词背诵.
  网络教研: researcher1 and teacher1 (heping) share 和平区初中数学教研组 with two lesson
    plans (17.1 勾股定理 with its revisions and comments, 19.1 函数).

  Try:
    curl -s {PUBLIC_URL}/api/identity/v1/auth/login -H 'content-type: application/json' \\
      -d '{{"tenant":"heping","username":"student1","password":"xbt-demo-2020"}}'
    curl -s {PUBLIC_URL}/api/tasks/v1/my/tasks -H "authorization: Bearer $ACCESS_TOKEN"

  Ctrl-C stops everything.
"""
    )


if __name__ == "__main__":
    main()
