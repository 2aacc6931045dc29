"""The catalog's public contract: request models and the vocabularies queries accept."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from xbt_shared.curriculum import Stage as Stage  # re-exported
from xbt_shared.curriculum import Subject as Subject

Kind = Literal["recording", "courseware", "exercise", "teaching_package", "enrichment"]
Category = Literal["体育", "美术", "音乐", "舞蹈", "棋类", "摄影", "曲艺", "科普", "机器人", "创客"]
EnrichmentKind = Literal["资源素材", "名品欣赏", "天津课堂"]
ProviderLevel = Literal["city", "district", "school"]
Sort = Literal["relevance", "newest", "most_viewed"]
Program = Literal["空中课堂", "博学乐园"]  # open-school courses
Grade = Annotated[int, Field(ge=1, le=12)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Media(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    duration_s: int | None = Field(default=None, ge=0)
    size_bytes: int | None = Field(default=None, ge=0)
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
    grades: list[Grade] = Field(default_factory=list, max_length=12)
    textbook_node_ids: list[str] = Field(default_factory=list, max_length=50)
    media: Media
    tags: list[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    ] = Field(default_factory=list, max_length=20)
    guest_visible: bool = False
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
    grades: list[Grade] | None = Field(default=None, max_length=12)
    textbook_node_ids: list[str] | None = Field(default=None, max_length=50)
    media: Media | None = None
    tags: (
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]]
        | None
    ) = Field(default=None, max_length=20)
    guest_visible: bool | None = None
    category: Category | None = None
    enrichment_kind: EnrichmentKind | None = None
    teacher: Teacher | None = None
