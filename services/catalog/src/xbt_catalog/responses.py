"""What the shared reads answer, for the OpenAPI document.

Those routes serve the cached JSON bytes exactly as the use cases built them
(`service.public_textbook` / `public_resource`, `courses.public_course`,
`schedule.public_slot`, `bank.rules.knowledge_tree`, `bank.schemas.shape_item`); nothing
here touches them on the way out. These models only describe the bodies, and
`cached_read(...)` attaches one to a route with the 304 that `api.cached_response` gives.
Fields a stored document may lack are optional. The tests validate real answers and every
demo document against these models, undocumented fields included, so the two stay alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, JsonValue, RootModel

from xbt_catalog.bank.schemas import ItemForPupil
from xbt_catalog.research import BodyFormat
from xbt_catalog.schedule import TvGrade
from xbt_catalog.schemas import (
    Category,
    EnrichmentKind,
    Grade,
    Kind,
    Media,
    Program,
    ProviderLevel,
    Sort,
    Stage,
    Subject,
    Teacher,
)

ETAG = {
    "description": "The answer's version; send it back as `If-None-Match` to revalidate.",
    "schema": {"type": "string"},
}
NOT_MODIFIED: dict[str, Any] = {
    "description": "Not Modified: `If-None-Match` named the current ETag; no body.",
    "headers": {"ETag": ETAG},
}


def cached_read(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=` for an answer given by `api.cached_response`."""
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


class ContentProvider(BaseModel):
    """Who provides a piece of content, and so who may see it."""

    level: ProviderLevel
    tenant: str = Field(description="the database it lives in: `city` or a district")
    school_id: str | None = Field(description="the school, for school content")
    name: str


# textbooks -------------------------------------------------------------------------------------


class TextbookNode(BaseModel):
    id: str = Field(description="stable: `<textbook id>.u<n>` for units, `.l<m>` for lessons")
    title: str
    kind: Literal["unit", "lesson"]
    children: list[TextbookNode] = Field(
        default_factory=list, description="a unit's lessons; lessons have no `children`"
    )


class TextbookSummary(BaseModel):
    id: str
    edition: str
    stage: Stage
    grade: Grade
    subject: Subject
    volume: str = Field(description="上册 / 下册; 高中: 必修第一册, 选择性必修第一册, ...")
    subtitle: str | None = None
    title: str
    read_url: str | None = None
    download_url: str | None = None
    cover_url: str | None = None
    provider: ContentProvider
    status: Literal["published"]
    guest_visible: bool
    published_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class TextbookList(RootModel[list[TextbookSummary]]):
    """Textbooks without their chapter trees."""


class Textbook(TextbookSummary):
    tree: list[TextbookNode]


# resources -------------------------------------------------------------------------------------


class ResourceSummary(BaseModel):
    """A resource as result lists show it (`service.SUMMARY_FIELDS`, `id`, `owner`)."""

    id: str
    owner: str = Field(description="the tenant whose database holds it")
    title: str
    kind: Kind
    subject: Subject | None
    stage: Stage | None
    grades: list[Grade]
    category: Category | None = None
    enrichment_kind: EnrichmentKind | None = None
    tags: list[str]
    provider: ContentProvider
    teacher: Teacher | None = None
    guest_visible: bool
    published_at: dt.datetime
    views: int
    media: Media | None


class PlanContent(BaseModel):
    format: BodyFormat
    text: str


class PlanLink(BaseModel):
    """The lesson plan (网络教研) a teaching package was published from."""

    id: str
    group_id: str
    revision: int


class Resource(ResourceSummary):
    """A resource with everything readers may see (not its workflow history)."""

    description: str
    textbook_node_ids: list[str]
    status: Literal["published"]
    created_at: dt.datetime
    updated_at: dt.datetime
    views_at: dt.datetime | None = Field(
        default=None, description="when view counts were last added; absent until then"
    )
    tv_slot_id: str | None = Field(
        default=None, description="TV review replays: the broadcast slot it records"
    )
    content: PlanContent | None = Field(
        default=None, description="published lesson plans: the plan's body"
    )
    lesson_plan: PlanLink | None = None


class ResourcePage(BaseModel):
    items: list[ResourceSummary]
    total: int
    page: int
    size: int
    facets: dict[str, dict[str, int]] = Field(
        description=(
            "facet (stage, grade, subject, kind, category, enrichment_kind, provider) -> "
            "value -> matching resources, counted as if that facet's own filter were not set"
        )
    )
    relaxed: bool = Field(description="not every query term had to match")
    query: str
    sort: Sort


# courses ---------------------------------------------------------------------------------------


class CourseSummary(BaseModel):
    id: str
    owner: str
    program: Program
    title: str
    description: str
    subject_or_category: str
    grades: list[Grade]
    teacher: Teacher | None = None
    cover_url: str | None = None
    provider: ContentProvider
    guest_visible: bool
    published_at: dt.datetime
    lesson_count: int
    duration_s: int = Field(description="all lessons together, in seconds")


class CoursePage(BaseModel):
    items: list[CourseSummary]
    total: int
    page: int
    size: int


class CourseLesson(BaseModel):
    id: str
    index: int | None
    title: str | None
    media: Media | None


class Course(CourseSummary):
    lessons: list[CourseLesson] = Field(description="in order")


# TV review lessons -----------------------------------------------------------------------------


class TvSlot(BaseModel):
    id: str
    date: dt.date
    weekday: str = Field(description="星期一 ... 星期日")
    start: str = Field(pattern=r"^\d{2}:\d{2}$", description="HH:MM, Beijing time")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")
    starts_at: dt.datetime
    ends_at: dt.datetime
    grade: TvGrade
    channel: str | None
    channel_no: int | None
    subject: Subject | None
    title: str | None
    replay_resource_id: str | None
    replay_path: str | None = Field(description="the replay through the gateway")
    replay_title: str | None = Field(description="null unless the reader may see the replay")


class TvScheduleDays(BaseModel):
    first: dt.date = Field(alias="from")
    last: dt.date = Field(alias="to")
    grade: TvGrade | None
    timezone: Literal["Asia/Shanghai"]
    slots: list[TvSlot]


# question bank ---------------------------------------------------------------------------------


class KnowledgePoint(BaseModel):
    id: str
    name: str
    depth: int
    parent_id: str | None
    owner: str
    children: list[KnowledgePoint]


class KnowledgePointTree(BaseModel):
    subject: Subject
    stage: Stage
    tree: list[KnowledgePoint]


class BankItem(ItemForPupil):
    """An item. `answer` and `explanation` are present only for key holders (teachers,
    researchers, administrators, services granted `bank.keys`); pupils and guests get
    neither field."""

    answer: JsonValue = Field(default=None, description="key holders only")
    explanation: str | None = Field(default=None, description="key holders only")


class ItemPage(BaseModel):
    items: list[BankItem]
    total: int
    page: int
    size: int
