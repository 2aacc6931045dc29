"""The request's `Caller`: who calls, in which tenant, with that tenant's database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from xbt_shared.app import build_service_app
from xbt_shared.caller import AnyCaller, CurrentCaller
from xbt_shared.errors import PROBLEM_JSON
from xbt_shared.mongo import UnitOfWork
from xbt_shared.runtime import Runtime
from xbt_shared.settings import CommonSettings
from xbt_shared.testing import TokenFactory, client_of

router = APIRouter()


@router.get("/whoami")
async def whoami(caller: CurrentCaller) -> dict[str, Any]:
    return {
        "user": caller.user_id,
        "tenant": caller.tenant.id,
        "database": caller.db.db.name,
        "key": caller.key("streak", caller.user_id),
        "bearer": caller.bearer,
        "teacher": caller.has_role("teacher"),
        "roles": sorted(caller.roles),
    }


@router.get("/any")
async def anyone(caller: AnyCaller) -> dict[str, str]:
    return {"user": caller.user_id, "tenant": caller.tenant.id}


@router.post("/notes")
async def write_note(caller: CurrentCaller) -> dict[str, str]:
    async def work(uow: UnitOfWork) -> str:
        result = await uow["notes"].insert_one({"by": caller.user_id}, session=uow.session)
        uow.emit("svc.note.written", {"by": caller.user_id})
        return str(result.inserted_id)

    return {"id": await caller.transaction(work)}


@dataclass
class Harness:
    client: httpx.AsyncClient
    tokens: TokenFactory
    runtime: Runtime

    def headers(
        self, *, tenant: str, roles: list[str], naming: str | None = None, **claims: Any
    ) -> dict[str, str]:
        headers = self.tokens.headers(tenant=tenant, roles=roles, **claims)
        if naming is not None:
            headers["X-Xbt-Tenant"] = naming
        return headers


@pytest.fixture
async def harness(isolated_env: dict[str, Any]) -> AsyncIterator[Harness]:
    settings = CommonSettings(**isolated_env)
    runtime = Runtime(settings, service="svc")
    tokens = TokenFactory(issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    tokens.install(runtime.verifier)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = build_service_app(runtime, title="svc", lifespan=lifespan, routers=[router])
    try:
        async with client_of(app) as client:
            yield Harness(client, tokens, runtime)
    finally:
        await runtime.redis.aclose()
        await runtime.mongo.close()


async def test_the_callers_tenant_is_the_tokens(
    harness: Harness, isolated_env: dict[str, Any]
) -> None:
    headers = harness.headers(tenant="heping", roles=["teacher"], sub="u-7")
    resp = await harness.client.get("/whoami", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "user": "u-7",
        "tenant": "heping",
        "database": f"{isolated_env['db_prefix']}svc_heping",
        "key": f"{isolated_env['redis_prefix']}t:heping:streak:u-7",
        "bearer": headers["Authorization"].removeprefix("Bearer "),
        "teacher": True,
        "roles": ["teacher"],
    }
    named_own = harness.headers(tenant="heping", roles=["teacher"], naming="heping")
    assert (await harness.client.get("/whoami", headers=named_own)).json()["tenant"] == "heping"


async def test_a_city_admin_naming_a_district_works_in_its_database(
    harness: Harness, isolated_env: dict[str, Any]
) -> None:
    headers = harness.headers(tenant="city", roles=["city_admin"], naming="hexi")
    resp = await harness.client.get("/whoami", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["tenant"] == "hexi"
    assert resp.json()["database"] == f"{isolated_env['db_prefix']}svc_hexi"
    assert resp.json()["key"].startswith(f"{isolated_env['redis_prefix']}t:hexi:")
    written = await harness.client.post("/notes", headers=headers)
    assert written.status_code == 200, written.text
    mongo = harness.runtime.mongo
    prefix = isolated_env["db_prefix"]
    assert [n for n in await mongo.client.list_database_names() if n.startswith(prefix)] == [
        f"{prefix}svc_hexi"
    ]
    hexi = mongo.client[f"{prefix}svc_hexi"]
    assert await hexi["notes"].count_documents({}) == 1
    assert await hexi["outbox"].count_documents({}) == 1


@pytest.mark.parametrize("roles", [["teacher"], ["district_admin"], ["service"]])
async def test_a_district_caller_naming_another_district_is_refused(
    harness: Harness, roles: list[str]
) -> None:
    sub = "svc:tasks" if roles == ["service"] else None
    headers = harness.headers(tenant="heping", roles=roles, naming="hexi", sub=sub)
    resp = await harness.client.get("/whoami", headers=headers)
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    assert resp.json()["type"] == "/problems/forbidden"
    assert (await harness.client.post("/notes", headers=headers)).status_code == 403


async def test_naming_an_unknown_or_two_tenants_is_refused(harness: Harness) -> None:
    unknown = harness.headers(tenant="city", roles=["city_admin"], naming="atlantis")
    assert (await harness.client.get("/whoami", headers=unknown)).status_code == 403
    two = [
        *harness.headers(tenant="city", roles=["city_admin"]).items(),
        ("X-Xbt-Tenant", "hexi"),
        ("X-Xbt-Tenant", "heping"),
    ]
    assert (await harness.client.get("/whoami", headers=two)).status_code == 403


async def test_a_one_time_password_holder_is_only_any_caller(harness: Harness) -> None:
    headers = harness.headers(tenant="heping", roles=["student"], sub="u-1", pwd_change=True)
    refused = await harness.client.get("/whoami", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/password-change-required"
    accepted = await harness.client.get("/any", headers=headers)
    assert accepted.status_code == 200
    assert accepted.json() == {"user": "u-1", "tenant": "heping"}


async def test_no_token_no_caller(harness: Harness) -> None:
    for path in ("/whoami", "/any"):
        resp = await harness.client.get(path)
        assert resp.status_code == 401
        assert resp.headers["content-type"].startswith(PROBLEM_JSON)
