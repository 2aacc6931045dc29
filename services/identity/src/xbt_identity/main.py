"""The identity service app: `create_app(settings)`; `app` is what uvicorn runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xbt_identity.api import router
from xbt_identity.events import SUBSCRIPTIONS
from xbt_identity.keys import load_key_set
from xbt_identity.oidc_api import router as oidc_router
from xbt_identity.passwords import OneTimePasswords, Passwords
from xbt_identity.roster_api import router as roster_router
from xbt_identity.service import Identity
from xbt_identity.settings import IdentitySettings
from xbt_identity.store import IdentityStore
from xbt_identity.tokens import RefreshTokens, TokenIssuer
from xbt_shared.app import build_service_app
from xbt_shared.runtime import Runtime

SERVICE = "identity"


async def build_identity(settings: IdentitySettings, runtime: Runtime) -> Identity:
    keys = await load_key_set(
        runtime.mongo,
        es256_pem=settings.signing_key_pem,
        rs256_pem=settings.rsa_signing_key_pem,
    )
    return Identity(
        settings=settings,
        mongo=runtime.mongo,
        redis=runtime.redis,
        redis_prefix=runtime.redis_prefix,
        passwords=Passwords(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            threads=settings.hash_threads,
        ),
        one_time=OneTimePasswords(),
        keys=keys,
        issuer=TokenIssuer(
            key=keys.es256,  # access tokens are ES256 only
            issuer=settings.issuer,
            audience=settings.jwt_audience,
            access_ttl=settings.access_token_ttl_seconds,
        ),
        refresh=RefreshTokens(
            runtime.redis, prefix=runtime.redis_prefix, ttl=settings.refresh_token_ttl_seconds
        ),
    )


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await IdentityStore(tdb).ensure_indexes()


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    # Tokens are verified against identity's own key, without an HTTP round trip to itself.
    settings = settings.model_copy(update={"jwt_issuer": settings.issuer})
    runtime = Runtime(settings, service=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_indexes(runtime)
        identity = await build_identity(settings, runtime)
        # Both keys are published; the verifier keeps only the ES256 one (access tokens).
        runtime.verifier.set_keys(identity.keys.jwks())
        app.state.identity = identity
        await runtime.start(subscriptions=SUBSCRIPTIONS)
        try:
            yield
        finally:
            identity.passwords.shutdown()
            await runtime.stop()

    return build_service_app(
        runtime,
        title="学不停 identity",
        description="Tenants, schools, classes, accounts, login and tokens, rosters, OIDC.",
        lifespan=lifespan,
        routers=[router, oidc_router, roster_router],
    )


app = create_app()
