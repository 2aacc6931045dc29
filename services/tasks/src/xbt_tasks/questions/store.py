"""MongoDB access for questions (答疑) on tasks, in one tenant's database (`tasks_<tenant>`),
and the mapping of a question's document to `Question` and back.

A question is one document holding its thread: the replies are embedded (a thread is short,
and a list shows every thread with its replies from one query). Every change moves the
document's `revision` on, so a change computed from what was read applies only if nobody
changed the thread meanwhile."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING

from xbt_shared.mongo import Doc, TenantStore
from xbt_tasks.questions.domain import Question, QuestionState, Reply

QUESTIONS = "questions"
_FIELDS = frozenset(f.name for f in dataclasses.fields(Question)) - {"id", "replies"}


def question_from_doc(doc: Mapping[str, Any]) -> Question:
    return Question(
        id=doc["_id"],
        replies=tuple(Reply(**r) for r in doc.get("replies") or ()),
        **{k: v for k, v in doc.items() if k in _FIELDS},
    )


def question_to_doc(question: Question) -> Doc:
    doc = {k: getattr(question, k) for k in _FIELDS}
    return {
        "_id": question.id,
        **doc,
        "replies": [dataclasses.asdict(r) for r in question.replies],
    }


class QuestionStore(TenantStore):
    """One tenant's; inside a unit of work when given one."""

    async def ensure_indexes(self) -> None:
        questions = self.tdb[QUESTIONS]
        # Lists: one task, some classes, newest activity first.
        await questions.create_index(
            [("task_id", ASCENDING), ("class_id", ASCENDING), ("activity_at", DESCENDING)]
        )
        # A pupil's own questions on a task (the per-pupil limit).
        await questions.create_index([("task_id", ASCENDING), ("asked_by", ASCENDING)])

    async def insert(self, question: Question) -> None:
        await self.tdb[QUESTIONS].insert_one(question_to_doc(question), session=self.session)

    async def get(self, task_id: str, question_id: str) -> Question | None:
        doc = await self.tdb[QUESTIONS].find_one(
            {"_id": question_id, "task_id": task_id}, session=self.session
        )
        return question_from_doc(doc) if doc is not None else None

    async def count_asked_by(self, task_id: str, pupil_id: str) -> int:
        """The pupil's live (not deleted) questions on the task."""
        return await self.tdb[QUESTIONS].count_documents(
            {"task_id": task_id, "asked_by": pupil_id, "deleted_at": None}, session=self.session
        )

    async def page(
        self,
        task_id: str,
        class_ids: Sequence[str],
        *,
        pupil: str | None,
        state: QuestionState | None,
        skip: int,
        limit: int,
    ) -> tuple[list[Question], int]:
        """One page of the live threads of a task in some classes, newest activity first, and
        their total. For a `pupil`: their own and the public, unhidden ones (as
        `domain.sees`)."""
        query: Doc = {"task_id": task_id, "class_id": {"$in": list(class_ids)}, "deleted_at": None}
        if pupil is not None:
            query["$or"] = [{"asked_by": pupil}, {"visibility": "class", "hidden": False}]
        if state is not None:
            query["state"] = state
        collection = self.tdb[QUESTIONS]
        cursor = (
            collection.find(query, session=self.session)
            .sort([("activity_at", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        found = [question_from_doc(doc) async for doc in cursor]
        total = await collection.count_documents(query, session=self.session)
        return found, total

    async def change(self, question: Question, changes: Doc, *, reply: Reply | None = None) -> bool:
        """Apply `changes` (and append `reply`) if the thread is still at the revision
        `question` was read at."""
        update: Doc = {"$set": changes, "$inc": {"revision": 1}}
        if reply is not None:
            update["$push"] = {"replies": dataclasses.asdict(reply)}
            update["$inc"]["reply_count"] = 1
        result = await self.tdb[QUESTIONS].update_one(
            {"_id": question.id, "revision": question.revision}, update, session=self.session
        )
        return result.modified_count == 1
