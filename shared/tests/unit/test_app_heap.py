"""What an app's lifespan leaves alive is frozen out of the cyclic GC before it serves."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from xbt_shared.app import build_app
from xbt_shared.settings import CommonSettings


class Node:
    """A cyclic object, as an index or a connection pool holds many of."""

    def __init__(self) -> None:
        self.me = self


def walked_by_collector(obj: object) -> bool:
    """gc.get_objects() lists what full collections walk; frozen objects are not in it."""
    return any(o is obj for o in gc.get_objects())


async def test_objects_made_by_the_lifespan_are_frozen_and_the_app_still_serves() -> None:
    made: list[Node] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        made.append(Node())
        app.state.ready = True
        yield
        app.state.ready = False

    app = build_app(
        CommonSettings(log_json=False), service="probe", title="probe", lifespan=lifespan
    )
    before = gc.get_freeze_count()
    async with app.router.lifespan_context(app):
        assert app.state.ready
        assert gc.get_freeze_count() > before
        assert not walked_by_collector(made[0])
        later = Node()
        assert walked_by_collector(later)
    assert app.state.ready is False  # the wrapped lifespan's shutdown ran


async def test_an_app_without_a_lifespan_is_frozen_too() -> None:
    app = build_app(CommonSettings(log_json=False), service="probe", title="probe")
    alive = Node()
    assert walked_by_collector(alive)
    async with app.router.lifespan_context(app):
        assert not walked_by_collector(alive)
