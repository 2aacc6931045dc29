"""What `make run` declares before any service starts (xbt_shared.topology,
deploy/local/run.py): every consuming service's event types, read from its events module."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from xbt_shared.topology import consumers_of

RUN = Path(__file__).resolve().parents[2] / "deploy" / "local" / "run.py"


def run_module() -> object:
    spec = importlib.util.spec_from_file_location("xbt_local_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_consumers_are_read_from_each_services_events_module() -> None:
    consumers = consumers_of(run_module().CONSUMERS)  # type: ignore[attr-defined]
    assert "tasks.task.assigned" in consumers["catalog"]
    assert "catalog.resource.recommended" in consumers["tasks"]
    assert "identity" not in consumers  # consumes nothing: no queue declared for it
