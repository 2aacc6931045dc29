"""Textbook and resource routes: reading (cached, with `ETag`), the publishing workflow,
recommending."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from xbt_catalog.http import Page, ResourcesDep, cached_read, cached_response
from xbt_catalog.resources.domain import WORKFLOW_ACTIONS, WorkflowAction
from xbt_catalog.resources.schemas import (
    CreateResource,
    EditResource,
    Grade,
    Recommend,
    Recommendation,
    Resource,
    Stage,
    Status,
    Subject,
    Textbook,
    TextbookList,
    TextbookNodeView,
    WorkflowPage,
    WorkflowResource,
)
from xbt_catalog.resources.service import reader_of
from xbt_shared.app import is_head
from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems

router = APIRouter(prefix="/v1")


@router.get(
    "/textbooks",
    tags=["textbooks"],
    responses=cached_read(TextbookList, "The textbooks the reader may see, without trees."),
)
async def list_textbooks(
    request: Request,
    caller: CurrentCaller,
    resources: ResourcesDep,
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
    cached = await resources.list_textbooks(reader_of(caller), filters)
    return cached_response(request, cached)


@router.get(
    "/textbooks/nodes/{node_id}",
    tags=["textbooks"],
    responses=cached_read(TextbookNodeView, "The node, its path from the book down, its children."),
)
async def textbook_node(
    node_id: Annotated[str, Path(min_length=1, max_length=120)],
    request: Request,
    caller: CurrentCaller,
    resources: ResourcesDep,
) -> Response:
    """A textbook node (book, unit or lesson) with its path, children and book, by node id."""
    cached = await resources.node(reader_of(caller), node_id)
    return cached_response(request, cached)


@router.get(
    "/textbooks/{textbook_id}",
    tags=["textbooks"],
    responses=cached_read(Textbook, "The textbook with its chapter tree."),
)
async def textbook(
    textbook_id: str, request: Request, caller: CurrentCaller, resources: ResourcesDep
) -> Response:
    """A textbook with its chapter tree (unit -> lesson, stable node ids)."""
    cached = await resources.textbook(reader_of(caller), textbook_id)
    return cached_response(request, cached)


@router.get(
    "/resources/{resource_id}",
    tags=["resources"],
    responses=cached_read(Resource, "The resource; this read counts as a view."),
)
async def resource(
    resource_id: str, request: Request, caller: CurrentCaller, resources: ResourcesDep
) -> Response:
    """A published resource the reader may see, with its chapters; counts a view.

    A HEAD reads the resource's headers and counts no view."""
    cached, views = await resources.resource(
        reader_of(caller), resource_id, count_view=not is_head(request)
    )
    return cached_response(request, cached, count=views)


@router.post("/resources", status_code=201, tags=["publishing"])
async def create_resource(
    body: CreateResource, caller: CurrentCaller, resources: ResourcesDep
) -> WorkflowResource:
    """Create a resource as a draft (teachers, researchers, administrators).

    `level` says who will see it once published: the city, the district or the school."""
    created = await resources.create_resource(caller, body.model_dump(mode="json"))
    return WorkflowResource.model_validate(created)


@router.get("/workflow/resources", tags=["publishing"])
async def workflow_resources(
    caller: CurrentCaller,
    resources: ResourcesDep,
    status: Status | None = None,
    mine: bool = False,
    page: Page = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> WorkflowPage:
    """My drafts (`mine=true`), or a publisher's queue (`status=in_review`)."""
    found = await resources.workflow_list(caller, status=status, mine=mine, page=page, size=size)
    return WorkflowPage.model_validate(found)


@router.patch("/resources/{resource_id}", tags=["publishing"], responses=problems(409))
async def edit_resource(
    resource_id: str, body: EditResource, caller: CurrentCaller, resources: ResourcesDep
) -> WorkflowResource:
    """Edit a draft or withdrawn resource."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    edited = await resources.edit_resource(caller, resource_id, changes)
    return WorkflowResource.model_validate(edited)


@router.post("/resources/{resource_id}/recommend", status_code=202, tags=["resources"])
async def recommend(
    resource_id: str, body: Recommend, caller: CurrentCaller, resources: ResourcesDep
) -> Recommendation:
    """A teacher recommends a resource to classes they teach ("watch this")."""
    recommended = await resources.recommend(
        caller, resource_id, class_ids=body.class_ids, note=body.note
    )
    return Recommendation.model_validate(recommended)


@router.post("/resources/{resource_id}/{action}", tags=["publishing"], responses=problems(409))
async def move_through_workflow(
    resource_id: str, action: WorkflowAction, caller: CurrentCaller, resources: ResourcesDep
) -> WorkflowResource:
    """Move a resource through the publishing workflow: submit, publish, return, withdraw.

    `submit` (draft -> in review), `publish` (in review -> published: district admins and
    researchers; a school's admin for school content; city admins for the city), `return`
    (in review -> draft, back to the author), `withdraw` (published -> withdrawn)."""
    moved = await resources.transition(caller, resource_id, WORKFLOW_ACTIONS[action])
    return WorkflowResource.model_validate(moved)
