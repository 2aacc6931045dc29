"""Small pieces every service's routes use.

- `private_router`: a `/v1` router whose every answer is about one user or one class (a
  pupil's tasks, a lesson plan in progress): `Cache-Control: no-store` on all of them, set
  once here instead of in each handler.
- `from_state`: the FastAPI dependency that hands a route the use-case object its app put
  on `app.state` in the lifespan.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, Depends, Request, Response

T = TypeVar("T")

NO_STORE = "no-store"
# For answers built by hand (a token, a file, an export): kept by no browser, proxy or cache.
NO_STORE_HEADERS: dict[str, str] = {"Cache-Control": NO_STORE, "Pragma": "no-cache"}


async def no_store(response: Response) -> None:
    """Never kept by a browser or a proxy."""
    response.headers["Cache-Control"] = NO_STORE


def private_router(*tags: str) -> APIRouter:
    return APIRouter(prefix="/v1", tags=list(tags), dependencies=[Depends(no_store)])


def from_state(name: str, kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    async def dependency(request: Request) -> T:
        value: T = getattr(request.app.state, name)
        return value

    dependency.__name__ = f"get_{name}"
    return dependency
