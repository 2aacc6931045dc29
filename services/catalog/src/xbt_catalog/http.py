"""The catalog's HTTP plumbing shared by every feature's routes: the use cases as
dependency aliases (built once in the lifespan, see `main`), the page parameters, and the
answer of a shared read (ETag, 304, the gateway's edge directive) with its OpenAPI entry.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel

from xbt_catalog.bank.service import Bank
from xbt_catalog.courses.service import Courses
from xbt_catalog.research.service import Research
from xbt_catalog.resources.service import Resources
from xbt_catalog.schedule.service import TvSchedule
from xbt_catalog.search.service import Search
from xbt_shared.auth import Principal, authenticated, current_user
from xbt_shared.cache import EDGE_CACHE_HEADER, Cached, edge_directive
from xbt_shared.routing import from_state

ResourcesDep = Annotated[Resources, Depends(from_state("resources", Resources))]
SearchDep = Annotated[Search, Depends(from_state("search", Search))]
CoursesDep = Annotated[Courses, Depends(from_state("courses", Courses))]
ScheduleDep = Annotated[TvSchedule, Depends(from_state("schedule", TvSchedule))]
BankDep = Annotated[Bank, Depends(from_state("bank", Bank))]
ResearchDep = Annotated[Research, Depends(from_state("research", Research))]


async def _signed_in_or_anonymous(request: Request) -> Principal | None:
    """The verified caller if the request has a token (a bad one is still a 401); None
    without one."""
    if not request.headers.get("authorization"):
        return None
    return await current_user(await authenticated(request))


# Public reads: the caller if any (their role may change what they see), else None.
OptionalUser = Annotated[Principal | None, Depends(_signed_in_or_anonymous)]

Page = Annotated[int, Query(ge=1, le=1000)]
# The upper bound is the use case's (`max_page_size`), so the 422 names it; `le` is only the
# ceiling any configured page size stays under, so the document bounds it too.
Size = Annotated[int, Query(ge=1, le=1000, description="at most 50")]


def cached_response(
    request: Request,
    cached: Cached,
    *,
    count: tuple[str, str] | None = None,
    edge_max_age: int | None = None,
) -> Response:
    """A shared read: ETag and 304, and the directive that lets the gateway answer the same
    request (same path, query, tenant, school, roles) from its copy while the content's
    versions are current. `count` is the view counter the gateway bumps when it does."""
    settings = request.app.state.settings
    ttl = (
        settings.cache_ttl_seconds
        if edge_max_age is None
        else min(edge_max_age, settings.cache_ttl_seconds)
    )
    headers = {
        "ETag": cached.etag,
        # Per-user answers (visibility depends on who asks): private caches only.
        "Cache-Control": f"private, max-age={settings.client_max_age_seconds}, must-revalidate",
        "Vary": "Authorization, X-Xbt-Tenant",
    }
    if ttl > 0 and cached.versions:
        headers[EDGE_CACHE_HEADER] = edge_directive(cached, max_age=ttl, count=count)
    if cached.matches(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(cached.body, media_type="application/json", headers=headers)


# Shared reads serve the cached JSON bytes exactly as the use cases built them; nothing
# touches them on the way out. Their models only describe the bodies, and `cached_read`
# attaches one to a route with the 304 that `cached_response` gives.

ETAG = {
    "description": "The answer's version; send it back as `If-None-Match` to revalidate.",
    "schema": {"type": "string"},
}
NOT_MODIFIED: dict[str, Any] = {
    "description": "Not Modified: `If-None-Match` named the current ETag; no body.",
    "headers": {"ETag": ETAG},
}


def cached_read(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` for an answer given by `cached_response`."""
    return {
        200: {"model": model, "description": description, "headers": {"ETag": ETAG}},
        304: NOT_MODIFIED,
    }


def cached_text(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The same for a cached text answer that is not JSON (the iCalendar feed)."""
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string"}}},
            "headers": {"ETag": ETAG},
        },
        304: NOT_MODIFIED,
    }
