"""The identity service app: `create_app(settings)`; `app` is what uvicorn runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xbt_identity import events
from xbt_identity.accounts.api import router as accounts_router
from xbt_identity.accounts.service import (
    GUEST_LIST_CACHE_SECONDS,
    Accounts,
    OneTimePasswords,
    Passwords,
)
from xbt_identity.accounts.store import GuestWindowCache, LoginAttempts, RefreshTokens, UserStore
from xbt_identity.keys.api import router as keys_router
from xbt_identity.keys.service import TokenIssuer, load_key_set
from xbt_identity.oidc.api import router as oidc_router
from xbt_identity.oidc.service import OidcProvider
from xbt_identity.oidc.store import AuthorizationCodes, ClientStore
from xbt_identity.roster.api import router as roster_router
from xbt_identity.roster.service import Roster
from xbt_identity.roster.store import ImportScratch, RosterStore
from xbt_identity.settings import IdentitySettings
from xbt_shared.app import build_service_app
from xbt_shared.consumers import subscriptions_for
from xbt_shared.mongo import ensure_event_indexes
from xbt_shared.runtime import Runtime

SERVICE = "identity"


def passwords_of(settings: IdentitySettings, *, threads: int | None = None) -> Passwords:
    return Passwords(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
        threads=threads or settings.hash_threads,
    )


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await UserStore(tdb).ensure_indexes()
        await RosterStore(tdb).ensure_indexes()
        await ensure_event_indexes(tdb)


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    # Tokens are verified against identity's own key, without an HTTP round trip to itself.
    settings = settings.model_copy(update={"jwt_issuer": settings.issuer})
    runtime = Runtime(settings, service=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_indexes(runtime)
        keys = await load_key_set(
            runtime.mongo,
            es256_pem=settings.signing_key_pem,
            rs256_pem=settings.rsa_signing_key_pem,
        )
        # Both keys are published; the verifier keeps only the ES256 one (access tokens).
        runtime.verifier.set_keys(keys.jwks())
        tokens = TokenIssuer(
            key=keys.es256,  # access tokens are ES256 only
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            access_ttl=settings.access_token_ttl_seconds,
        )
        one_time = OneTimePasswords()
        prefix = runtime.redis_prefix
        roster = Roster(
            settings=settings,
            mongo=runtime.mongo,
            scratch=ImportScratch(runtime.redis, prefix=prefix),
            one_time=one_time,
        )
        accounts = Accounts(
            settings=settings,
            mongo=runtime.mongo,
            passwords=passwords_of(settings),
            one_time=one_time,
            issuer=tokens,
            refresh=RefreshTokens(
                runtime.redis, prefix=prefix, ttl=settings.refresh_token_ttl_seconds
            ),
            attempts=LoginAttempts(runtime.redis, prefix=prefix),
            schools=roster,
            guest_windows=GuestWindowCache(
                runtime.redis, prefix=prefix, ttl_seconds=GUEST_LIST_CACHE_SECONDS
            ),
        )
        app.state.keys = keys
        app.state.accounts = accounts
        app.state.roster = roster
        app.state.oidc = OidcProvider(
            settings=settings,
            clients=ClientStore(runtime.mongo),
            codes=AuthorizationCodes(runtime.redis, prefix=prefix),
            accounts=accounts,
            roster=roster,
            keys=keys,
            tokens=tokens,
        )
        await runtime.start(subscriptions=subscriptions_for(events.subscriptions)(runtime))
        try:
            yield
        finally:
            accounts.passwords.shutdown()
            await runtime.stop()

    return build_service_app(
        runtime,
        title="学不停 identity",
        description="Tenants, schools, classes, accounts, login and tokens, rosters, OIDC.",
        lifespan=lifespan,
        routers=[accounts_router, roster_router, keys_router, oidc_router],
        publishes=events.PUBLISHES,
        consumes=events.subscriptions,
    )


app = create_app()
