"""MongoDB access for submissions, in one tenant's database (`tasks_<tenant>`), and the
mapping of a submission's document to `Submission` and back (field names as they have
always been stored; lists read documents without their attempts or their contents)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from pymongo import ASCENDING

from xbt_shared.mongo import Doc, TenantStore
from xbt_tasks.submissions.domain import Attempt, ItemMark, Marking, Submission, public_attempt

SUBMISSIONS = "submissions"
# The Idempotency-Key records of submits (`<pupil>:<key>`, xbt_shared.idempotency, scope "").
IDEMPOTENCY = "idempotency"

# What a list or a gradebook reads of a submission.
WITHOUT_ATTEMPTS: Doc = {"attempts": 0}
WITHOUT_CONTENT: Doc = {"attempts.text": 0, "attempts.answers": 0, "attempts.file_ids": 0}


def _marking(doc: Mapping[str, Any] | None) -> Marking | None:
    if doc is None:
        return None
    return Marking(
        items={
            item_id: ItemMark(
                correct=bool(m["correct"]),
                points=float(m.get("points", 0.0)),
                blanks=m.get("blanks"),
            )
            for item_id, m in (doc.get("items") or {}).items()
        },
        score=float(doc.get("score", 0.0)),
        max=float(doc.get("max", 0.0)),
        pending=tuple(doc.get("pending") or ()),
    )


def attempt_from_doc(doc: Mapping[str, Any]) -> Attempt:
    return Attempt(
        n=doc.get("n", 0),
        submitted_at=doc.get("submitted_at"),
        late=bool(doc.get("late", False)),
        marking=_marking(doc.get("marking")),
        text=doc.get("text"),
        file_ids=tuple(doc.get("file_ids") or ()),
        answers=dict(doc.get("answers") or {}),
    )


def submission_from_doc(doc: Mapping[str, Any]) -> Submission:
    attempts = doc.get("attempts")
    return Submission(
        id=doc["_id"],
        task_id=doc["task_id"],
        class_id=doc["class_id"],
        pupil_id=doc["pupil_id"],
        pupil_name=doc.get("pupil_name"),
        created_at=doc.get("created_at"),
        max_score=float(doc.get("max_score", 0.0)),
        state=doc["state"],
        attempt_count=int(doc.get("attempt_count", 0)),
        attempts=None if attempts is None else tuple(attempt_from_doc(a) for a in attempts),
        submitted_at=doc.get("submitted_at"),
        late=bool(doc.get("late", False)),
        auto_score=doc.get("auto_score"),
        needs_teacher=bool(doc.get("needs_teacher", False)),
        score=doc.get("score"),
        updated_at=doc.get("updated_at"),
        comment=doc.get("comment"),
        reviewed_by=doc.get("reviewed_by"),
        reviewed_at=doc.get("reviewed_at"),
        item_points=doc.get("item_points"),
    )


def _latest_fields(s: Submission) -> Doc:
    """What every attempt sets on the submission."""
    return {
        "state": s.state,
        "submitted_at": s.submitted_at,
        "late": s.late,
        "auto_score": s.auto_score,
        "needs_teacher": s.needs_teacher,
        "score": s.score,
        "updated_at": s.updated_at,
    }


def submission_to_doc(s: Submission) -> Doc:
    doc: Doc = {
        "_id": s.id,
        "task_id": s.task_id,
        "class_id": s.class_id,
        "pupil_id": s.pupil_id,
        "pupil_name": s.pupil_name,
        "created_at": s.created_at,
        "attempt_count": s.attempt_count,
        "attempts": [public_attempt(a) for a in s.attempts or ()],
        "max_score": s.max_score,
        "comment": s.comment,
        "reviewed_by": s.reviewed_by,
        "reviewed_at": s.reviewed_at,
        **_latest_fields(s),
    }
    if s.item_points is not None:
        doc["item_points"] = dict(s.item_points)
    return doc


class SubmissionStore(TenantStore):
    """One tenant's; inside a unit of work when given one (its reads and writes are then
    part of the transaction)."""

    async def ensure_indexes(self) -> None:
        submissions = self.tdb[SUBMISSIONS]
        await submissions.create_index([("task_id", ASCENDING), ("class_id", ASCENDING)])
        await submissions.create_index([("pupil_id", ASCENDING), ("task_id", ASCENDING)])

    async def get(self, sid: str) -> Submission | None:
        doc = await self.tdb[SUBMISSIONS].find_one({"_id": sid}, session=self.session)
        return submission_from_doc(doc) if doc is not None else None

    async def of_pupil(self, pupil_id: str, task_ids: Sequence[str]) -> list[Submission]:
        """The pupil's submissions to these tasks, without attempts."""
        cursor = self.tdb[SUBMISSIONS].find(
            {"pupil_id": pupil_id, "task_id": {"$in": list(task_ids)}},
            WITHOUT_ATTEMPTS,
            session=self.session,
        )
        return [submission_from_doc(doc) async for doc in cursor]

    async def of_task(
        self, task_id: str, class_id: str | None = None, *, with_attempts: bool = True
    ) -> list[Submission]:
        query: Doc = {"task_id": task_id}
        if class_id is not None:
            query["class_id"] = class_id
        cursor = (
            self.tdb[SUBMISSIONS]
            .find(query, None if with_attempts else WITHOUT_ATTEMPTS, session=self.session)
            .sort("submitted_at", ASCENDING)
        )
        return [submission_from_doc(doc) async for doc in cursor]

    async def of_tasks_in_classes(
        self, task_ids: Sequence[str], class_ids: Sequence[str], *, with_marking: bool
    ) -> list[Submission]:
        """The submissions of the tasks made in the classes, for a gradebook: with each
        attempt's marking (for per-item rates) if asked, never its texts and answers."""
        cursor = self.tdb[SUBMISSIONS].find(
            {"task_id": {"$in": list(task_ids)}, "class_id": {"$in": list(class_ids)}},
            WITHOUT_CONTENT if with_marking else WITHOUT_ATTEMPTS,
            session=self.session,
        )
        return [submission_from_doc(doc) async for doc in cursor]

    async def files_named(self, task_ids: Collection[str], pupil_ids: Collection[str]) -> set[str]:
        """File ids that the attempts of these pupils' submissions to these tasks name."""
        cursor = self.tdb[SUBMISSIONS].find(
            {"pupil_id": {"$in": list(pupil_ids)}, "task_id": {"$in": list(task_ids)}},
            {"attempts.file_ids": 1},
            session=self.session,
        )
        found: set[str] = set()
        async for doc in cursor:
            for attempt in doc.get("attempts") or []:
                found.update(attempt.get("file_ids") or [])
        return found

    async def insert(self, submission: Submission) -> None:
        await self.tdb[SUBMISSIONS].insert_one(submission_to_doc(submission), session=self.session)

    async def add_attempt(self, submission: Submission) -> bool:
        """Append the submission's newest attempt if nobody else added one since it was read."""
        assert submission.latest is not None
        result = await self.tdb[SUBMISSIONS].update_one(
            {"_id": submission.id, "attempt_count": submission.attempt_count - 1},
            {
                "$set": _latest_fields(submission),
                "$push": {"attempts": public_attempt(submission.latest)},
                "$inc": {"attempt_count": 1},
            },
            session=self.session,
        )
        return result.modified_count == 1

    async def review(self, submission: Submission) -> bool:
        """Write the review if no attempt came since the one reviewed."""
        result = await self.tdb[SUBMISSIONS].update_one(
            {"_id": submission.id, "attempt_count": submission.attempt_count},
            {
                "$set": {
                    "state": submission.state,
                    "score": submission.score,
                    "item_points": dict(submission.item_points or {}),
                    "comment": submission.comment,
                    "reviewed_by": submission.reviewed_by,
                    "reviewed_at": submission.reviewed_at,
                    "needs_teacher": submission.needs_teacher,
                    "updated_at": submission.updated_at,
                }
            },
            session=self.session,
        )
        return result.modified_count == 1
