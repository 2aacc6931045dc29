"""Practice use cases (题库练习): draw a set from the catalog, answer its items (marked at
once, recorded with the pupil's item and mastery records in one transaction), read a set,
the pupil's sets, their mastery. Rules are in `domain`, MongoDB in `store`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from xbt_shared.clock import now_ms
from xbt_shared.errors import Conflict, NotFound, Problem, Unprocessable, invalid
from xbt_shared.mongo import Doc, UnitOfWork
from xbt_tasks.assignments.domain import Item
from xbt_tasks.clients.catalog import CatalogClient, CatalogUnavailable
from xbt_tasks.practice.domain import (
    CANDIDATE_PAGE_SIZE,
    HALF_LIFE_DAYS,
    LEARNING,
    MASTERED,
    PRIOR_RATE,
    PRIOR_WEIGHT,
    AnswerKeyLocked,
    PracticeSet,
    Selection,
    as_body_errors,
    as_practice_item,
    draw,
    extra_pages,
    mastery_of,
    named,
    point_names,
    require_pupil,
    snapshot,
)
from xbt_tasks.practice.store import PracticeStore, RecordRaced
from xbt_tasks.submissions.service import keys_held_back

if TYPE_CHECKING:
    # Only a type here: the request context is built by the HTTP layer.
    from xbt_shared.caller import Caller


class _Answered(Exception):
    """The item got an answer between our read and our write."""


@dataclass
class Practice:
    catalog: CatalogClient

    async def start(self, caller: Caller, selection: Selection) -> Doc:
        """Draw a new set: candidates from the catalog, the pupil's history of them, a
        mastery-aware sample. Nothing is written unless the catalog answered."""
        require_pupil(caller.principal, caller.tenant)
        selection.check()
        practice_id = "pr-" + uuid.uuid4().hex[:16]
        candidates, pool = await self._candidates(selection, caller, seed=practice_id)
        if candidates:
            # Never offered: items of a task the pupil can still hand in (their keys would
            # come with the verdict).
            locked = await self._locked_items(caller)
            candidates = [c for c in candidates if c["id"] not in locked]
        if not candidates:
            field = "body.knowledge_point" if selection.knowledge_point else "body.textbook"
            raise invalid(field, "there are no items to practise for this choice")
        store = PracticeStore(caller.db)
        history = await store.item_history(caller.user_id, [c["id"] for c in candidates])
        items = tuple(snapshot(c) for c in draw(candidates, history, selection.count, practice_id))
        practice = PracticeSet(
            id=practice_id,
            pupil_id=caller.user_id,
            selection=selection.public(),
            requested=selection.count,
            pool=pool,
            subject=items[0].subject,
            stage=items[0].stage,
            created_at=now_ms(),
            item_count=len(items),
            items=items,
        )
        await store.insert_set(practice)
        return practice.public()

    async def _candidates(
        self, selection: Selection, caller: Caller, *, seed: str
    ) -> tuple[list[Doc], int]:
        """Items with keys (the first page and a few at random), and the pool's size."""
        params = selection.catalog_params()
        first = await self._select(params, 1, caller)
        total = int(first.get("total", 0))
        more = await asyncio.gather(
            *(self._select(params, page, caller) for page in extra_pages(total, seed))
        )
        items = [i for page in (first, *more) for i in page.get("items", [])]
        keyed = [i for i in items if "answer" in i]
        if items and not keyed:
            # The service's token lacks `bank.keys`: a deployment fault, not the pupil's.
            raise CatalogUnavailable("the catalog gave this service no answer keys")
        return keyed, total

    async def _locked_items(self, caller: Caller, item_id: str | None = None) -> frozenset[str]:
        """The items (of all, or just `item_id`) in open tasks of the pupil's classes that
        they may still hand in."""
        return await keys_held_back(caller.db, caller.principal, now_ms(), item_id=item_id)

    async def _select(self, params: Doc, page: int, caller: Caller) -> Doc:
        try:
            return await self.catalog.select_items(
                {**params, "page": page, "size": CANDIDATE_PAGE_SIZE}, tenant=caller.tenant.id
            )
        except CatalogUnavailable:
            raise
        except Problem as exc:
            if exc.status == 422:
                errors = as_body_errors(exc.extra.get("errors") or [])
                raise Unprocessable(exc.detail, errors=errors) from None
            # 401/403: the service's own credentials were refused; the pupil can't fix that.
            raise CatalogUnavailable(f"the catalog refused this service ({exc.status})") from None

    async def answer(self, caller: Caller, practice_id: str, item_id: str, given: Any) -> Doc:
        """Mark an answer and record it with the pupil's item and mastery records, in one
        transaction. One answer per item and set: the first counts, another is 409."""
        require_pupil(caller.principal, caller.tenant)
        # A set drawn before the teacher set a task with this item: no verdict, no key, until
        # the pupil can no longer hand the task in.
        if item_id in await self._locked_items(caller, item_id):
            raise AnswerKeyLocked()

        async def answer_once(uow: UnitOfWork) -> Doc:
            store = PracticeStore(uow)
            practice = await store.set_of(caller.user_id, practice_id)
            if practice is None:
                raise NotFound("no such practice set")
            item = practice.item(item_id)
            if item is None:
                raise NotFound("no such item in this practice set")
            answer = practice.answer(item, given, now_ms())
            if not await store.add_answer(practice, answer):
                raise _Answered()  # read again: answered meanwhile (409)
            await store.record_item(caller.user_id, item.id, answer.correct, answer.answered_at)
            await store.record_mastery(caller.user_id, item, answer.correct, answer.answered_at)
            return {
                "item_id": item_id,
                **answer.verdict(),
                "answer": item.answer,
                "explanation": item.explanation,
                "knowledge_point_ids": list(item.knowledge_point_ids),
                "progress": practice.with_answer(answer).progress(),
            }

        try:
            # A first record of an item or point raced by another answer: tried again.
            return await caller.transaction(answer_once, retry_on=(_Answered, RecordRaced))
        except (_Answered, RecordRaced):
            raise Conflict("too many answers at once for this set; try again") from None

    async def practice_set(self, caller: Caller, practice_id: str) -> Doc:
        require_pupil(caller.principal, caller.tenant)
        practice = await PracticeStore(caller.db).set_of(caller.user_id, practice_id)
        if practice is None:
            raise NotFound("no such practice set")
        return practice.public(await self._locked_items(caller))

    async def my_sets(self, caller: Caller, *, page: int, size: int) -> Doc:
        require_pupil(caller.principal, caller.tenant)
        found, total = await PracticeStore(caller.db).sets_of(
            caller.user_id, skip=(page - 1) * size, limit=size
        )
        return {"items": [s.summary() for s in found], "total": total, "page": page, "size": size}

    async def _point_names(
        self, caller: Caller, rows: Sequence[Doc]
    ) -> dict[str, tuple[str, list[str]]]:
        """The names and paths of the rows' knowledge points, from the catalog's trees of
        their subjects and stages; a tree the catalog does not give leaves its points
        unnamed rather than the pupil without their mastery."""
        wanted = sorted(
            {(r["subject"], r["stage"]) for r in rows if r.get("subject") and r.get("stage")}
        )

        async def tree(subject: str, stage: str) -> list[Doc]:
            try:
                return await self.catalog.knowledge_point_tree(
                    subject=subject, stage=stage, tenant=caller.tenant.id
                )
            except Problem:
                return []

        trees = await asyncio.gather(*(tree(subject, stage) for subject, stage in wanted))
        names: dict[str, tuple[str, list[str]]] = {}
        for found in trees:
            names |= point_names(found)
        return names

    async def count_marked_work(
        self,
        uow: UnitOfWork,
        *,
        pupil_id: str,
        work_id: str,
        marked: Sequence[tuple[Item, bool]],
        at: datetime,
    ) -> bool:
        """Count a task's marked work towards the pupil's mastery and item records, as
        practice answers count, in the marking's transaction: once per work (`work_id`), so
        marking it again after a revision counts nothing more. False if counted before."""
        store = PracticeStore(uow)
        if not marked or not await store.count_once(f"task:{work_id}", pupil_id, at):
            return False
        for item, correct in marked:
            practised = as_practice_item(item)
            await store.record_item(pupil_id, item.id, correct, at)
            await store.record_mastery(pupil_id, practised, correct, at)
        return True

    # A concurrent first record of an item or point: the caller's transaction is run again.
    raced: ClassVar[tuple[type[Exception], ...]] = (RecordRaced,)

    async def mastery(self, caller: Caller, *, subject: str | None, stage: str | None) -> Doc:
        """The pupil's knowledge points, weakest first."""
        require_pupil(caller.principal, caller.tenant)
        rows = await PracticeStore(caller.db).mastery_rows(
            caller.user_id, subject=subject, stage=stage
        )
        now = now_ms()
        names = await self._point_names(caller, rows)
        points = sorted(
            (named(mastery_of(row, now), names) for row in rows),
            key=lambda p: (p["mastery"], p["knowledge_point_id"]),
        )
        return {
            "subject": subject,
            "stage": stage,
            "knowledge_points": points,
            "estimate": {
                "half_life_days": HALF_LIFE_DAYS,
                "prior": PRIOR_RATE,
                "prior_weight": PRIOR_WEIGHT,
                "mastered_at": MASTERED,
                "learning_at": LEARNING,
            },
        }
