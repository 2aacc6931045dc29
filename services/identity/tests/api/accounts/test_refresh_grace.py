"""Two tabs refreshing at once: the same refresh token presented again within a short
grace window returns the same new pair; presented later it is theft and ends the family."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from xbt_identity.settings import IdentitySettings

from ...conftest import Identity, login

GRACE_SECONDS = 1.0


@pytest.fixture
def identity_settings(identity_settings: IdentitySettings) -> IdentitySettings:
    return identity_settings.model_copy(update={"refresh_reuse_grace_seconds": GRACE_SECONDS})


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_two_tabs_refreshing_at_once_stay_signed_in(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tokens = await login(client, "heping", "teacher1")
    answers = await asyncio.gather(*(refresh(client, tokens["refresh_token"]) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    pairs = {(a.json()["access_token"], a.json()["refresh_token"]) for a in answers}
    assert len(pairs) == 1  # every tab got the same new pair
    ((_, successor),) = pairs
    assert successor != tokens["refresh_token"]
    # The family lives on: the new token rotates as usual.
    onward = await refresh(client, successor)
    assert onward.status_code == 200, onward.text


async def test_a_repeat_within_the_window_gets_the_same_pair(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tokens = await login(client, "heping", "student1")
    first = await refresh(client, tokens["refresh_token"])
    again = await refresh(client, tokens["refresh_token"])
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()


async def test_reuse_after_the_window_revokes_the_family(
    client: httpx.AsyncClient, seeded: Identity
) -> None:
    tokens = await login(client, "heping", "teacher1")
    rotated = await refresh(client, tokens["refresh_token"])
    assert rotated.status_code == 200
    await asyncio.sleep(GRACE_SECONDS + 0.3)
    replay = await refresh(client, tokens["refresh_token"])
    assert replay.status_code == 401
    assert replay.json()["type"] == "/problems/invalid-refresh-token"
    after = await refresh(client, rotated.json()["refresh_token"])
    assert after.status_code == 401


async def test_the_grace_pair_is_kept_sealed(client: httpx.AsyncClient, seeded: Identity) -> None:
    """What Redis keeps to answer a repeat cannot be used by whoever reads Redis: no token
    in it, in the clear."""
    tokens = await login(client, "heping", "teacher1")
    new: dict[str, Any] = (await refresh(client, tokens["refresh_token"])).json()
    secret = new["refresh_token"].split(".", 1)[1]
    redis = seeded.redis
    async for key in redis.scan_iter(match=f"{seeded.redis_prefix}*"):
        kind = await redis.type(key)
        if kind == "string":
            values = [await redis.get(key)]
        elif kind == "hash":
            values = list((await redis.hgetall(key)).values())
        else:
            continue
        for value in values:
            assert secret not in str(value) and new["access_token"] not in str(value), key
