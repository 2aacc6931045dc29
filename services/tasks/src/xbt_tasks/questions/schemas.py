"""The questions' public contract: a question, a reply, a thread as it is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from xbt_tasks.questions.domain import (
    MAX_QUESTION_TEXT,
    MAX_REPLY_TEXT,
    QuestionState,
    TextFormat,
    Visibility,
)

Format = Annotated[
    TextFormat,
    Field(
        description="text: shown as typed (line breaks kept; `<` is just a character); "
        "html: cleaned to the allowed tags"
    ),
]


class NewQuestion(BaseModel):
    """A pupil's question: plain text, or HTML (cleaned to the shared allow-list)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_TEXT),
    ]
    format: Format = "text"
    visibility: Visibility = Field(
        default="class",
        description="class: the whole class reads it and the answers; private: only the "
        "asker and the task's teachers",
    )


class NewReply(BaseModel):
    """A teacher's answer, or the asker's follow-up (which makes the thread unanswered)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY_TEXT)
    ]
    format: Format = "text"


class ReplyView(BaseModel):
    id: str
    author_id: str
    author_name: str | None
    role: Literal["teacher", "asker"]
    text: str = Field(description="HTML, cleaned")
    at: datetime


class QuestionView(BaseModel):
    """A thread: the question, its state and moderation, its replies; `mine` when the
    caller asked it."""

    id: str
    task_id: str
    school_id: str | None
    class_id: str
    asked_by: str
    asker_name: str | None
    asker_student_no: str | None = Field(
        default=None, description="学号, for the task's teachers and administrators"
    )
    visibility: Visibility
    text: str = Field(description="HTML, cleaned")
    state: QuestionState
    created_at: datetime
    activity_at: datetime
    revision: int
    hidden: bool
    hidden_at: datetime | None
    hidden_by: str | None
    answered_at: datetime | None
    answered_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    replies: list[ReplyView]
    reply_count: int
    mine: bool


class QuestionPage(BaseModel):
    items: list[QuestionView]
    total: int
    page: int
    size: int
