"""The three services in this process, as the fuzzer meets them: identity, the catalog and
tasks on isolated databases, with their demo data, tasks reaching the other two in process,
and a real access token for each role (logged in through identity, as the portal does).

The apps are served by uvicorn on local ports from one event loop in a thread of their
own, so their connections and the calls between them stay on that loop, whatever the test
runner does with its own loops (Schemathesis' ASGI transport would end the apps' lifespans
after every test).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import requests
import uvicorn
from fastapi import FastAPI

from xbt_catalog.main import create_app as create_catalog_app
from xbt_catalog.main import ensure_indexes as catalog_indexes
from xbt_catalog.seed.store import seed as seed_catalog
from xbt_catalog.settings import CatalogSettings
from xbt_identity.main import create_app as create_identity_app
from xbt_identity.main import ensure_indexes as identity_indexes
from xbt_identity.main import passwords_of
from xbt_identity.seed import DEMO_PASSWORD
from xbt_identity.seed import seed as seed_identity
from xbt_identity.settings import IdentitySettings
from xbt_shared.runtime import Runtime
from xbt_shared.testing import cleanup_env, free_port
from xbt_tasks.main import create_app as create_tasks_app
from xbt_tasks.main import ensure_indexes as tasks_indexes
from xbt_tasks.seed.loader import ITEMS as DEMO_ITEMS
from xbt_tasks.seed.loader import demo_use_cases
from xbt_tasks.seed.loader import seed as seed_tasks
from xbt_tasks.settings import TasksSettings

ISSUER = "http://testserver/identity"
# Who calls (identity's demo accounts; the guest account is opened for the run).
ACCOUNTS: dict[str, tuple[str, str]] = {
    "pupil": ("heping", "student1"),
    "teacher": ("heping", "teacher1"),
    "school_admin": ("heping", "schooladmin1"),
    "district_admin": ("heping", "districtadmin1"),
    "city_admin": ("city", "cityadmin1"),
}
ROLES = (*ACCOUNTS, "guest")


class Client(requests.Session):
    """A session to one service, with paths relative to its address."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kw: Any) -> Any:
        path = url.decode() if isinstance(url, bytes) else url
        full = path if path.startswith("http") else f"{self.base_url}{path}"
        return super().request(method, full, *args, **kw)


@dataclass
class Suite:
    clients: dict[str, Client]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    # Path parameter -> ids that exist, so a share of the cases reaches real resources.
    known: dict[str, list[str]] = field(default_factory=dict)


def identity_settings(env: dict[str, Any]) -> IdentitySettings:
    # Cheap hashing: the parameters are checked in identity's unit tests.
    return IdentitySettings(**env, issuer=ISSUER, argon2_memory_kib=1024, argon2_time_cost=1)


async def seed(env: dict[str, Any]) -> None:
    """Every service's demo data, written before the apps start (the catalog builds its
    search index from what is there when it starts)."""
    settings = identity_settings(env)
    runtimes = {
        "identity": Runtime(settings, service="identity"),
        "catalog": Runtime(CatalogSettings(**env, jwt_issuer=ISSUER), service="catalog"),
        "tasks": Runtime(TasksSettings(**env, jwt_issuer=ISSUER), service="tasks"),
    }
    try:
        await identity_indexes(runtimes["identity"])
        passwords = passwords_of(settings, threads=1)
        await seed_identity(runtimes["identity"].mongo, passwords)
        passwords.shutdown()
        await catalog_indexes(runtimes["catalog"])
        await seed_catalog(runtimes["catalog"].mongo)
        await tasks_indexes(runtimes["tasks"])
        await seed_tasks(demo_use_cases(runtimes["tasks"].mongo))
    finally:
        for runtime in runtimes.values():
            await runtime.mongo.close()
            await runtime.redis.aclose()


def apps(env: dict[str, Any]) -> dict[str, FastAPI]:
    identity = create_identity_app(identity_settings(env))
    catalog = create_catalog_app(CatalogSettings(**env, jwt_issuer=ISSUER))
    tasks = create_tasks_app(
        TasksSettings(**env, jwt_issuer=ISSUER),
        catalog_transport=httpx.ASGITransport(app=catalog),
        identity_transport=httpx.ASGITransport(app=identity),
    )
    return {"identity": identity, "catalog": catalog, "tasks": tasks}


def login(client: Client, tenant: str, username: str, password: str) -> dict[str, str]:
    resp = client.post(
        "/v1/auth/login", json={"tenant": tenant, "username": username, "password": password}
    )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def sign_in(suite: Suite) -> None:
    identity = suite.clients["identity"]
    for role, (tenant, username) in ACCOUNTS.items():
        suite.headers[role] = login(identity, tenant, username, DEMO_PASSWORD)
    now = datetime.now(UTC)
    opened = identity.put(
        "/v1/guest-access",
        headers=suite.headers["district_admin"],
        json={
            "enabled": True,
            "valid_from": (now - timedelta(hours=1)).isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        },
    )
    assert opened.status_code == 200, opened.text
    suite.headers["guest"] = login(identity, "heping", "guest", opened.json()["password"])


def ids(resp: Any, *path: str) -> list[str]:
    assert resp.status_code == 200, resp.text
    found: Any = resp.json()
    for key in path:
        found = found[key] if isinstance(found, dict) else found
    return [str(x["id"]) for x in found][:3]


def discover(suite: Suite) -> None:
    teacher = suite.headers["teacher"]
    catalog, tasks = suite.clients["catalog"], suite.clients["tasks"]
    task_ids = ids(tasks.get("/v1/tasks", headers=teacher), "items")
    course_ids = ids(catalog.get("/v1/courses", headers=teacher), "items")
    course = catalog.get(f"/v1/courses/{course_ids[0]}", headers=teacher).json()
    suite.known = {
        "task_id": task_ids,
        "pupil_id": ["u-hp-student1"],
        "user_id": ["u-hp-student1", "u-hp-teacher1"],
        "class_id": ["c-hp-8-1"],
        "school_id": ["hp-sy-zx"],
        "textbook_id": ids(catalog.get("/v1/textbooks", headers=teacher), "items"),
        "course_id": course_ids,
        "lesson_id": [str(lesson["id"]) for lesson in course["lessons"]][:2],
        "resource_id": ids(catalog.get("/v1/resources", headers=teacher), "items"),
        "item_id": list(DEMO_ITEMS)[:3],
    }


class Servers:
    """uvicorn serving `apps` from one event loop in a thread, in order (identity first:
    the others are given its keys)."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.apps = apps
        self.ports = {name: free_port() for name in apps}
        self.servers = {
            name: uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=self.ports[name], log_level="warning")
            )
            for name, app in apps.items()
        }
        self.ready = threading.Event()
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="fuzzed-suite", daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        tasks = []
        try:
            for name, server in self.servers.items():
                tasks.append(asyncio.create_task(server.serve()))
                while not server.started:
                    if tasks[-1].done():
                        tasks[-1].result()
                        raise RuntimeError(f"{name} did not start")
                    await asyncio.sleep(0.02)
                if name != "identity":
                    keys = self.apps["identity"].state.keys.jwks()
                    self.apps[name].state.verifier.set_keys(keys)
        except BaseException as exc:
            self.failed = exc
            raise
        finally:
            self.ready.set()
        await asyncio.gather(*tasks)

    def __enter__(self) -> Servers:
        self.thread.start()
        self.ready.wait(120)
        if self.failed is not None or not self.ready.is_set():
            self.__exit__()
            raise RuntimeError("the suite did not start") from self.failed
        return self

    def __exit__(self, *_: object) -> None:
        for server in reversed(self.servers.values()):
            server.should_exit = True
        self.thread.join(60)


def start(env: dict[str, Any]) -> Iterator[Suite]:
    """The suite, running until the generator is closed; then its data is removed."""
    asyncio.run(seed(env))
    try:
        with Servers(apps(env)) as servers:
            suite = Suite(clients={name: Client(servers.url(name)) for name in servers.apps})
            sign_in(suite)
            discover(suite)
            yield suite
    finally:
        asyncio.run(cleanup_env(env))
