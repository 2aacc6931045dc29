"""The tasks service app: `create_app(settings)`; `app` is what uvicorn runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from xbt_shared.app import build_service_app
from xbt_shared.periodic import Periodic, running
from xbt_shared.runtime import Runtime
from xbt_tasks.api import router
from xbt_tasks.catalog_client import CatalogClient, ServiceToken
from xbt_tasks.consumers import subscriptions
from xbt_tasks.files import Files, collect_stale_files_everywhere
from xbt_tasks.files_api import router as files_router
from xbt_tasks.files_store import FileStore
from xbt_tasks.gradebook import Gradebooks
from xbt_tasks.gradebook_api import router as gradebook_router
from xbt_tasks.identity_client import IdentityClient
from xbt_tasks.practice import Practice, PracticeStore
from xbt_tasks.practice_api import router as practice_router
from xbt_tasks.questions import Questions
from xbt_tasks.questions_api import router as questions_router
from xbt_tasks.questions_store import QuestionStore
from xbt_tasks.service import Tasks
from xbt_tasks.settings import TasksSettings
from xbt_tasks.store import TaskStore

SERVICE = "tasks"


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await TaskStore(tdb).ensure_indexes()
        await PracticeStore(tdb).ensure_indexes()
        await QuestionStore(tdb).ensure_indexes()
        await FileStore(tdb).ensure_indexes()


def background_jobs(runtime: Runtime) -> list[Periodic]:
    """Clean-ups run where the workers run (API processes with run_workers, worker pods)."""

    async def collect_files() -> bool:
        await collect_stale_files_everywhere(runtime.mongo)
        return False

    return [Periodic("stale-file-collector", collect_files, interval=3600.0, first_after=600.0)]


def create_app(
    settings: TasksSettings | None = None,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    identity_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """`*_transport`: where the catalog and identity are reached (tests run them in-process)."""
    settings = settings or TasksSettings()
    runtime = Runtime(settings, service=SERVICE)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_indexes(runtime)
        timeout = httpx.Timeout(settings.catalog_timeout_seconds)
        async with (
            httpx.AsyncClient(
                base_url=settings.catalog_url, timeout=timeout, transport=catalog_transport
            ) as catalog_http,
            httpx.AsyncClient(timeout=timeout, transport=identity_transport) as identity_http,
            httpx.AsyncClient(
                base_url=settings.identity_url,
                timeout=httpx.Timeout(settings.identity_timeout_seconds),
                transport=identity_transport,
            ) as roster_http,
        ):
            token = ServiceToken(
                identity_http,
                token_url=settings.token_url,
                client_id=settings.client_id,
                client_secret=settings.client_secret.get_secret_value(),
            )
            app.state.tasks = Tasks(
                mongo=runtime.mongo,
                catalog=CatalogClient(catalog_http, token),
                idempotency_hours=settings.idempotency_hours,
                max_page_size=settings.max_page_size,
                max_files_per_attempt=settings.max_files_per_attempt,
            )
            app.state.files = Files(
                mongo=runtime.mongo,
                max_file_bytes=settings.max_file_bytes,
                max_files_per_attempt=settings.max_files_per_attempt,
            )
            app.state.questions = Questions(mongo=runtime.mongo)
            app.state.practice = Practice(mongo=runtime.mongo, catalog=app.state.tasks.catalog)
            app.state.gradebooks = Gradebooks(
                mongo=runtime.mongo, identity=IdentityClient(roster_http)
            )
            await runtime.start(subscriptions=subscriptions(runtime))
            try:
                async with running(background_jobs(runtime) if settings.run_workers else ()):
                    yield
            finally:
                await runtime.stop()

    return build_service_app(
        runtime,
        title="学不停 tasks",
        description="Learning tasks for classes, submissions, marking, questions, practice.",
        lifespan=lifespan,
        routers=[router, questions_router, files_router, practice_router, gradebook_router],
    )


app = create_app()
