"""What every feature's routes share: the use cases the lifespan built (as `Annotated`
dependencies), the parameter types of paths and headers, and the base of response models
whose absent parts stay absent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from fastapi import Depends, Header, Response
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from xbt_shared.bounds import Instant
from xbt_shared.routing import from_state
from xbt_tasks.assignments.domain import BEIJING
from xbt_tasks.assignments.service import Assignments
from xbt_tasks.files.service import Files
from xbt_tasks.gradebook.service import Gradebooks
from xbt_tasks.practice.service import Practice
from xbt_tasks.questions.service import Questions
from xbt_tasks.submissions.service import Submissions

AssignmentsDep = Annotated[Assignments, Depends(from_state("assignments", Assignments))]
SubmissionsDep = Annotated[Submissions, Depends(from_state("submissions", Submissions))]
QuestionsDep = Annotated[Questions, Depends(from_state("questions", Questions))]
PracticeDep = Annotated[Practice, Depends(from_state("practice", Practice))]
GradebooksDep = Annotated[Gradebooks, Depends(from_state("gradebooks", Gradebooks))]
FilesDep = Annotated[Files, Depends(from_state("files", Files))]

Id = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[\w.:@-]{1,64}$")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{8,128}$",
        description="8-128 printable characters, new for each request; a retry reuses it",
    ),
]


def _beijing_unless_offset(value: Any) -> Any:
    """A time written without an offset (`2026-03-09T15:00`) is Beijing time, as every
    teacher and pupil of the platform means it; one with an offset keeps it."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value  # left for pydantic to explain
        value = parsed
    if not isinstance(value, datetime):
        return value
    try:
        if value.tzinfo is None:
            return value.replace(tzinfo=BEIJING).astimezone(UTC)
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("时间须在 2000 年至 2099 年之间 (a time between 2000 and 2099)") from None


# A request's date-time: with an offset, or without one meaning Beijing time; stored in UTC.
LocalInstant = Annotated[
    Instant,
    BeforeValidator(_beijing_unless_offset),
    Field(description="ISO 8601; without an offset it is Beijing time (Asia/Shanghai)"),
]


def mark_replayed(response: Response, replayed: bool) -> None:
    """`Idempotent-Replayed: true` on an answer that repeats an earlier request's."""
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


class View(BaseModel):
    """A response body. Fields named in `OMIT_UNSET` appear only when they were given: a
    pupil's copy of an item has no `answer` key at all (not `"answer": null`), as before."""

    OMIT_UNSET: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict):
            for name in self.OMIT_UNSET - self.model_fields_set:
                data.pop(name, None)
        return data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # Described by its fields (the omitted ones not required), not by the serializer's
        # `Any`: the OpenAPI document shows every body.
        fields_only = {k: v for k, v in core_schema.items() if k != "serialization"}
        return handler(fields_only)
