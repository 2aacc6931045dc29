"""The base of every event model a service declares in its `events.py`.

A published event (`Event`) names its CloudEvents `type` and carries an `EXAMPLE` body: the
AsyncAPI document shows it, and `tests/contract/` feeds it through every consumer's model,
so a renamed field fails a test rather than a consumer in production. A consumer models only
what it reads of another service's event (`Consumed`), and ignores the rest, so a producer
may add fields freely.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """An event this service publishes: `TYPE` is `<service>.<entity>.<verb-past>`; a
    breaking change to the body is a new model with `.v2`, published beside the old one."""

    TYPE: ClassVar[str]
    EXAMPLE: ClassVar[dict[str, Any]]


class Consumed(BaseModel):
    """What a consumer reads of an event another service publishes (`TYPE`)."""

    model_config = ConfigDict(extra="ignore")

    TYPE: ClassVar[str]
