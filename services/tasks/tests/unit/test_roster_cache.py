"""Rosters are kept a short while per reader: the same token asks identity once, another
token (which identity may answer otherwise) asks again, and a failure is not kept."""

from __future__ import annotations

import httpx
import pytest

from xbt_shared.tenancy import Tenant
from xbt_tasks.clients.identity import IdentityClient, IdentityUnavailable

HEPING = Tenant("heping")
ROSTER = {
    "class": {"id": "c-1", "name": "八年级1班", "school_id": "s-1"},
    "teachers": [],
    "students": [{"id": "p-1", "name": "李明", "student_no": "2019080101"}],
}


def identity(asked: list[str], *, fail: bool = False) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.headers["authorization"])
        return httpx.Response(503 if fail else 200, json=ROSTER)

    return httpx.AsyncClient(base_url="http://identity", transport=httpx.MockTransport(answer))


async def test_a_roster_is_read_once_per_reader_while_fresh() -> None:
    asked: list[str] = []
    async with identity(asked) as http:
        client = IdentityClient(http, ttl=60)
        first = await client.roster("c-1", bearer="token-a", tenant=HEPING)
        again = await client.roster("c-1", bearer="token-a", tenant=HEPING)
        assert first == again and first.pupil("p-1") is not None
        assert first.pupils[0].student_no == "2019080101"
        await client.roster("c-1", bearer="token-b", tenant=HEPING)
        await client.roster("c-1", bearer="token-a", tenant=Tenant("hexi"))
    assert asked == ["Bearer token-a", "Bearer token-b", "Bearer token-a"]


async def test_a_stale_or_failed_read_asks_again() -> None:
    asked: list[str] = []
    async with identity(asked) as http:
        client = IdentityClient(http, ttl=0)
        await client.roster("c-1", bearer="t", tenant=HEPING)
        await client.roster("c-1", bearer="t", tenant=HEPING)
    assert len(asked) == 2
    failed: list[str] = []
    async with identity(failed, fail=True) as http:
        client = IdentityClient(http, ttl=60)
        for _ in range(2):
            with pytest.raises(IdentityUnavailable):
                await client.roster("c-1", bearer="t", tenant=HEPING)
    assert len(failed) == 2
