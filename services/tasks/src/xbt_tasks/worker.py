"""Tasks worker: the outbox relay and consumers (`python -m xbt_tasks.worker`)."""

from __future__ import annotations

import os

from xbt_shared.worker import create_worker_app, serve
from xbt_tasks.main import SERVICE, background_jobs, ensure_indexes, subscriptions
from xbt_tasks.settings import TasksSettings


def main() -> None:
    app = create_worker_app(
        TasksSettings(),
        service=SERVICE,
        subscriptions=subscriptions,
        prepare=ensure_indexes,
        loops=background_jobs,
    )
    serve(app, port=int(os.environ.get("XBT_WORKER_PORT", "8080")))


if __name__ == "__main__":
    main()
