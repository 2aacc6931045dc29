"""The catalog service app: `create_app(settings)`; `app` is what uvicorn runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xbt_catalog.api import router
from xbt_catalog.bank.store import BankStore
from xbt_catalog.bank_api import router as bank_router
from xbt_catalog.courses_api import router as courses_router
from xbt_catalog.courses_store import ensure_open_school_indexes
from xbt_catalog.events import SUBSCRIPTIONS
from xbt_catalog.indexing import TenantIndexes
from xbt_catalog.research_api import router as research_router
from xbt_catalog.research_store import ensure_research_indexes
from xbt_catalog.schedule_api import router as schedule_router
from xbt_catalog.service import CACHE_NAMESPACE, Catalog
from xbt_catalog.settings import CatalogSettings
from xbt_catalog.store import CatalogStore
from xbt_catalog.views import ViewCounter
from xbt_shared.app import build_service_app
from xbt_shared.cache import VersionedCache
from xbt_shared.runtime import Runtime

SERVICE = "catalog"


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await CatalogStore(tdb).ensure_indexes()
        await ensure_open_school_indexes(tdb)
        await BankStore(tdb).ensure_indexes()
        await ensure_research_indexes(tdb)


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    runtime = Runtime(settings, service=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_indexes(runtime)
        cache = VersionedCache(
            runtime.redis,
            prefix=runtime.redis_prefix,
            namespace=CACHE_NAMESPACE,
            ttl=settings.cache_ttl_seconds,
        )
        indexes = TenantIndexes(
            runtime.mongo,
            versions_of=cache.current,
            follow_interval=settings.index_follow_seconds,
        )
        # The indexes are millions of long-lived objects: build_app freezes them (gc.freeze)
        # once this lifespan has started, so full collections never walk them.
        await indexes.build()
        indexes.start()
        views = ViewCounter(
            runtime.redis,
            runtime.mongo,
            prefix=runtime.redis_prefix,
            interval=settings.views_flush_seconds,
        )
        views.start()
        app.state.catalog = Catalog(
            mongo=runtime.mongo,
            cache=cache,
            views=views,
            search_index=indexes,
            max_page_size=settings.max_page_size,
        )
        await runtime.start(subscriptions=SUBSCRIPTIONS)
        try:
            yield
        finally:
            await indexes.stop()
            await views.stop()
            await runtime.stop()

    return build_service_app(
        runtime,
        title="学不停 catalog",
        description="Textbooks, resources, enrichment, courses, TV schedule, question bank, "
        "teaching research, Chinese search.",
        lifespan=lifespan,
        routers=[router, courses_router, schedule_router, bank_router, research_router],
    )


app = create_app()
