"""The outbox bench's worker process, as a worker pod runs: `python -m tests.bench.relay_worker`.

A worker of its own service (`benchrelay`, so its databases hold only the bench's outbox rows):
the outbox relay and the nudge listener, no consumers. Settings come from `XBT_*` variables.
"""

from __future__ import annotations

import argparse

from xbt_shared.settings import CommonSettings
from xbt_shared.worker import create_worker_app, serve

SERVICE = "benchrelay"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.relay_worker")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_worker_app(CommonSettings(), service=SERVICE, subscriptions={})
    serve(app, port=args.port, host="127.0.0.1")


if __name__ == "__main__":
    main()
