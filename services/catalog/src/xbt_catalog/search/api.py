"""The search route: keywords and facets over the resources a reader may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import StringConstraints

from xbt_catalog.http import SearchDep, Size, cached_read, cached_response
from xbt_catalog.resources.schemas import (
    Category,
    EnrichmentKind,
    Grade,
    Kind,
    ProviderLevel,
    Sort,
    Stage,
    Subject,
)
from xbt_catalog.resources.service import reader_of
from xbt_catalog.search.schemas import ResourcePage
from xbt_shared.caller import CurrentCaller

router = APIRouter(prefix="/v1")


@router.get(
    "/resources",
    tags=["resources"],
    responses=cached_read(ResourcePage, "One page of results (summaries), with facet counts."),
)
async def search_resources(
    request: Request,
    caller: CurrentCaller,
    search: SearchDep,
    q: Annotated[str, Query(max_length=100, description="keywords, Chinese or not")] = "",
    stage: Annotated[list[Stage] | None, Query()] = None,
    grade: Annotated[list[Grade] | None, Query()] = None,
    subject: Annotated[list[Subject] | None, Query()] = None,
    kind: Annotated[list[Kind] | None, Query()] = None,
    category: Annotated[list[Category] | None, Query()] = None,
    enrichment_kind: Annotated[list[EnrichmentKind] | None, Query()] = None,
    provider: Annotated[list[ProviderLevel] | None, Query()] = None,
    node: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=120)]] | None,
        Query(
            max_length=20,
            description="textbook nodes (a book, unit or lesson id): resources attached to "
            "one of them or to a node below it (`?node=<unit id>` finds its lessons')",
        ),
    ] = None,
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Size = 20,
) -> Response:
    """Search and browse resources by keywords, facets and textbook chapter.

    Every filter may repeat (OR within, AND across); `node` also finds the resources of the
    nodes below it."""
    filters = {
        name: values
        for name, values in {
            "stage": stage,
            "grade": grade,
            "subject": subject,
            "kind": kind,
            "category": category,
            "enrichment_kind": enrichment_kind,
            "provider": provider,
            "node": node,
        }.items()
        if values
    }
    cached = await search.search(
        reader_of(caller), query=q, filters=filters, sort=sort, page=page, size=size
    )
    return cached_response(request, cached)
