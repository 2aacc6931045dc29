"""Teaching-research routes (网络教研): research groups, lesson plans, revisions, comments.

Every answer is for one user (membership decides what exists), so nothing is cached:
`Cache-Control: no-store`. A plan's `ETag` is its revision number; send it back as
`If-Match` (or as `revision` in the body) when editing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from xbt_catalog.http import Page, ResearchDep, Size
from xbt_catalog.research.domain import etag_of, revision_from_if_match
from xbt_catalog.research.schemas import (
    AddComment,
    Comment,
    CommentPage,
    CreateGroup,
    CreatePlan,
    EditPlan,
    GroupPage,
    LessonPlanOut,
    PlanPage,
    PublishedPlan,
    PublishPlan,
    ResearchGroupOut,
    Revisions,
    SetMembers,
)
from xbt_catalog.resources.schemas import Stage, Subject
from xbt_shared.caller import CurrentCaller
from xbt_shared.errors import Problem, Unprocessable
from xbt_shared.mongo import Doc
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router

# Research answers are private working documents: never stored by any cache.
router = private_router("teaching research")


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
    caller: CurrentCaller,
    research: ResearchDep,
) -> ResearchGroupOut:
    """Create a teaching research group (教研组).

    District admins and researchers create a group of their district (city researchers: of
    the city)."""
    return ResearchGroupOut.model_validate(
        await research.create_group(
            caller,
            name=body.name,
            subject=body.subject,
            stage=body.stage,
            members=body.members,
        )
    )


@router.get("/research-groups")
async def list_groups(
    caller: CurrentCaller,
    research: ResearchDep,
    subject: Subject | None = None,
    stage: Stage | None = None,
    page: Page = 1,
    size: Size = 20,
) -> GroupPage:
    """Groups I belong to (administrators and researchers: all of their district's)."""
    return GroupPage.model_validate(
        await research.list_groups(caller, subject=subject, stage=stage, page=page, size=size)
    )


@router.get("/research-groups/{group_id}")
async def group(
    group_id: str,
    caller: CurrentCaller,
    research: ResearchDep,
) -> ResearchGroupOut:
    """A research group with its members (its members and the district's administrators)."""
    return ResearchGroupOut.model_validate(await research.group(caller, group_id))


@router.put("/research-groups/{group_id}/members")
async def set_members(
    group_id: str,
    body: SetMembers,
    caller: CurrentCaller,
    research: ResearchDep,
) -> ResearchGroupOut:
    """Replace the member list (the owner or an administrator; the owner stays a member)."""
    return ResearchGroupOut.model_validate(
        await research.set_members(caller, group_id, body.members)
    )


# lesson plans -----------------------------------------------------------------------------------


def _plan_response(response: Response, plan: Doc) -> LessonPlanOut:
    response.headers["ETag"] = etag_of(int(plan["revision"]))
    return LessonPlanOut.model_validate(plan)


@router.post("/research-groups/{group_id}/lesson-plans", status_code=201)
async def create_plan(
    group_id: str,
    body: CreatePlan,
    response: Response,
    caller: CurrentCaller,
    research: ResearchDep,
) -> LessonPlanOut:
    """A member writes a plan; co-authors must be members too."""
    plan = await research.create_plan(caller, group_id, **body.model_dump())
    return _plan_response(response, plan)


@router.get("/research-groups/{group_id}/lesson-plans")
async def list_plans(
    group_id: str,
    caller: CurrentCaller,
    research: ResearchDep,
    page: Page = 1,
    size: Size = 20,
) -> PlanPage:
    """The group's plans without bodies, most recently edited first (members only)."""
    return PlanPage.model_validate(
        await research.list_plans(caller, group_id, page=page, size=size)
    )


@router.get("/lesson-plans/{plan_id}")
async def plan(
    plan_id: str,
    response: Response,
    caller: CurrentCaller,
    research: ResearchDep,
) -> LessonPlanOut:
    """A lesson plan with its body and revision (members only; `ETag` is the revision)."""
    return _plan_response(response, await research.plan(caller, plan_id))


@router.put("/lesson-plans/{plan_id}")
async def edit_plan(
    plan_id: str,
    body: EditPlan,
    response: Response,
    caller: CurrentCaller,
    research: ResearchDep,
    if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> LessonPlanOut:
    """The author or a co-author edits; a stale revision gets 409 with the current one."""
    edited = await research.edit_plan(
        caller,
        plan_id,
        based_on=based_on(if_match, body.revision),
        changes=body.changes(),
        summary=body.summary,
    )
    return _plan_response(response, edited)


@router.get("/lesson-plans/{plan_id}/revisions")
async def revisions(
    plan_id: str,
    caller: CurrentCaller,
    research: ResearchDep,
) -> Revisions:
    """Who changed what when, newest first, each with the body as it was before."""
    return Revisions.model_validate(await research.revisions(caller, plan_id))


@router.post("/lesson-plans/{plan_id}/comments", status_code=201)
async def add_comment(
    plan_id: str,
    body: AddComment,
    caller: CurrentCaller,
    research: ResearchDep,
) -> Comment:
    """Comment on a lesson plan (members only)."""
    return Comment.model_validate(await research.comment(caller, plan_id, body.text))


@router.get("/lesson-plans/{plan_id}/comments")
async def comments(
    plan_id: str,
    caller: CurrentCaller,
    research: ResearchDep,
    page: Page = 1,
    size: Size = 50,
) -> CommentPage:
    """A lesson plan's comments, one page at a time (members only)."""
    return CommentPage.model_validate(
        await research.comments(caller, plan_id, page=page, size=size)
    )


@router.post(
    "/lesson-plans/{plan_id}/publish-as-resource", status_code=201, responses=problems(409)
)
async def publish_as_resource(
    plan_id: str,
    caller: CurrentCaller,
    research: ResearchDep,
    body: PublishPlan | None = None,
) -> PublishedPlan:
    """Publish a lesson plan as a teaching package (示范教学包), in review.

    The author or a co-author makes a teaching-package resource from the plan; a publisher
    then publishes it with `POST /v1/resources/{id}/publish`."""
    body = body or PublishPlan()
    return PublishedPlan.model_validate(
        await research.publish_as_resource(
            caller,
            plan_id,
            description=body.description,
            tags=body.tags,
            media=body.media.model_dump(mode="json") if body.media else None,
        )
    )
