"""The public contract of teaching research: requests and answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from xbt_catalog.research.domain import (
    MAX_BODY_CHARS,
    MAX_CO_AUTHORS,
    MAX_COMMENT_CHARS,
    MAX_MEMBERS,
    BodyFormat,
)
from xbt_catalog.resources.schemas import (
    BodyGrade,
    Grade,
    Media,
    Stage,
    Subject,
    Text,
    WorkflowResource,
)

UserId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\w.:@-]{1,64}$")]
NodeId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Body = Annotated[str, StringConstraints(max_length=MAX_BODY_CHARS)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


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
    grade: BodyGrade
    textbook_node_ids: list[NodeId] = Field(default_factory=list, max_length=50)
    body: Body = ""
    body_format: BodyFormat = "markdown"
    co_authors: list[UserId] = Field(default_factory=list, max_length=MAX_CO_AUTHORS)


class EditPlan(BaseModel):
    """Fields to change, the revision they are based on (`revision` or `If-Match`), and a
    short summary for the revision history."""

    model_config = ConfigDict(extra="forbid")

    revision: StrictInt | None = Field(default=None, ge=1)
    summary: Summary = ""
    title: Text | None = None
    subject: Subject | None = None
    grade: BodyGrade | None = None
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


# answers -------------------------------------------------------------------------------------


class ResearchGroupOut(BaseModel):
    id: str
    name: str
    subject: Subject
    stage: Stage
    level: Literal["city", "district"]
    district: str = Field(description="the tenant the group belongs to")
    owner: str
    members: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class GroupPage(BaseModel):
    items: list[ResearchGroupOut]
    total: int
    page: int
    size: int


class LessonPlanSummary(BaseModel):
    """A lesson plan as lists show it: without its body."""

    id: str
    group_id: str
    title: str
    subject: Subject
    stage: Stage
    grade: Grade
    textbook_node_ids: list[str]
    body_format: BodyFormat
    author: str
    co_authors: list[str]
    revision: int = Field(description="also the plan's ETag; send it back as If-Match")
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str
    resource_id: str | None = Field(description="the resource it was published as")
    published_as_resource_at: dt.datetime | None


class LessonPlanOut(LessonPlanSummary):
    body: str


class PlanPage(BaseModel):
    items: list[LessonPlanSummary]
    total: int
    page: int
    size: int


class Revision(BaseModel):
    revision: int
    by: str
    at: dt.datetime
    summary: str
    changed: list[str]
    previous_body: str | None = Field(description="the body as it was before this revision")


class Revisions(BaseModel):
    plan_id: str
    revision: int = Field(description="the plan's current revision")
    items: list[Revision] = Field(description="newest first")


class Comment(BaseModel):
    id: str
    plan_id: str
    by: str
    at: dt.datetime
    text: str


class CommentPage(BaseModel):
    items: list[Comment]
    total: int
    page: int
    size: int


class PublishedPlan(BaseModel):
    plan_id: str
    resource: WorkflowResource = Field(description="the teaching package, in review")
