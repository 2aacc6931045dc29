"""The question bank's MongoDB access, bound to one tenant's database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING

from xbt_catalog.bank.domain import PupilWork, TaskLock
from xbt_catalog.resources.domain import Reader
from xbt_shared.mongo import Doc, TenantStore

KNOWLEDGE_POINTS = "knowledge_points"
ITEMS = "items"
# The answer-key lock's projection of the district's tasks (from the tasks service's events).
LOCK_TASKS = "answer_lock_tasks"
LOCK_WORK = "answer_lock_work"
# More knowledge points than any one database holds (the city's has a few hundred).
MAX_POINTS = 20_000


class BankStore(TenantStore):
    async def ensure_indexes(self) -> None:
        points = self.tdb[KNOWLEDGE_POINTS]
        await points.create_index([("subject", ASCENDING), ("stage", ASCENDING)])
        await points.create_index("path")
        items = self.tdb[ITEMS]
        # Selections are `$in` over these arrays: multikey indexes (`$all` would scan).
        await items.create_index("knowledge_point_ids")
        await items.create_index("textbook_node_ids")
        # A check asks for the open tasks holding an item: `$in`-free on the multikey index.
        await self.tdb[LOCK_TASKS].create_index("item_ids")

    # knowledge points ------------------------------------------------------------------------

    async def knowledge_points(self, *, subject: str, stage: str) -> list[Doc]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"subject": subject, "stage": stage})
        return [p async for p in cursor]

    async def knowledge_points_where(self, query: Doc) -> list[Doc]:
        """Points matching `query` (a subject and stage, either, or none), in stored order."""
        cursor = self.tdb[KNOWLEDGE_POINTS].find(query).limit(MAX_POINTS)
        return [p async for p in cursor]

    async def knowledge_point(self, kp_id: str) -> Doc | None:
        return await self.tdb[KNOWLEDGE_POINTS].find_one({"_id": kp_id})

    async def descendant_ids(self, kp_id: str) -> list[str]:
        cursor = self.tdb[KNOWLEDGE_POINTS].find({"path": kp_id}, {"_id": 1})
        return [p["_id"] async for p in cursor]

    # items -------------------------------------------------------------------------------------

    async def item(self, item_id: str) -> Doc | None:
        return await self.tdb[ITEMS].find_one({"_id": item_id})

    async def count_items(self, query: Doc) -> int:
        return await self.tdb[ITEMS].count_documents(query)

    async def item_order(self, query: Doc, *, limit: int) -> list[tuple[int, str]]:
        """(difficulty, id) of the first `limit` matches in list order: enough to merge the
        city's and a district's matches and cut one page out of them."""
        cursor = (
            self.tdb[ITEMS]
            .find(query, {"_id": 1, "difficulty": 1})
            .sort([("difficulty", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [(int(d.get("difficulty") or 0), d["_id"]) async for d in cursor]

    async def items_by_ids(self, ids: Sequence[str]) -> list[Doc]:
        cursor = self.tdb[ITEMS].find({"_id": {"$in": list(ids)}})
        return [d async for d in cursor]


def lock_from_doc(doc: Mapping[str, Any]) -> TaskLock:
    return TaskLock(
        task_id=doc["_id"],
        revision=int(doc["revision"]),
        class_ids=tuple(doc.get("class_ids") or ()),
        item_ids=tuple(doc.get("item_ids") or ()),
        status=doc["status"],
        due_at=doc.get("due_at"),
        allow_late=bool(doc.get("allow_late")),
        max_attempts=int(doc.get("max_attempts") or 1),
    )


def work_from_doc(doc: Mapping[str, Any]) -> PupilWork:
    return PupilWork(
        task_id=doc["task_id"],
        pupil_id=doc["pupil_id"],
        state=doc["state"],
        attempts=int(doc["attempts"]),
        at=doc["at"],
    )


def work_id(task_id: str, pupil_id: str) -> str:
    return f"{task_id}:{pupil_id}"


class AnswerLockStore(TenantStore):
    """The answer-key lock's projection in one district's database: the tasks with items
    (one document per task, the highest revision announced) and each pupil's work on them
    (one document per task and pupil). Written by the consumers, inside their inbox
    transaction; read by `check`."""

    async def task(self, task_id: str) -> TaskLock | None:
        doc = await self.tdb[LOCK_TASKS].find_one({"_id": task_id}, session=self.session)
        return lock_from_doc(doc) if doc is not None else None

    async def put_task(self, lock: TaskLock) -> None:
        doc = {
            "revision": lock.revision,
            "class_ids": list(lock.class_ids),
            "item_ids": list(lock.item_ids),
            "status": lock.status,
            "due_at": lock.due_at,
            "allow_late": lock.allow_late,
            "max_attempts": lock.max_attempts,
        }
        await self.tdb[LOCK_TASKS].replace_one(
            {"_id": lock.task_id}, doc, upsert=True, session=self.session
        )

    async def work(self, task_id: str, pupil_id: str) -> PupilWork | None:
        doc = await self.tdb[LOCK_WORK].find_one(
            {"_id": work_id(task_id, pupil_id)}, session=self.session
        )
        return work_from_doc(doc) if doc is not None else None

    async def put_work(self, work: PupilWork) -> None:
        doc = {
            "task_id": work.task_id,
            "pupil_id": work.pupil_id,
            "state": work.state,
            "attempts": work.attempts,
            "at": work.at,
        }
        await self.tdb[LOCK_WORK].replace_one(
            {"_id": work_id(work.task_id, work.pupil_id)}, doc, upsert=True, session=self.session
        )

    async def open_tasks_with(self, item_id: str, class_ids: Sequence[str]) -> list[TaskLock]:
        """The open tasks of these classes that hold `item_id` (usually none)."""
        cursor = self.tdb[LOCK_TASKS].find(
            {"item_ids": item_id, "status": "open"}, session=self.session
        )
        classes = set(class_ids)
        found = [lock_from_doc(d) async for d in cursor]
        return [t for t in found if classes.intersection(t.class_ids)]

    async def work_of(self, pupil_id: str, task_ids: Sequence[str]) -> dict[str, PupilWork]:
        """The pupil's work on these tasks, by task id."""
        ids = [work_id(t, pupil_id) for t in task_ids]
        cursor = self.tdb[LOCK_WORK].find({"_id": {"$in": ids}}, session=self.session)
        found = [work_from_doc(d) async for d in cursor]
        return {w.task_id: w for w in found}


def visibility_query(reader: Reader, scope: str) -> Doc:
    """`resources.domain.readable` as a query on one scope's items, so counts and pages are right
    (results are checked with `readable` again all the same)."""
    query: Doc = {"status": "published"}
    if reader.guest:
        query["guest_visible"] = True
    if scope != reader.tenant:
        query["provider.level"] = "city"
    elif reader.school:
        query["$or"] = [
            {"provider.level": {"$in": ["city", "district"]}},
            {"provider.level": "school", "provider.school_id": reader.school},
        ]
    else:
        query["provider.level"] = {"$in": ["city", "district"]}
    return query
