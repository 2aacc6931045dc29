"""Fixtures for identity's tests: an app on isolated databases, keys, exchange and queues."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_identity.accounts.service import Accounts
from xbt_identity.accounts.store import UserStore
from xbt_identity.keys.domain import KeySet
from xbt_identity.main import create_app
from xbt_identity.oidc.service import OidcProvider
from xbt_identity.roster.service import Roster
from xbt_identity.seed import DEMO_PASSWORD, seed
from xbt_identity.settings import IdentitySettings
from xbt_shared.mongo import TenantDb
from xbt_shared.runtime import Runtime
from xbt_shared.tenancy import Tenant
from xbt_shared.testing import client_of, running


@dataclass(frozen=True)
class Identity:
    """What a test reaches into of a running identity app."""

    runtime: Runtime
    settings: IdentitySettings
    keys: KeySet
    accounts: Accounts
    roster: Roster
    oidc: OidcProvider

    @property
    def mongo(self) -> Any:
        return self.runtime.mongo

    @property
    def redis(self) -> Any:
        return self.runtime.redis

    @property
    def redis_prefix(self) -> str:
        return self.runtime.redis_prefix

    def tdb(self, tenant: Tenant) -> TenantDb:
        return self.runtime.mongo.for_tenant(tenant)

    def users(self, tenant: Tenant) -> UserStore:
        return UserStore(self.tdb(tenant))


@pytest.fixture
def identity_settings(isolated_env: dict[str, Any]) -> IdentitySettings:
    return IdentitySettings(
        **isolated_env,
        issuer="http://testserver/v1",
        # Cheaper hashing keeps the suite fast; the parameters are checked in unit tests.
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )


@pytest.fixture
async def identity_app(identity_settings: IdentitySettings) -> AsyncIterator[FastAPI]:
    async with running(create_app(identity_settings)) as app:
        yield app


@pytest.fixture
def identity(identity_app: FastAPI) -> Identity:
    state = identity_app.state
    return Identity(
        runtime=state.runtime,
        settings=state.accounts.settings,
        keys=state.keys,
        accounts=state.accounts,
        roster=state.roster,
        oidc=state.oidc,
    )


@pytest.fixture
async def client(identity_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(identity_app) as c:
        yield c


@pytest.fixture
async def seeded(identity: Identity) -> Identity:
    await seed(identity.mongo, identity.accounts.passwords)
    return identity


async def login(
    client: httpx.AsyncClient, tenant: str, username: str, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    resp = await client.post(
        "/v1/auth/login", json={"tenant": tenant, "username": username, "password": password}
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}
