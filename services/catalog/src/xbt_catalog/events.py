"""What the catalog publishes and consumes, in one screen."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from xbt_shared.consumers import Consumer
from xbt_shared.events import Event


class ResourcePublished(Event):
    """A resource became visible to its audience (city, a district or a school)."""

    TYPE: ClassVar[str] = "catalog.resource.published"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "resource_id": "res-3f9c2a7d41b85e60",
        "title": "《解二元一次方程组》第1课时 课堂实录",
        "kind": "recording",
        "subject": "数学",
        "grades": [7],
        "level": "district",
        "school_id": None,
        "published_by": "hp-researcher-01",
    }

    resource_id: str
    title: str
    kind: str
    subject: str | None = None
    grades: list[int] = Field(default_factory=list)
    level: str
    school_id: str | None = None
    published_by: str


class ResourceRecommended(Event):
    """A teacher recommended a resource to classes they teach ("watch this")."""

    TYPE: ClassVar[str] = "catalog.resource.recommended"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "resource_id": "res-3f9c2a7d41b85e60",
        "title": "《解二元一次方程组》第1课时 课堂实录",
        "kind": "recording",
        "class_ids": ["hp-sy-zx-7-3"],
        "teacher_id": "hp-sy-zx-t-0042",
        "teacher_name": "王老师",
        "school_id": "hp-sy-zx",
        "note": "周三数学课前请先看完",
    }

    resource_id: str
    title: str
    kind: str | None = None
    class_ids: list[str]
    teacher_id: str
    teacher_name: str | None = None
    school_id: str | None = None
    note: str | None = None


PUBLISHES: tuple[type[Event], ...] = (ResourcePublished, ResourceRecommended)


def subscriptions() -> dict[str, Consumer[Any]]:
    # The catalog consumes nothing yet.
    return {}
