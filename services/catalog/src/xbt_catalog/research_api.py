"""Teaching-research routes (网络教研): research groups, lesson plans, revisions, comments.

Every answer is for one user (membership decides what exists), so nothing is cached:
`Cache-Control: no-store`. A plan's `ETag` is its revision number; send it back as
`If-Match` (or as `revision` in the body) when editing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from xbt_catalog.api import Cat
from xbt_catalog.research import (
    MAX_BODY_CHARS,
    MAX_CO_AUTHORS,
    MAX_COMMENT_CHARS,
    MAX_MEMBERS,
    BodyFormat,
    Research,
    etag_of,
    revision_from_if_match,
)
from xbt_catalog.schemas import Grade, Media, Stage, Subject, Text
from xbt_shared.auth import CurrentTenant, CurrentUser
from xbt_shared.errors import Problem, Unprocessable
from xbt_shared.routing import private_router

# Research answers are private working documents: never stored by any cache.
router = private_router("teaching research")

UserId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\w.:@-]{1,64}$")]
NodeId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


async def get_research(catalog: Cat) -> Research:
    return Research.of(catalog)


ResearchUseCases = Annotated[Research, Depends(get_research)]
Page = Annotated[int, Query(ge=1, le=1000)]
Size = Annotated[int, Query(ge=1, description="at most 50")]


class CreateGroup(BaseModel):
    """A research group (教研组). Members are identity user ids of the caller's district,
    taken as given; the creator is its owner and always a member."""

    model_config = ConfigDict(extra="forbid")

    name: Text
    subject: Subject
    stage: Stage
    members: list[UserId] = Field(default_factory=list, max_length=MAX_MEMBERS)


class SetMembers(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[UserId] = Field(max_length=MAX_MEMBERS)


class CreatePlan(BaseModel):
    """A lesson plan (教案). `body` is Markdown or HTML (HTML is sanitised on the server)."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    subject: Subject
    grade: Grade
    textbook_node_ids: list[NodeId] = Field(default_factory=list, max_length=50)
    body: Body = ""
    body_format: BodyFormat = "markdown"
    co_authors: list[UserId] = Field(default_factory=list, max_length=MAX_CO_AUTHORS)


class EditPlan(BaseModel):
    """Fields to change, the revision they are based on (`revision` or `If-Match`), and a
    short summary for the revision history."""

    model_config = ConfigDict(extra="forbid")

    revision: int | None = Field(default=None, ge=1)
    summary: Summary = ""
    title: Text | None = None
    subject: Subject | None = None
    grade: Grade | None = None
    textbook_node_ids: list[NodeId] | None = Field(default=None, max_length=50)
    body: Body | None = None
    body_format: BodyFormat | None = None
    co_authors: list[UserId] | None = Field(default=None, max_length=MAX_CO_AUTHORS)

    @model_validator(mode="after")
    def changes_something(self) -> EditPlan:
        if not self.changes():
            raise ValueError("name at least one field to change")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"revision", "summary"})


class AddComment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_COMMENT_CHARS)
    ]


class PublishPlan(BaseModel):
    """What the resource adds to the plan: a description, tags, and optionally a file (the
    exported package); the plan's body travels with the resource as its `content`."""

    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    tags: list[Tag] = Field(default_factory=list, max_length=19)
    media: Media | None = None


def based_on(if_match: str | None, revision: int | None) -> int:
    """The revision an edit is based on, from `If-Match` or the body (they must agree)."""
    from_header = None
    if if_match is not None:
        from_header = revision_from_if_match(if_match)
        if from_header is None:
            raise Unprocessable(
                "If-Match must be a revision number",
                errors=[{"field": "header.if-match", "message": "a revision number"}],
            )
    if from_header is not None and revision is not None and from_header != revision:
        raise Unprocessable(
            "If-Match and revision disagree",
            errors=[{"field": "body.revision", "message": "differs from If-Match"}],
        )
    found = from_header if from_header is not None else revision
    if found is None:
        raise Problem(
            "name the revision you edited: If-Match or revision",
            status=428,
            slug="precondition-required",
            title="Precondition required",
        )
    return found


# groups ---------------------------------------------------------------------------------------


@router.post("/research-groups", status_code=201)
async def create_group(
    body: CreateGroup,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    """District admins and researchers create a group of their district (city researchers:
    of the city)."""
    return await research.create_group(
        principal,
        tenant,
        name=body.name,
        subject=body.subject,
        stage=body.stage,
        members=body.members,
    )


@router.get("/research-groups")
async def list_groups(
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
    subject: Subject | None = None,
    stage: Stage | None = None,
    page: Page = 1,
    size: Size = 20,
) -> dict[str, Any]:
    """Groups I belong to (administrators and researchers: all of their district's)."""
    return await research.list_groups(
        principal, tenant, subject=subject, stage=stage, page=page, size=size
    )


@router.get("/research-groups/{group_id}")
async def group(
    group_id: str,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    return await research.group(principal, tenant, group_id)


@router.put("/research-groups/{group_id}/members")
async def set_members(
    group_id: str,
    body: SetMembers,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    """Replace the member list (the owner or an administrator; the owner stays a member)."""
    return await research.set_members(principal, tenant, group_id, body.members)


# lesson plans -----------------------------------------------------------------------------------


def _plan_response(response: Response, plan: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = etag_of(int(plan["revision"]))
    return plan


@router.post("/research-groups/{group_id}/lesson-plans", status_code=201)
async def create_plan(
    group_id: str,
    body: CreatePlan,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    """A member writes a plan; co-authors must be members too."""
    plan = await research.create_plan(principal, tenant, group_id, **body.model_dump())
    return _plan_response(response, plan)


@router.get("/research-groups/{group_id}/lesson-plans")
async def list_plans(
    group_id: str,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
    page: Page = 1,
    size: Size = 20,
) -> dict[str, Any]:
    """The group's plans without bodies, most recently edited first (members only)."""
    return await research.list_plans(principal, tenant, group_id, page=page, size=size)


@router.get("/lesson-plans/{plan_id}")
async def plan(
    plan_id: str,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    return _plan_response(response, await research.plan(principal, tenant, plan_id))


@router.put("/lesson-plans/{plan_id}")
async def edit_plan(
    plan_id: str,
    body: EditPlan,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> dict[str, Any]:
    """The author or a co-author edits; a stale revision gets 409 with the current one."""
    edited = await research.edit_plan(
        principal,
        tenant,
        plan_id,
        based_on=based_on(if_match, body.revision),
        changes=body.changes(),
        summary=body.summary,
    )
    return _plan_response(response, edited)


@router.get("/lesson-plans/{plan_id}/revisions")
async def revisions(
    plan_id: str,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    """Who changed what when, newest first, each with the body as it was before."""
    return await research.revisions(principal, tenant, plan_id)


@router.post("/lesson-plans/{plan_id}/comments", status_code=201)
async def add_comment(
    plan_id: str,
    body: AddComment,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
) -> dict[str, Any]:
    return await research.comment(principal, tenant, plan_id, body.text)


@router.get("/lesson-plans/{plan_id}/comments")
async def comments(
    plan_id: str,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
    page: Page = 1,
    size: Size = 50,
) -> dict[str, Any]:
    return await research.comments(principal, tenant, plan_id, page=page, size=size)


@router.post("/lesson-plans/{plan_id}/publish-as-resource", status_code=201)
async def publish_as_resource(
    plan_id: str,
    principal: CurrentUser,
    tenant: CurrentTenant,
    research: ResearchUseCases,
    body: PublishPlan | None = None,
) -> dict[str, Any]:
    """A teaching-package resource in review, made from the plan; publish it with
    `POST /v1/resources/{id}/publish`."""
    body = body or PublishPlan()
    return await research.publish_as_resource(
        principal,
        tenant,
        plan_id,
        description=body.description,
        tags=body.tags,
        media=body.media.model_dump(mode="json") if body.media else None,
    )
