"""The catalog service app: `create_app(settings)`; `app` is what uvicorn runs.

The lifespan builds every feature's use cases once and puts them on `app.state`, where the
dependency aliases of `http` find them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xbt_catalog import events
from xbt_catalog.bank.api import router as bank_router
from xbt_catalog.bank.service import Bank
from xbt_catalog.bank.store import BankStore
from xbt_catalog.courses.api import router as courses_router
from xbt_catalog.courses.service import Courses
from xbt_catalog.courses.store import CourseStore
from xbt_catalog.media.api import router as media_router
from xbt_catalog.media.service import MediaLibrary
from xbt_catalog.research.api import router as research_router
from xbt_catalog.research.service import Research
from xbt_catalog.research.store import ResearchStore
from xbt_catalog.resources.api import router as resources_router
from xbt_catalog.resources.chapters import Chapters
from xbt_catalog.resources.service import Resources
from xbt_catalog.resources.store import ResourceStore
from xbt_catalog.resources.views import ViewCounter
from xbt_catalog.schedule.api import router as schedule_router
from xbt_catalog.schedule.service import TvSchedule
from xbt_catalog.schedule.store import ScheduleStore
from xbt_catalog.search.api import router as search_router
from xbt_catalog.search.indexing import TenantIndexes
from xbt_catalog.search.service import Search
from xbt_catalog.search.store import IndexSourceStore
from xbt_catalog.settings import CatalogSettings
from xbt_shared.app import build_service_app
from xbt_shared.cache import VersionedCache
from xbt_shared.consumers import subscriptions_for
from xbt_shared.runtime import Runtime

SERVICE = "catalog"
# The namespace of the catalog's shared-read cache entries and scope versions in Redis.
CACHE_NAMESPACE = "catalog"


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await ResourceStore(tdb).ensure_indexes()
        await IndexSourceStore(tdb).ensure_indexes()
        await CourseStore(tdb).ensure_indexes()
        await ScheduleStore(tdb).ensure_indexes()
        await BankStore(tdb).ensure_indexes()
        await ResearchStore(tdb).ensure_indexes()


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
        chapters = Chapters(runtime.mongo)
        indexes = TenantIndexes(
            runtime.mongo,
            versions_of=cache.current,
            follow_interval=settings.index_follow_seconds,
            chapters=chapters,
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
        pages = settings.max_page_size
        resources = Resources(
            mongo=runtime.mongo, cache=cache, views=views, index=indexes, chapters=chapters
        )
        app.state.resources = resources
        app.state.search = Search(cache=cache, index=indexes, max_page_size=pages)
        app.state.courses = Courses(mongo=runtime.mongo, cache=cache, max_page_size=pages)
        app.state.schedule = TvSchedule(
            mongo=runtime.mongo,
            cache=cache,
            resources=resources,
            portal_base_url=settings.portal_base_url,
        )
        app.state.bank = Bank(
            mongo=runtime.mongo, cache=cache, resources=resources, max_page_size=pages
        )
        app.state.research = Research(resources=resources, max_page_size=pages)
        app.state.media = MediaLibrary.build(
            runtime.mongo, resources, app.state.courses, settings=settings
        )
        app.state.indexes = indexes
        await runtime.start(subscriptions=subscriptions_for(events.subscriptions)(runtime))
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
        routers=[
            resources_router,
            search_router,
            courses_router,
            schedule_router,
            bank_router,
            research_router,
            media_router,
        ],
        publishes=events.PUBLISHES,
        consumes=events.subscriptions,
    )


app = create_app()
