"""What the catalog publishes and consumes, in one screen."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from xbt_shared.bus import Handler


class ResourcePublished(BaseModel):
    """A resource became visible to its audience (city, a district or a school)."""

    TYPE: ClassVar[str] = "catalog.resource.published"
    resource_id: str
    title: str
    kind: str
    subject: str | None = None
    grades: list[int] = []
    level: str
    school_id: str | None = None
    published_by: str


class ResourceRecommended(BaseModel):
    """A teacher recommended a resource to classes they teach ("watch this")."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    resource_id: str
    title: str
    kind: str | None = None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None = None
    school_id: str | None = None
    note: str | None = None


# The catalog consumes nothing yet.
SUBSCRIPTIONS: dict[str, Handler] = {}
