"""Benchmark 2: an authenticated GET through the gateway against the same GET direct.

`GET /v1/auth/session` on identity reads only the token (no database), so the direct
figure is identity's floor for an authenticated route and the through-gateway figure adds
exactly the edge: token check (cached), rate-limit call to Redis, the aiohttp hop.
Tokens of many users are used round-robin so no single user's bucket is measured.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import aiohttp

from tests.bench.load import LoadSpec, Request, RequestFactory, Scenario
from tests.bench.login import JSON_HEADERS, LOGIN_PATH, PASSWORD, TENANT, Accounts

SESSION_PATH = "/v1/auth/session"
GATEWAY_PREFIX = "/api/identity"
# A tenant other than the bench tenant: named in a header, the gateway refuses it (403)
# after verifying the token and before any Redis call or upstream hop.
OTHER_TENANT = "hexi"


async def access_tokens(identity: str, accounts: Accounts, count: int) -> list[str]:
    """Log `count` bench users in (straight at identity) and return their access tokens."""
    usernames = [accounts.next() for _ in range(count)]
    semaphore = asyncio.Semaphore(8)
    async with aiohttp.ClientSession() as session:

        async def one(username: str) -> str:
            body = {"tenant": TENANT, "username": username, "password": PASSWORD}
            async with (
                semaphore,
                session.post(f"{identity}{LOGIN_PATH}", json=body, headers=JSON_HEADERS) as resp,
            ):
                if resp.status != 200:
                    raise RuntimeError(f"login of {username}: {resp.status} {await resp.text()}")
                token: str = (await resp.json())["access_token"]
                return token

        return list(await asyncio.gather(*(one(u) for u in usernames)))


def authenticated_get(
    url: str, tokens: Sequence[str], extra: Mapping[str, str] | None = None
) -> RequestFactory:
    headers = [{"Authorization": f"Bearer {t}", **(extra or {})} for t in tokens]

    def make(n: int) -> Request:
        return Request("GET", url, headers[n % len(headers)])

    return make


def session_direct(identity: str, tokens: Sequence[str], spec: LoadSpec) -> Scenario:
    url = f"{identity}{SESSION_PATH}"
    return Scenario("GET session, direct to identity", authenticated_get(url, tokens), spec)


def session_via_gateway(
    gateway: str, tokens: Sequence[str], spec: LoadSpec, name: str = "GET session, via gateway"
) -> Scenario:
    url = f"{gateway}{GATEWAY_PREFIX}{SESSION_PATH}"
    return Scenario(name, authenticated_get(url, tokens), spec)


def gateway_edge_only(gateway: str, tokens: Sequence[str], spec: LoadSpec) -> Scenario:
    """The gateway's cheapest authenticated answer: its own 403 for another tenant."""
    url = f"{gateway}{GATEWAY_PREFIX}{SESSION_PATH}"
    factory = authenticated_get(url, tokens, {"X-Xbt-Tenant": OTHER_TENANT})
    edge_spec = LoadSpec(spec.concurrency, spec.warmup, spec.duration, expect=403)
    return Scenario("gateway edge only (verify → 403)", factory, edge_spec)


def gateway_whoami(gateway: str, tokens: Sequence[str], spec: LoadSpec) -> Scenario:
    """The gateway's own authenticated route: verify, tenant rules, rate limit, no hop."""
    url = f"{gateway}/api/gateway/v1/whoami"
    return Scenario(
        "GET whoami on gateway (own authenticated route)", authenticated_get(url, tokens), spec
    )


def livez(name: str, base: str, spec: LoadSpec) -> Scenario:
    request = Request("GET", f"{base}/livez")
    return Scenario(name, lambda _: request, spec)
