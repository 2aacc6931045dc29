"""Practice routes (题库练习): translate HTTP to `practice.Practice` and back. Every answer
is one pupil's own, so nothing is cached: `Cache-Control: no-store`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from xbt_shared.auth import CurrentTenant, CurrentUser
from xbt_shared.curriculum import Stage, Subject
from xbt_shared.routing import from_state, private_router
from xbt_tasks.practice import DEFAULT_COUNT, MAX_COUNT, Practice, Selection

router = private_router("practice")
PracticeUseCases = Annotated[Practice, Depends(from_state("practice", Practice))]
# The catalog's ids (items, knowledge points, textbook nodes) are at most 120 characters.
NodeId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
PathId = Annotated[str, StringConstraints(pattern=r"^[\w.:@-]{1,120}$")]
ObjectiveType = Literal["single", "multiple", "true_false", "fill"]
Difficulty = Annotated[int, Field(ge=1, le=5)]


class NewPractice(BaseModel):
    """What to practise: a knowledge point (with its sub-points unless
    `include_descendants` is false), or textbook progress (`textbook`, and `up_to` one of
    its nodes: every lesson up to and including it), or both. Short answers are never
    offered: practice is marked at once."""

    model_config = ConfigDict(extra="forbid")

    knowledge_point: NodeId | None = None
    include_descendants: bool = True
    textbook: NodeId | None = None
    up_to: NodeId | None = None
    count: int = Field(default=DEFAULT_COUNT, ge=1, le=MAX_COUNT)
    types: list[ObjectiveType] | None = Field(default=None, min_length=1, max_length=4)
    difficulty: list[Difficulty] | None = Field(default=None, min_length=1, max_length=5)

    def selection(self) -> Selection:
        return Selection(
            knowledge_point=self.knowledge_point,
            include_descendants=self.include_descendants,
            textbook=self.textbook,
            up_to=self.up_to,
            types=tuple(dict.fromkeys(self.types or ())),
            difficulty=tuple(sorted(set(self.difficulty or ()))),
            count=self.count,
        )


class PracticeAnswer(BaseModel):
    """An answer: single "B"; multiple ["A", "C"]; true/false true; fill ["x=2", "3"]
    (one text per blank)."""

    model_config = ConfigDict(extra="forbid")

    answer: JsonValue


@router.post("/practice", status_code=201)
async def start_practice(
    body: NewPractice, principal: CurrentUser, tenant: CurrentTenant, practice: PracticeUseCases
) -> dict[str, Any]:
    """Draw a practice set for the calling pupil (items without keys or explanations).
    Items the pupil has not answered or got wrong come first. 503 if the catalog (or
    identity, for the service's token) does not answer; nothing is written then."""
    return await practice.start(principal, tenant, body.selection())


@router.get("/practice")
async def my_practice(
    principal: CurrentUser,
    tenant: CurrentTenant,
    practice: PracticeUseCases,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 20,
) -> dict[str, Any]:
    """The pupil's practice sets, newest first, without their items."""
    return await practice.my_sets(principal, tenant, page=page, size=size)


# Before `/practice/{practice_id}`, which would otherwise take "mastery" for an id.
@router.get("/practice/mastery")
async def mastery(
    principal: CurrentUser,
    tenant: CurrentTenant,
    practice: PracticeUseCases,
    subject: Subject | None = None,
    stage: Stage | None = None,
) -> dict[str, Any]:
    """Per knowledge point the pupil has practised: answers, right answers, a mastery
    estimate (recency-weighted share of right answers, smoothed towards 1/2), weakest
    first. Names come from the catalog's knowledge-point tree (join on the id)."""
    return await practice.mastery(principal, tenant, subject=subject, stage=stage)


@router.get("/practice/{practice_id}")
async def practice_set(
    practice_id: PathId, principal: CurrentUser, tenant: CurrentTenant, practice: PracticeUseCases
) -> dict[str, Any]:
    """The set: answered items with the answer given, verdict, key and explanation;
    unanswered ones without key or explanation."""
    return await practice.practice_set(principal, tenant, practice_id)


@router.post("/practice/{practice_id}/answers/{item_id}", status_code=201)
async def answer(
    practice_id: PathId,
    item_id: PathId,
    body: PracticeAnswer,
    principal: CurrentUser,
    tenant: CurrentTenant,
    practice: PracticeUseCases,
) -> dict[str, Any]:
    """Mark an answer to one item of the set: the verdict (`blanks` per blank for fill-ins),
    the key and the explanation. One answer per item: another is 409 `already-answered`."""
    return await practice.answer(principal, tenant, practice_id, item_id, body.answer)
