"""Catalog worker: the outbox relay and consumers (`python -m xbt_catalog.worker`).

View-count flushing runs in the API processes (they hold the counts' Redis keys too, but
any one flushing is enough); the worker relays the outbox and runs the consumers (the
answer-key lock's projection of the tasks service's events).
"""

from __future__ import annotations

import os

from xbt_catalog import events
from xbt_catalog.main import SERVICE, ensure_indexes
from xbt_catalog.settings import CatalogSettings
from xbt_shared.consumers import subscriptions_for
from xbt_shared.worker import create_worker_app, serve


def main() -> None:
    app = create_worker_app(
        CatalogSettings(),
        service=SERVICE,
        subscriptions=subscriptions_for(events.subscriptions),
        prepare=ensure_indexes,
    )
    serve(app, port=int(os.environ.get("XBT_WORKER_PORT", "8080")))


if __name__ == "__main__":
    main()
