"""Catalog routes: translate HTTP to use cases and back.

Shared reads answer from the cache with an `ETag`; a matching `If-None-Match` gets `304`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from xbt_catalog.domain import WORKFLOW_ACTIONS, WorkflowAction
from xbt_catalog.responses import Resource, ResourcePage, Textbook, TextbookList, cached_read
from xbt_catalog.schemas import (
    Category,
    CreateResource,
    EditResource,
    EnrichmentKind,
    Grade,
    Kind,
    ProviderLevel,
    Recommend,
    Sort,
    Stage,
    Subject,
)
from xbt_catalog.service import Catalog, reader_of
from xbt_shared.auth import CurrentTenant, CurrentUser, forbid_guest_writes
from xbt_shared.cache import EDGE_CACHE_HEADER, Cached, edge_directive
from xbt_shared.errors import Unprocessable

router = APIRouter(prefix="/v1")


async def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


Cat = Annotated[Catalog, Depends(get_catalog)]


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


@router.get(
    "/textbooks",
    tags=["textbooks"],
    responses=cached_read(TextbookList, "The textbooks the reader may see, without trees."),
)
async def list_textbooks(
    request: Request,
    principal: CurrentUser,
    tenant: CurrentTenant,
    catalog: Cat,
    stage: Stage | None = None,
    grade: Grade | None = None,
    subject: Subject | None = None,
    volume: str | None = Query(default=None, max_length=20),
) -> Response:
    """Digital textbooks (人教版数字教材 and others) by stage, grade, subject and volume."""
    filters: dict[str, Any] = {
        k: v
        for k, v in {"stage": stage, "grade": grade, "subject": subject, "volume": volume}.items()
        if v is not None
    }
    cached = await catalog.list_textbooks(reader_of(principal, tenant), filters)
    return cached_response(request, cached)


@router.get(
    "/textbooks/{textbook_id}",
    tags=["textbooks"],
    responses=cached_read(Textbook, "The textbook with its chapter tree."),
)
async def textbook(
    textbook_id: str, request: Request, principal: CurrentUser, tenant: CurrentTenant, catalog: Cat
) -> Response:
    """A textbook with its chapter tree (unit -> lesson, stable node ids)."""
    cached = await catalog.textbook(reader_of(principal, tenant), textbook_id)
    return cached_response(request, cached)


@router.get(
    "/resources",
    tags=["resources"],
    responses=cached_read(ResourcePage, "One page of results (summaries), with facet counts."),
)
async def search_resources(
    request: Request,
    principal: CurrentUser,
    tenant: CurrentTenant,
    catalog: Cat,
    q: Annotated[str, Query(max_length=100, description="keywords, Chinese or not")] = "",
    stage: Annotated[list[Stage] | None, Query()] = None,
    grade: Annotated[list[Grade] | None, Query()] = None,
    subject: Annotated[list[Subject] | None, Query()] = None,
    kind: Annotated[list[Kind] | None, Query()] = None,
    category: Annotated[list[Category] | None, Query()] = None,
    enrichment_kind: Annotated[list[EnrichmentKind] | None, Query()] = None,
    provider: Annotated[list[ProviderLevel] | None, Query()] = None,
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, description="at most 50")] = 20,
) -> Response:
    """Search and browse with facets; every filter may repeat (OR within, AND across)."""
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
        }.items()
        if values
    }
    cached = await catalog.search(
        reader_of(principal, tenant), query=q, filters=filters, sort=sort, page=page, size=size
    )
    return cached_response(request, cached)


@router.get(
    "/resources/{resource_id}",
    tags=["resources"],
    responses=cached_read(Resource, "The resource; this read counts as a view."),
)
async def resource(
    resource_id: str, request: Request, principal: CurrentUser, tenant: CurrentTenant, catalog: Cat
) -> Response:
    cached, views = await catalog.resource(reader_of(principal, tenant), resource_id)
    return cached_response(request, cached, count=views)


@router.post("/resources", status_code=201, tags=["publishing"])
async def create_resource(
    body: CreateResource, principal: CurrentUser, tenant: CurrentTenant, catalog: Cat
) -> dict[str, Any]:
    forbid_guest_writes(principal)
    return await catalog.create_resource(principal, tenant, body.model_dump(mode="json"))


@router.get("/workflow/resources", tags=["publishing"])
async def workflow_resources(
    principal: CurrentUser,
    tenant: CurrentTenant,
    catalog: Cat,
    status: Literal["draft", "in_review", "published", "withdrawn"] | None = None,
    mine: bool = False,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """My drafts (`mine=true`), or a publisher's queue (`status=in_review`)."""
    return await catalog.workflow_list(
        principal, tenant, status=status, mine=mine, page=page, size=size
    )


@router.patch("/resources/{resource_id}", tags=["publishing"])
async def edit_resource(
    resource_id: str,
    body: EditResource,
    principal: CurrentUser,
    tenant: CurrentTenant,
    catalog: Cat,
) -> dict[str, Any]:
    """Edit a draft or withdrawn resource."""
    forbid_guest_writes(principal)
    changes = body.model_dump(mode="json", exclude_unset=True)
    if not changes:
        raise Unprocessable("nothing to change", errors=[{"field": "body", "message": "empty"}])
    return await catalog.edit_resource(principal, tenant, resource_id, changes)


@router.post("/resources/{resource_id}/recommend", status_code=202, tags=["resources"])
async def recommend(
    resource_id: str, body: Recommend, principal: CurrentUser, tenant: CurrentTenant, catalog: Cat
) -> dict[str, Any]:
    """A teacher recommends a resource to classes they teach ("watch this")."""
    forbid_guest_writes(principal)
    return await catalog.recommend(
        principal, tenant, resource_id, class_ids=body.class_ids, note=body.note
    )


@router.post("/resources/{resource_id}/{action}", tags=["publishing"])
async def move_through_workflow(
    resource_id: str,
    action: WorkflowAction,
    principal: CurrentUser,
    tenant: CurrentTenant,
    catalog: Cat,
) -> dict[str, Any]:
    """`submit` (draft -> in review), `publish` (in review -> published: district admins and
    researchers; a school's admin for school content; city admins for the city), `return`
    (in review -> draft, back to the author), `withdraw` (published -> withdrawn)."""
    forbid_guest_writes(principal)
    return await catalog.transition(principal, tenant, resource_id, WORKFLOW_ACTIONS[action])
