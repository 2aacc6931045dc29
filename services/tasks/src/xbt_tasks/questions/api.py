"""Question (答疑) routes: translate HTTP to the questions' use cases and back. Threads are
about one class and one user, so nothing is cached: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from xbt_shared.caller import CurrentCaller
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.http import Id, IdempotencyKey, QuestionsDep, mark_replayed
from xbt_tasks.questions.domain import Action, QuestionState
from xbt_tasks.questions.schemas import NewQuestion, NewReply, QuestionPage, QuestionView

router = private_router("questions")


@router.post("/tasks/{task_id}/questions", status_code=201, responses=problems(409))
async def ask(
    task_id: Id,
    body: NewQuestion,
    response: Response,
    caller: CurrentCaller,
    questions: QuestionsDep,
    idempotency_key: IdempotencyKey = None,
) -> QuestionView:
    """Ask a question on a task.

    A pupil of the task's classes asks; the question belongs to their class. With an
    `Idempotency-Key`, a retry gets the first answer (`Idempotent-Replayed: true`)."""
    view, replayed = await questions.ask(
        caller,
        task_id,
        text=body.text,
        visibility=body.visibility,
        fmt=body.format,
        idempotency_key=idempotency_key,
    )
    mark_replayed(response, replayed)
    return QuestionView.model_validate(view)


@router.get("/tasks/{task_id}/questions")
async def list_questions(
    task_id: Id,
    caller: CurrentCaller,
    questions: QuestionsDep,
    class_id: Id | None = None,
    state: QuestionState | None = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> QuestionPage:
    """The questions on a task the caller sees.

    The threads the caller sees, newest activity first, each with its replies. Pupils:
    their class's public questions and their own; teachers: their classes' on this task;
    administrators: all. `state=unanswered` is a teacher's to-do list."""
    found = await questions.questions(
        caller, task_id, class_id=class_id, state=state, page=page, size=size
    )
    return QuestionPage.model_validate(found)


@router.get("/tasks/{task_id}/questions/{question_id}")
async def question(
    task_id: Id, question_id: Id, caller: CurrentCaller, questions: QuestionsDep
) -> QuestionView:
    """One question with its replies.

    For whoever sees it: the task's teachers and administrators (with the asker's 学号), the
    asker, and for public questions the asker's class."""
    return QuestionView.model_validate(await questions.question(caller, task_id, question_id))


@router.post(
    "/tasks/{task_id}/questions/{question_id}/replies", status_code=201, responses=problems(409)
)
async def reply(
    task_id: Id,
    question_id: Id,
    body: NewReply,
    response: Response,
    caller: CurrentCaller,
    questions: QuestionsDep,
    idempotency_key: IdempotencyKey = None,
) -> QuestionView:
    """Reply in a question's thread.

    The task's teachers answer (the first answer publishes `tasks.question.answered`);
    the asker follows up. Returns the whole thread."""
    view, replayed = await questions.reply(
        caller,
        task_id,
        question_id,
        text=body.text,
        fmt=body.format,
        idempotency_key=idempotency_key,
    )
    mark_replayed(response, replayed)
    return QuestionView.model_validate(view)


@router.delete("/tasks/{task_id}/questions/{question_id}", status_code=204, responses=problems(409))
async def delete_question(
    task_id: Id, question_id: Id, caller: CurrentCaller, questions: QuestionsDep
) -> Response:
    """Take back an unanswered question.

    The asker takes back a question no teacher has answered yet."""
    await questions.delete(caller, task_id, question_id)
    return Response(status_code=204)


@router.post("/tasks/{task_id}/questions/{question_id}/{action}", responses=problems(409))
async def act(
    task_id: Id, question_id: Id, action: Action, caller: CurrentCaller, questions: QuestionsDep
) -> QuestionView:
    """Resolve, reopen, hide or unhide a question.

    resolve, reopen, hide (a public question, from the class), unhide: the task's
    teachers of the question's class."""
    return QuestionView.model_validate(await questions.act(caller, task_id, question_id, action))
