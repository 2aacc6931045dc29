"""Identity worker: the outbox relay and consumers (`python -m xbt_identity.worker`)."""

from __future__ import annotations

import os

from xbt_identity import events
from xbt_identity.main import SERVICE, ensure_indexes
from xbt_identity.settings import IdentitySettings
from xbt_shared.consumers import subscriptions_for
from xbt_shared.worker import create_worker_app, serve


def main() -> None:
    app = create_worker_app(
        IdentitySettings(),
        service=SERVICE,
        subscriptions=subscriptions_for(events.subscriptions),
        prepare=ensure_indexes,
    )
    serve(app, port=int(os.environ.get("XBT_WORKER_PORT", "8080")))


if __name__ == "__main__":
    main()
