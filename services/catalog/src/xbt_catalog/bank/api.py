"""Question-bank routes (题库): knowledge points, items, marking practice answers.

Who asks decides the shape of an item: pupils and guests never get `answer` or
`explanation`; teachers, researchers and administrators do, and so do services whose token
carries the `bank.keys` scope (see `bank.audience_of`). No query parameter or header changes
that.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from xbt_catalog.bank.domain import MAX_PAGE, audience_of
from xbt_catalog.bank.schemas import (
    BankItem,
    CheckAnswer,
    CheckResult,
    ItemPage,
    KnowledgePoints,
)
from xbt_catalog.bank.service import ItemSelection
from xbt_catalog.http import BankDep, Size, cached_read, cached_response
from xbt_catalog.resources.schemas import Stage, Subject
from xbt_catalog.resources.service import reader_of
from xbt_shared.caller import CurrentCaller
from xbt_shared.marking import ItemType

router = APIRouter(prefix="/v1", tags=["question bank"])

Difficulty = Annotated[int, Field(ge=1, le=5)]
NodeId = Annotated[str | None, Query(min_length=1, max_length=120)]


@router.get(
    "/knowledge-points",
    responses=cached_read(
        KnowledgePoints,
        "Without `q`: the tree, city points with the district's. With `q`: the points found "
        "by name, each with its path.",
    ),
)
async def knowledge_points(
    request: Request,
    caller: CurrentCaller,
    bank: BankDep,
    subject: Subject | None = None,
    stage: Stage | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=50,
            description="a part of the Chinese name (函数); also finds the points under a "
            "point so named. Then `subject` and `stage` are optional filters",
        ),
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Size = 20,
) -> Response:
    """The knowledge-point tree of a subject and stage, or knowledge points found by name.

    Without `q`, `subject` and `stage` are required and the answer is the tree (知识点),
    nested by `children`. With `q`, a page of the points whose name holds it (then those
    under such a point), each with its `path` of names from the root."""
    reader = reader_of(caller)
    text = (q or "").strip()
    if text:
        cached = await bank.find_knowledge_points(
            reader, q=text, subject=subject, stage=stage, page=page, size=size
        )
    else:
        cached = await bank.knowledge_points(reader, subject=subject, stage=stage)
    return cached_response(request, cached)


@router.get(
    "/items",
    responses=cached_read(
        ItemPage, "One page of items; `answer` and `explanation` only for key holders."
    ),
)
async def list_items(
    request: Request,
    caller: CurrentCaller,
    bank: BankDep,
    knowledge_point: NodeId = None,
    include_descendants: bool = True,
    textbook: NodeId = None,
    up_to: Annotated[
        str | None,
        Query(min_length=1, max_length=120, description="a node of `textbook`: items up to it"),
    ] = None,
    type_: Annotated[list[ItemType] | None, Query(alias="type")] = None,
    difficulty: Annotated[list[Difficulty] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    size: Size = 20,
) -> Response:
    """Question items by knowledge point or by textbook progress, one page at a time.

    Items by knowledge point (with its sub-points unless `include_descendants=false`) or
    by textbook progress (every node of `textbook` up to and including `up_to`, in reading
    order), or both; `type` and `difficulty` may repeat. Pupils get no answer keys."""
    selection = ItemSelection(
        knowledge_point=knowledge_point,
        include_descendants=include_descendants,
        textbook=textbook,
        up_to=up_to,
        types=tuple(type_ or ()),
        difficulties=tuple(sorted(set(difficulty or ()))),
    )
    cached = await bank.items(
        reader_of(caller), audience_of(caller.principal), selection, page=page, size=size
    )
    return cached_response(request, cached)


@router.get(
    "/items/{item_id}",
    responses=cached_read(
        BankItem,
        "The item. `answer` and `explanation` are present only for key holders (teachers, "
        "researchers, administrators, services granted `bank.keys`); pupils and guests get "
        "neither field.",
    ),
)
async def item(
    item_id: str,
    request: Request,
    caller: CurrentCaller,
    bank: BankDep,
) -> Response:
    """One question item; answer key and explanation for key holders only.

    `answer` and `explanation` only for teachers, researchers, admins and services granted
    `bank.keys`."""
    cached = await bank.item(reader_of(caller), audience_of(caller.principal), item_id)
    return cached_response(request, cached)


@router.post("/items/{item_id}/check")
async def check(
    item_id: str,
    body: CheckAnswer,
    caller: CurrentCaller,
    bank: BankDep,
) -> CheckResult:
    """Mark a practice answer; the key and explanation come with the verdict.

    Marked server-side; short answers are not auto-marked (`correct: null`, `marking:
    needs_teacher`). A pupil gets 403 `answer-key-locked` (and no verdict) on an item of a
    task of their class they can still hand in."""
    return await bank.check(caller, item_id, body.answer)
