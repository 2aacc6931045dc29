"""Question (答疑) routes: translate HTTP to the use cases in `questions` and back. Threads are
about one class and one user, so nothing is cached: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from xbt_shared.auth import CurrentTenant, CurrentUser
from xbt_shared.routing import from_state, private_router
from xbt_tasks.api import Id, IdempotencyKey
from xbt_tasks.questions import (
    MAX_QUESTION_TEXT,
    MAX_REPLY_TEXT,
    Action,
    Questions,
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


router = private_router("questions")


QuestionUseCases = Annotated[Questions, Depends(from_state("questions", Questions))]


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


def _replayed(response: Response, replayed: bool) -> None:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


@router.post("/tasks/{task_id}/questions", status_code=201)
async def ask(
    task_id: Id,
    body: NewQuestion,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """A pupil of the task's classes asks; the question belongs to their class. With an
    `Idempotency-Key`, a retry gets the first answer (`Idempotent-Replayed: true`)."""
    view, replayed = await questions.ask(
        principal,
        tenant,
        task_id,
        text=body.text,
        visibility=body.visibility,
        fmt=body.format,
        idempotency_key=idempotency_key,
    )
    _replayed(response, replayed)
    return view


@router.get("/tasks/{task_id}/questions")
async def list_questions(
    task_id: Id,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
    class_id: Id | None = None,
    state: QuestionState | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """The threads the caller sees, newest activity first, each with its replies. Pupils:
    their class's public questions and their own; teachers: their classes' on this task;
    administrators: all. `state=unanswered` is a teacher's to-do list."""
    return await questions.questions(
        principal, tenant, task_id, class_id=class_id, state=state, page=page, size=size
    )


@router.get("/tasks/{task_id}/questions/{question_id}")
async def question(
    task_id: Id,
    question_id: Id,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
) -> dict[str, Any]:
    return await questions.question(principal, tenant, task_id, question_id)


@router.post("/tasks/{task_id}/questions/{question_id}/replies", status_code=201)
async def reply(
    task_id: Id,
    question_id: Id,
    body: NewReply,
    response: Response,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """The task's teachers answer (the first answer publishes `tasks.question.answered`);
    the asker follows up. Returns the whole thread."""
    view, replayed = await questions.reply(
        principal,
        tenant,
        task_id,
        question_id,
        text=body.text,
        fmt=body.format,
        idempotency_key=idempotency_key,
    )
    _replayed(response, replayed)
    return view


@router.delete("/tasks/{task_id}/questions/{question_id}", status_code=204)
async def delete_question(
    task_id: Id,
    question_id: Id,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
) -> Response:
    """The asker takes back a question no teacher has answered yet."""
    await questions.delete(principal, tenant, task_id, question_id)
    return Response(status_code=204)


@router.post("/tasks/{task_id}/questions/{question_id}/{action}")
async def act(
    task_id: Id,
    question_id: Id,
    action: Action,
    principal: CurrentUser,
    tenant: CurrentTenant,
    questions: QuestionUseCases,
) -> dict[str, Any]:
    """resolve, reopen, hide (a public question, from the class), unhide: the task's
    teachers of the question's class."""
    return await questions.act(principal, tenant, task_id, question_id, action)
