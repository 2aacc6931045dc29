"""Fixtures for identity's tests: an app on isolated databases, keys, exchange and queues."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from xbt_identity.main import create_app
from xbt_identity.seed import DEMO_PASSWORD, seed
from xbt_identity.service import Identity
from xbt_identity.settings import IdentitySettings
from xbt_shared.testing import client_of, running


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
    service: Identity = identity_app.state.identity
    return service


@pytest.fixture
async def client(identity_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(identity_app) as c:
        yield c


@pytest.fixture
async def seeded(identity: Identity) -> Identity:
    await seed(identity.mongo, identity.passwords)
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
