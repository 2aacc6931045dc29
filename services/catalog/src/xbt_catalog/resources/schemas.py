"""The public contract of textbooks and resources: the vocabularies queries accept, request
models, and what the answers hold.

The shared reads (textbooks, a resource) serve the cached JSON bytes exactly as the use
cases built them (`domain.public_textbook` / `public_resource`); their models here only
describe the bodies for the OpenAPI document (`http.cached_read`). Fields a stored document
may lack are optional. The tests validate real answers and every demo document against
these models, undocumented fields included, so the two stay alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    RootModel,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from xbt_catalog.research.domain import BodyFormat
from xbt_shared.curriculum import Stage as Stage  # re-exported
from xbt_shared.curriculum import Subject as Subject

Kind = Literal["recording", "courseware", "exercise", "teaching_package", "enrichment"]
Category = Literal["体育", "美术", "音乐", "舞蹈", "棋类", "摄影", "曲艺", "科普", "机器人", "创客"]
EnrichmentKind = Literal["资源素材", "名品欣赏", "天津课堂"]
ProviderLevel = Literal["city", "district", "school"]
Sort = Literal["relevance", "newest", "most_viewed"]
Status = Literal["draft", "in_review", "published", "withdrawn"]
Grade = Annotated[int, Field(ge=1, le=12)]
# In a request body: a JSON integer ("5" is refused, not read as 5).
BodyGrade = Annotated[StrictInt, Field(ge=1, le=12)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Media(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    duration_s: StrictInt | None = Field(default=None, ge=0)
    size_bytes: StrictInt | None = Field(default=None, ge=0)
    format: Literal["mp4", "pdf", "pptx", "h5", "mp3", "docx"]


class Teacher(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    school: Text | None = None


class CreateResource(BaseModel):
    """A new resource starts as a draft; it is seen only after it is published."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    kind: Kind
    subject: Subject | None = None
    grades: list[BodyGrade] = Field(default_factory=list, max_length=12)
    textbook_node_ids: list[str] = Field(default_factory=list, max_length=50)
    media: Media
    tags: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    ] = Field(default_factory=list, max_length=20)
    guest_visible: StrictBool = False
    category: Category | None = None
    enrichment_kind: EnrichmentKind | None = None
    teacher: Teacher | None = None
    level: ProviderLevel = Field(
        description="Who will see it once published: the whole city, the district or the school."
    )


class Recommend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    class_ids: list[str] = Field(min_length=1, max_length=30)
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class EditResource(BaseModel):
    """Changes to a draft (or withdrawn) resource; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: Text | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    subject: Subject | None = None
    grades: list[BodyGrade] | None = Field(default=None, max_length=12)
    textbook_node_ids: list[str] | None = Field(default=None, max_length=50)
    media: Media | None = None
    tags: (
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]]
        | None
    ) = Field(default=None, max_length=20)
    guest_visible: StrictBool | None = None
    category: Category | None = None
    enrichment_kind: EnrichmentKind | None = None
    teacher: Teacher | None = None


# answers -------------------------------------------------------------------------------------


class ContentProvider(BaseModel):
    """Who provides a piece of content, and so who may see it."""

    level: ProviderLevel
    tenant: str = Field(description="the database it lives in: `city` or a district")
    school_id: str | None = Field(description="the school, for school content")
    name: str


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


class NodeLink(BaseModel):
    id: str
    title: str


class Chapter(BaseModel):
    """Where in a textbook a resource or item sits: the node it is attached to, its book,
    unit and lesson (null where the node is above that level)."""

    node_id: str
    textbook: NodeLink
    unit: NodeLink | None
    lesson: NodeLink | None


CHAPTERS_DOC = "the textbook chapters it is attached to (one per known `textbook_node_ids`)"


class PathStep(BaseModel):
    kind: str = Field(description="stage, grade, subject, volume, textbook, unit, lesson")
    id: str = Field(
        description="a node's id; for stage, grade, subject and volume the value "
        "`GET /textbooks` filters by (初中, 8, 数学, 上册)"
    )
    title: str = Field(description="in Chinese: 初中, 八年级, 数学, 上册, the book's, unit's, ...")


class TextbookNodeView(BaseModel):
    """A node of a textbook (the book itself, a unit, a lesson) and where it sits."""

    id: str
    kind: str = Field(description="textbook, unit or lesson")
    title: str
    textbook_id: str
    parent_id: str | None = Field(description="the node above; null for the book")
    path: list[PathStep] = Field(
        description="stage, grade, subject, volume, then the book, unit and lesson down to "
        "this node (included)"
    )
    children: list[TextbookNode] = Field(description="the nodes below, with theirs")
    textbook: TextbookSummary


class TextbookList(RootModel[list[TextbookSummary]]):
    """Textbooks without their chapter trees."""


class Textbook(TextbookSummary):
    tree: list[TextbookNode]


class ResourceSummary(BaseModel):
    """A resource as result lists show it (`domain.SUMMARY_FIELDS`, `id`, `owner`)."""

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
    chapters: list[Chapter] = Field(default_factory=list, description=CHAPTERS_DOC)


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


class LessonPlanSource(PlanLink):
    """The lesson plan a teaching package came from, with its authors (workflow views)."""

    authors: list[str] = Field(default_factory=list)


class HistoryEntry(BaseModel):
    status: Status
    by: str
    at: dt.datetime


class StoredMedia(BaseModel):
    """Media as stored (answers give back what was accepted, unchanged)."""

    model_config = ConfigDict(extra="allow")

    url: str
    duration_s: int | None = None
    size_bytes: int | None = None
    format: str


class WorkflowResource(BaseModel):
    """A resource as its authors and publishers see it: any state, with its history."""

    # Stored content may carry fields this model does not name: answers keep them.
    model_config = ConfigDict(extra="allow")

    id: str
    owner: str = Field(description="the tenant whose database holds it")
    title: str
    kind: Kind
    description: str = ""
    subject: Subject | None = None
    stage: Stage | None = None
    grades: list[Grade] = Field(default_factory=list)
    textbook_node_ids: list[str] = Field(default_factory=list)
    media: StoredMedia | None = None
    tags: list[str] = Field(default_factory=list)
    guest_visible: bool = False
    category: Category | None = None
    enrichment_kind: EnrichmentKind | None = None
    teacher: Teacher | None = None
    provider: ContentProvider
    status: Status
    views: int = 0
    created_by: str
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    published_at: dt.datetime | None
    history: list[HistoryEntry]
    content: PlanContent | None = Field(
        default=None, description="published lesson plans: the plan's body"
    )
    lesson_plan: LessonPlanSource | None = None


class WorkflowPage(BaseModel):
    items: list[WorkflowResource]
    total: int
    page: int
    size: int


class Recommendation(BaseModel):
    """What was recommended to whom (the `catalog.resource.recommended` event's body)."""

    resource_id: str
    title: str
    kind: str | None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None
    school_id: str | None
    note: str | None
