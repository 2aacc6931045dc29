"""The tasks service app: `create_app(settings)`; `app` is what uvicorn runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI

from xbt_shared.app import build_service_app
from xbt_shared.consumers import subscriptions_for
from xbt_shared.idempotency import ensure_idempotency_indexes
from xbt_shared.periodic import Periodic, running
from xbt_shared.runtime import Runtime
from xbt_tasks import events
from xbt_tasks.assignments.api import router as assignments_router
from xbt_tasks.assignments.service import Assignments
from xbt_tasks.assignments.store import TaskStore
from xbt_tasks.clients.catalog import CatalogClient, ServiceToken
from xbt_tasks.clients.identity import IdentityClient
from xbt_tasks.files.api import router as files_router
from xbt_tasks.files.service import Files, collect_stale_files_everywhere
from xbt_tasks.files.store import FileStore
from xbt_tasks.gradebook.api import router as gradebook_router
from xbt_tasks.gradebook.service import Gradebooks
from xbt_tasks.practice.api import router as practice_router
from xbt_tasks.practice.service import Practice
from xbt_tasks.practice.store import PracticeStore
from xbt_tasks.questions.api import router as questions_router
from xbt_tasks.questions.service import Questions
from xbt_tasks.questions.store import QuestionStore
from xbt_tasks.settings import TasksSettings
from xbt_tasks.submissions.api import router as submissions_router
from xbt_tasks.submissions.service import Submissions
from xbt_tasks.submissions.store import IDEMPOTENCY, SubmissionStore

SERVICE = "tasks"


async def ensure_indexes(runtime: Runtime) -> None:
    for tdb in runtime.mongo.all_tenants():
        await TaskStore(tdb).ensure_indexes()
        await SubmissionStore(tdb).ensure_indexes()
        # Kept for a while so a retried request is answered as the first one was.
        await ensure_idempotency_indexes(tdb, IDEMPOTENCY)
        await PracticeStore(tdb).ensure_indexes()
        await QuestionStore(tdb).ensure_indexes()
        await FileStore(tdb).ensure_indexes()


def background_jobs(runtime: Runtime) -> list[Periodic]:
    """Clean-ups run where the workers run (API processes with run_workers, worker pods)."""

    async def collect_files() -> bool:
        await collect_stale_files_everywhere(runtime.mongo)
        return False

    return [Periodic("stale-file-collector", collect_files, interval=3600.0, first_after=600.0)]


# The consumers, bound to a runtime's databases: the API process and the worker run the same.
subscriptions = subscriptions_for(events.subscriptions)


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
            catalog = CatalogClient(catalog_http, token)
            # The use cases, built once; routes get them through `http`'s dependencies.
            app.state.assignments = assignments = Assignments(catalog=catalog)
            app.state.files = files = Files(
                max_file_bytes=settings.max_file_bytes,
                max_files_per_attempt=settings.max_files_per_attempt,
            )
            identity = IdentityClient(roster_http)
            app.state.practice = practice = Practice(catalog=catalog)
            app.state.submissions = Submissions(
                tasks=assignments,
                files=files,
                rosters=identity,
                mastery=practice,
                max_files_per_attempt=settings.max_files_per_attempt,
                idempotency_ttl=timedelta(hours=settings.idempotency_hours),
            )
            app.state.questions = Questions(tasks=assignments, rosters=identity)
            app.state.gradebooks = Gradebooks(identity=identity)
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
        routers=[
            assignments_router,
            submissions_router,
            questions_router,
            files_router,
            practice_router,
            gradebook_router,
        ],
        publishes=events.PUBLISHES,
        consumes=events.subscriptions,
    )


app = create_app()
