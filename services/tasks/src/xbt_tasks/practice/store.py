"""MongoDB access for practice (题库练习), in one tenant's database (`tasks_<tenant>`): a
pupil's sets, their record per item (what the next draw avoids) and per knowledge point (the
mastery estimate's sums); and the mapping of a set's document to `PracticeSet` and back."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from xbt_shared.mongo import Doc, TenantStore
from xbt_tasks.practice.domain import (
    PracticeAnswer,
    PracticeItem,
    PracticeSet,
    recency_weight,
)

PRACTICE_SETS = "practice_sets"
# A pupil's record per item (answered, right, last verdict): what the next draw avoids.
PRACTICE_ITEMS = "practice_items"
# A pupil's record per knowledge point: the mastery estimate's sums.
PRACTICE_MASTERY = "practice_mastery"
# Work counted towards mastery besides practice answers (`task:<submission id>`): once each.
PRACTICE_COUNTED = "practice_counted"
MAX_MASTERY_ROWS = 2_000  # knowledge points one pupil can have practised, with room to spare
_ITEM_FIELDS = frozenset(f.name for f in dataclasses.fields(PracticeItem))


def item_from_doc(doc: Mapping[str, Any]) -> PracticeItem:
    fields = {k: v for k, v in doc.items() if k in _ITEM_FIELDS}
    fields["options"] = tuple(doc.get("options") or ())
    fields["knowledge_point_ids"] = tuple(doc.get("knowledge_point_ids") or ())
    return PracticeItem(**fields)


def item_to_doc(item: PracticeItem) -> Doc:
    return item.public(with_key=True)


def set_from_doc(doc: Mapping[str, Any]) -> PracticeSet:
    return PracticeSet(
        id=doc["_id"],
        pupil_id=doc["pupil_id"],
        selection=doc["selection"],
        requested=doc["requested"],
        pool=doc["pool"],
        subject=doc.get("subject"),
        stage=doc.get("stage"),
        created_at=doc["created_at"],
        item_count=int(doc["item_count"]),
        items=tuple(item_from_doc(i) for i in doc.get("items") or ()),
        answers=tuple(PracticeAnswer(**a) for a in doc.get("answers") or ()),
        answered=int(doc.get("answered", 0)),
        correct=int(doc.get("correct", 0)),
    )


def set_to_doc(practice: PracticeSet) -> Doc:
    return {
        "_id": practice.id,
        "pupil_id": practice.pupil_id,
        "selection": dict(practice.selection),
        "requested": practice.requested,
        "pool": practice.pool,
        "subject": practice.subject,
        "stage": practice.stage,
        "items": [item_to_doc(i) for i in practice.items],
        "item_count": practice.item_count,
        "answers": [dataclasses.asdict(a) for a in practice.answers],
        "answered": practice.answered,
        "correct": practice.correct,
        "created_at": practice.created_at,
    }


class RecordRaced(Exception):
    """Two first answers raced to create one pupil's record of an item or a knowledge point:
    the loser's transaction is run again (and then updates the record)."""


class PracticeStore(TenantStore):
    """Practice sets, a pupil's record per item and per knowledge point, in one tenant's
    database; inside a unit of work when given one."""

    async def ensure_indexes(self) -> None:
        await self.tdb[PRACTICE_SETS].create_index(
            [("pupil_id", ASCENDING), ("created_at", DESCENDING)]
        )
        # One record per pupil and item / knowledge point: concurrent first answers upsert
        # one document, the loser retries as an update.
        await self.tdb[PRACTICE_ITEMS].create_index(
            [("pupil_id", ASCENDING), ("item_id", ASCENDING)], unique=True
        )
        await self.tdb[PRACTICE_MASTERY].create_index(
            [("pupil_id", ASCENDING), ("knowledge_point_id", ASCENDING)], unique=True
        )
        await self.tdb[PRACTICE_MASTERY].create_index(
            [("pupil_id", ASCENDING), ("subject", ASCENDING), ("stage", ASCENDING)]
        )

    # sets ---------------------------------------------------------------------------------------

    async def insert_set(self, practice: PracticeSet) -> None:
        await self.tdb[PRACTICE_SETS].insert_one(set_to_doc(practice), session=self.session)

    async def set_of(self, pupil_id: str, practice_id: str) -> PracticeSet | None:
        """The set, if it is this pupil's."""
        doc = await self.tdb[PRACTICE_SETS].find_one(
            {"_id": practice_id, "pupil_id": pupil_id}, session=self.session
        )
        return set_from_doc(doc) if doc is not None else None

    async def sets_of(
        self, pupil_id: str, *, skip: int, limit: int
    ) -> tuple[list[PracticeSet], int]:
        """A page of the pupil's sets, newest first, without their items and answers."""
        query = {"pupil_id": pupil_id}
        cursor = (
            self.tdb[PRACTICE_SETS]
            .find(query, {"items": 0, "answers": 0}, session=self.session)
            .sort("created_at", DESCENDING)
            .skip(skip)
            .limit(limit)
        )
        found = [set_from_doc(doc) async for doc in cursor]
        total = await self.tdb[PRACTICE_SETS].count_documents(query, session=self.session)
        return found, total

    async def add_answer(self, practice: PracticeSet, answer: PracticeAnswer) -> bool:
        """Record the answer unless the item already has one (True if it was recorded)."""
        result = await self.tdb[PRACTICE_SETS].update_one(
            {
                "_id": practice.id,
                "pupil_id": practice.pupil_id,
                "answers.item_id": {"$ne": answer.item_id},
            },
            {
                "$push": {"answers": dataclasses.asdict(answer)},
                "$inc": {"answered": 1, "correct": 1 if answer.correct else 0},
            },
            session=self.session,
        )
        return result.modified_count == 1

    # a pupil's records ----------------------------------------------------------------------

    async def item_history(self, pupil_id: str, item_ids: Sequence[str]) -> dict[str, Doc]:
        cursor = self.tdb[PRACTICE_ITEMS].find(
            {"pupil_id": pupil_id, "item_id": {"$in": list(item_ids)}}, session=self.session
        )
        return {doc["item_id"]: doc async for doc in cursor}

    async def record_item(self, pupil_id: str, item_id: str, correct: bool, at: datetime) -> None:
        """Add one answer to the pupil's record of the item; RecordRaced if a concurrent first
        answer created it meanwhile."""
        await self._upsert(
            PRACTICE_ITEMS,
            {"pupil_id": pupil_id, "item_id": item_id},
            {
                "$inc": {"answered": 1, "correct": 1 if correct else 0},
                "$set": {"last_correct": correct, "last_answered_at": at},
            },
        )

    async def record_mastery(
        self, pupil_id: str, item: PracticeItem, correct: bool, at: datetime
    ) -> None:
        """Add one answer to the pupil's sums of each of the item's knowledge points
        (RecordRaced as `record_item`)."""
        weight = recency_weight(at)
        for kp in dict.fromkeys(item.knowledge_point_ids):
            await self._upsert(
                PRACTICE_MASTERY,
                {"pupil_id": pupil_id, "knowledge_point_id": kp},
                {
                    "$setOnInsert": {
                        "subject": item.subject,
                        "stage": item.stage,
                        "first_practised_at": at,
                    },
                    "$inc": {
                        "answered": 1,
                        "correct": 1 if correct else 0,
                        "weighted_answers": weight,
                        "weighted_correct": weight if correct else 0.0,
                    },
                    "$max": {"last_practised_at": at},
                },
            )

    async def count_once(self, key: str, pupil_id: str, at: datetime) -> bool:
        """Note that `key` (marked work) has been counted; False if it had been already
        (RecordRaced if a concurrent count noted it meanwhile)."""
        counted = self.tdb[PRACTICE_COUNTED]
        if await counted.find_one({"_id": key}, {"_id": 1}, session=self.session) is not None:
            return False
        try:
            await counted.insert_one(
                {"_id": key, "pupil_id": pupil_id, "at": at}, session=self.session
            )
        except DuplicateKeyError as exc:
            raise RecordRaced() from exc
        return True

    async def _upsert(self, collection: str, key: Doc, update: Doc) -> None:
        try:
            await self.tdb[collection].update_one(key, update, upsert=True, session=self.session)
        except DuplicateKeyError as exc:
            raise RecordRaced() from exc

    async def mastery_rows(
        self, pupil_id: str, *, subject: str | None, stage: str | None
    ) -> list[Doc]:
        query: Doc = {"pupil_id": pupil_id}
        if subject is not None:
            query["subject"] = subject
        if stage is not None:
            query["stage"] = stage
        cursor = (
            self.tdb[PRACTICE_MASTERY].find(query, session=self.session).limit(MAX_MASTERY_ROWS)
        )
        return [doc async for doc in cursor]
