"""Practice routes (题库练习): translate HTTP to the practice use cases and back. Every
answer is one pupil's own, so nothing is cached: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import StringConstraints

from xbt_shared.caller import CurrentCaller
from xbt_shared.curriculum import Stage, Subject
from xbt_shared.openapi import problems
from xbt_shared.routing import private_router
from xbt_tasks.http import PracticeDep
from xbt_tasks.practice.schemas import (
    AnswerView,
    Mastery,
    NewPractice,
    PracticeAnswer,
    PracticePage,
    PracticeSetView,
)

router = private_router("practice")
PathId = Annotated[str, StringConstraints(pattern=r"^[\w.:@-]{1,120}$")]


@router.post("/practice", status_code=201, responses=problems(503))
async def start_practice(
    body: NewPractice, caller: CurrentCaller, practice: PracticeDep
) -> PracticeSetView:
    """Draw a practice set.

    Draw a practice set for the calling pupil (items without keys or explanations).
    Items the pupil has not answered or got wrong come first. 503 if the catalog (or
    identity, for the service's token) does not answer; nothing is written then."""
    return PracticeSetView.model_validate(await practice.start(caller, body.selection()))


@router.get("/practice")
async def my_practice(
    caller: CurrentCaller,
    practice: PracticeDep,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> PracticePage:
    """The pupil's practice sets, newest first.

    The pupil's practice sets, newest first, without their items."""
    return PracticePage.model_validate(await practice.my_sets(caller, page=page, size=size))


# Before `/practice/{practice_id}`, which would otherwise take "mastery" for an id.
@router.get("/practice/mastery")
async def mastery(
    caller: CurrentCaller,
    practice: PracticeDep,
    subject: Subject | None = None,
    stage: Stage | None = None,
) -> Mastery:
    """The pupil's mastery per knowledge point, weakest first.

    Per knowledge point the pupil has practised: answers, right answers, a mastery
    estimate (recency-weighted share of right answers, smoothed towards 1/2), weakest
    first. Names come from the catalog's knowledge-point tree (join on the id)."""
    return Mastery.model_validate(await practice.mastery(caller, subject=subject, stage=stage))


@router.get("/practice/{practice_id}")
async def practice_set(
    practice_id: PathId, caller: CurrentCaller, practice: PracticeDep
) -> PracticeSetView:
    """A practice set with the answers given so far.

    The set: answered items with the answer given, verdict, key and explanation;
    unanswered ones without key or explanation."""
    return PracticeSetView.model_validate(await practice.practice_set(caller, practice_id))


@router.post("/practice/{practice_id}/answers/{item_id}", status_code=201, responses=problems(409))
async def answer(
    practice_id: PathId,
    item_id: PathId,
    body: PracticeAnswer,
    caller: CurrentCaller,
    practice: PracticeDep,
) -> AnswerView:
    """Answer one item of a practice set.

    Mark an answer to one item of the set: the verdict (`blanks` per blank for fill-ins),
    the key and the explanation. One answer per item: another is 409 `already-answered`."""
    return AnswerView.model_validate(
        await practice.answer(caller, practice_id, item_id, body.answer)
    )
